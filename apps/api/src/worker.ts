import 'reflect-metadata';

import { createWorker } from './bootstrap';
import { loadConfig } from './config/config.module';
import { InvalidEnvironmentError } from './config/env.schema';

async function main(): Promise<void> {
  const worker = await createWorker(loadConfig());
  await worker.init();
}

main().catch((error: unknown) => {
  process.stderr.write(
    `${error instanceof InvalidEnvironmentError ? error.message : String((error as Error)?.stack ?? error)}\n`,
  );
  process.exit(1);
});
