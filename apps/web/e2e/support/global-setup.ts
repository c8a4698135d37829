import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

import { build } from 'vite';

const WEB = resolve(import.meta.dirname, '../..');
const ROOT = resolve(WEB, '../..');

// The stack serves built output: always rebuild the SPA (so the browser tests what is in src/),
// and build the API and the emulator only when a checkout has never built them.
export default async function setup(): Promise<void> {
  for (const [pkg, file] of [
    ['@rox365/m365-emulator', 'tooling/m365-emulator/dist/cli.js'],
    ['@rox365/api', 'apps/api/dist/src/main.js'],
  ] as const) {
    if (!existsSync(join(ROOT, file))) {
      execFileSync('pnpm', ['--filter', `${pkg}...`, 'build'], { cwd: ROOT, stdio: 'inherit' });
    }
  }
  await build({ root: WEB, configFile: join(WEB, 'vite.config.ts'), logLevel: 'warn' });
}
