import 'reflect-metadata';

import { MikroORM } from '@mikro-orm/postgresql';

import { createCommandContext } from '../bootstrap';
import { loadConfig } from '../config/config.module';
import { ENCRYPTED_COLUMNS } from '../platform/crypto/encrypted-columns';
import { ReencryptService } from '../platform/crypto/reencrypt.service';
import { requestContext } from '../platform/http/request-context';

// Key rotation, step two: after adding a key to ENCRYPTION_KEYS and making it active, this
// rewrites every stored envelope with the active key. Safe to re-run and to run while serving.
async function main(): Promise<void> {
  const app = await createCommandContext(loadConfig());
  try {
    const orm = app.get(MikroORM);
    const reports = await requestContext.run({ requestId: 'reencrypt' }, () =>
      orm.em.fork().transactional(() => app.get(ReencryptService).run(ENCRYPTED_COLUMNS)),
    );
    for (const r of reports)
      process.stdout.write(`${r.column}: ${r.rewritten} rewritten, ${r.skipped} skipped\n`);
    if (reports.length === 0) process.stdout.write('no encrypted columns are registered\n');
  } finally {
    await app.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
