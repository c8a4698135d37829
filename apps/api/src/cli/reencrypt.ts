import 'reflect-metadata';

import { MikroORM, RequestContext } from '@mikro-orm/postgresql';

import { createCommandContext } from '../bootstrap';
import { loadConfig } from '../config/config.module';
import { ENCRYPTED_COLUMNS } from '../platform/crypto/encrypted-columns';
import { ReencryptService } from '../platform/crypto/reencrypt.service';
import { requestContext } from '../platform/http/request-context';

// Key rotation, step two: after adding a key to ENCRYPTION_KEYS and making it active, this
// rewrites every stored envelope with the active key (and binds v1 envelopes to their row's org).
// Safe to re-run and to run while serving: each row is its own compare-and-set statement, so no
// lock outlives it, and what is done stays done if the run stops.

async function main(): Promise<void> {
  const app = await createCommandContext(loadConfig());
  try {
    const orm = app.get(MikroORM);
    const reports = await requestContext.run({ requestId: 'reencrypt' }, () =>
      RequestContext.create(orm.em, () => app.get(ReencryptService).run(ENCRYPTED_COLUMNS)),
    );
    for (const r of reports)
      process.stdout.write(
        `${r.column}: ${r.rewritten} rewritten, ${r.skipped} skipped, ${r.failed} failed\n`,
      );
    if (reports.length === 0) process.stdout.write('no encrypted columns are registered\n');
    // Values that did not open are listed in the log; the command fails so a script notices.
    if (reports.some((r) => r.failed > 0)) process.exitCode = 1;
  } finally {
    await app.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
