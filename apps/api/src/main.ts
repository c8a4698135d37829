import 'reflect-metadata';

import { createHttpApp } from './bootstrap';
import { loadConfig } from './config/config.module';
import { InvalidEnvironmentError } from './config/env.schema';

async function main(): Promise<void> {
  const config = loadConfig();
  const app = await createHttpApp(config);
  await app.listen(config.http.port, config.http.host);
}

main().catch((error: unknown) => {
  // Boot failures go to stderr plainly: the structured logger may not exist yet.
  process.stderr.write(
    `${error instanceof InvalidEnvironmentError ? error.message : String((error as Error)?.stack ?? error)}\n`,
  );
  process.exit(1);
});
