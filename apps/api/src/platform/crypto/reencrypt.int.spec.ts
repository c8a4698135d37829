import { MikroORM } from '@mikro-orm/postgresql';
import { type INestApplicationContext } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { KEY_V1, KEY_V2, testConfig } from '../../../test/support/test-env';
import { createWorker } from '../../bootstrap';
import { Cipher } from './cipher.service';
import { columnContext, type EncryptedColumn } from './encrypted-columns';
import { ReencryptService } from './reencrypt.service';

// A scratch table stands in for the feature tables (refresh tokens, mail bodies) that register
// their encrypted columns; the mechanism is the same.
const column: EncryptedColumn = { table: 'crypto_test_secret', idColumn: 'id', column: 'value' };

describe('encryption at rest with key rotation', () => {
  let before: INestApplicationContext;
  let after: INestApplicationContext;

  beforeAll(async () => {
    before = await createWorker(
      testConfig({ ENCRYPTION_KEYS: `v1:${KEY_V1}`, ENCRYPTION_ACTIVE_KEY_ID: 'v1' }),
    );
    after = await createWorker(
      testConfig({ ENCRYPTION_KEYS: `v1:${KEY_V1},v2:${KEY_V2}`, ENCRYPTION_ACTIVE_KEY_ID: 'v2' }),
    );
    const conn = before.get(MikroORM).em.fork().getConnection();
    await conn.execute(
      `create table if not exists crypto_test_secret (id text primary key, value text)`,
    );
    await conn.execute(`truncate crypto_test_secret`);
  });
  afterAll(async () => {
    await before
      .get(MikroORM)
      .em.fork()
      .getConnection()
      .execute('drop table if exists crypto_test_secret');
    await before.close();
    await after.close();
  });

  it('stores only ciphertext, and re-encrypts every row to the new key', async () => {
    const conn = before.get(MikroORM).em.fork().getConnection();
    const cipher = before.get(Cipher);
    const context = columnContext(column);
    for (let i = 0; i < 1203; i += 1) {
      await conn.execute('insert into crypto_test_secret (id, value) values (?, ?)', [
        `row-${String(i).padStart(5, '0')}`,
        cipher.encrypt(`refresh-token-${i}`, context),
      ]);
    }
    await conn.execute('insert into crypto_test_secret (id, value) values (?, null)', ['row-null']);

    const raw = await conn.execute<{ value: string }[]>(
      `select value from crypto_test_secret where id = 'row-00007'`,
    );
    expect(raw[0]?.value).toMatch(/^enc:v1:v1:/);
    expect(raw[0]?.value).not.toContain('refresh-token-7');

    const reports = await after.get(ReencryptService).run([column]);
    expect(reports).toEqual([{ column: 'crypto_test_secret.value', rewritten: 1203, skipped: 0 }]);

    const rows = await conn.execute<{ id: string; value: string | null }[]>(
      'select id, value from crypto_test_secret order by id',
    );
    const newCipher = after.get(Cipher);
    for (const row of rows) {
      if (row.id === 'row-null') {
        expect(row.value).toBeNull();
        continue;
      }
      expect(row.value).toMatch(/^enc:v1:v2:/);
      expect(newCipher.decrypt(row.value ?? '', context)).toBe(
        `refresh-token-${Number(row.id.slice(4))}`,
      );
    }
    // A second run finds nothing left to do.
    expect(await after.get(ReencryptService).run([column])).toEqual([
      { column: 'crypto_test_secret.value', rewritten: 0, skipped: 0 },
    ]);
  });
});
