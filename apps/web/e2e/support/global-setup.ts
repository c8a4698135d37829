import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

import { build } from 'vite';

const WEB = resolve(import.meta.dirname, '../..');
const ROOT = resolve(WEB, '../..');
const STACK_OUTPUTS = ['tooling/m365-emulator/dist/cli.js', 'apps/api/dist/src/main.js'];

// The stack serves built output. The SPA is always rebuilt so the browser tests what is in src/.
// Under turbo (the README's test line) everything was built just before; run on its own, the API
// and the emulator are brought up to date through turbo's cache so a stale dist cannot answer.
export default async function setup(): Promise<void> {
  const isUnderTurbo = Boolean(process.env.TURBO_HASH);
  const isMissing = STACK_OUTPUTS.some((file) => !existsSync(join(ROOT, file)));
  if (!isUnderTurbo || isMissing) {
    execFileSync(
      'pnpm',
      [
        'exec',
        'turbo',
        'run',
        'build',
        '--filter=@rox365/api',
        '--filter=@rox365/m365-emulator',
        '--output-logs=errors-only',
      ],
      { cwd: ROOT, stdio: 'inherit' },
    );
  }
  await build({ root: WEB, configFile: join(WEB, 'vite.config.ts'), logLevel: 'warn' });
}
