import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { envSchema } from './env.schema';

describe('.env.example', () => {
  it('documents exactly the variables the schema reads', () => {
    const text = readFileSync(join(__dirname, '../../.env.example'), 'utf8');
    const documented = [...text.matchAll(/^#?\s*([A-Z][A-Z0-9_]+)=/gm)]
      .map((m) => m[1] ?? '')
      .filter((name) => name !== 'NODE_EXTRA_CA_CERTS');
    const schemaKeys = Object.keys(envSchema.shape);
    expect([...new Set(documented)].sort()).toEqual([...schemaKeys].sort());
  });
});
