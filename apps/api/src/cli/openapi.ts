import 'reflect-metadata';

import { writeFileSync } from 'node:fs';

import { createHttpApp } from '../bootstrap';
import { loadConfig } from '../config/config.module';
import { ApiDocs } from '../platform/http/openapi/api-docs.service';

// Writes the OpenAPI document to a file (default: stdout) without serving anything.
async function main(): Promise<void> {
  const app = await createHttpApp(loadConfig());
  await app.init();
  try {
    const json = `${JSON.stringify(app.get(ApiDocs).document(), null, 2)}\n`;
    const target = process.argv[2];
    if (target) writeFileSync(target, json);
    else process.stdout.write(json);
  } finally {
    await app.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
