import 'reflect-metadata';

import { MikroORM } from '@mikro-orm/postgresql';

import { createCommandContext } from '../bootstrap';
import { loadConfig } from '../config/config.module';
import { DevIdentityModule } from '../dev-identity/dev-identity.module';
import { DevIdentityService } from '../dev-identity/dev-identity.service';
import { requestContext } from '../platform/http/request-context';

// Seeds the demo org's members (dev mode only). Idempotent: running it twice changes nothing.
async function main(): Promise<void> {
  const config = loadConfig();
  if (config.auth.mode !== 'dev') throw new Error('the demo seed runs only with ROX_AUTH_MODE=dev');
  const app = await createCommandContext(config, [DevIdentityModule]);
  try {
    const orm = app.get(MikroORM);
    const seeded = await requestContext.run({ requestId: 'seed-demo' }, () =>
      orm.em.fork().transactional(() => app.get(DevIdentityService).seed()),
    );
    process.stdout.write(`demo org ${config.auth.devOrgId}: ${seeded} members\n`);
  } finally {
    await app.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
