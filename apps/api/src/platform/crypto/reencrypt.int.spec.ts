import { createCipheriv, randomBytes } from 'node:crypto';

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
const column: EncryptedColumn = {
  table: 'crypto_test_secret',
  idColumn: 'id',
  column: 'value',
  orgColumn: 'org_id',
};
const orgOf = (i: number) => (i % 2 === 0 ? 'org-even' : 'org-odd');

// An envelope as the build before org binding sealed it: the column alone as additional data.
function sealedUnbound(keyBase64: string, plaintext: string, context: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', Buffer.from(keyBase64, 'base64'), iv);
  cipher.setAAD(Buffer.from(context, 'utf8'));
  const sealed = Buffer.concat([
    cipher.update(plaintext, 'utf8'),
    cipher.final(),
    cipher.getAuthTag(),
  ]);
  return ['enc', 'v1', 'v1', iv.toString('base64url'), sealed.toString('base64url')].join(':');
}

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
      `create table if not exists crypto_test_secret (id text primary key, org_id text, value text)`,
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
      await conn.execute('insert into crypto_test_secret (id, org_id, value) values (?, ?, ?)', [
        `row-${String(i).padStart(5, '0')}`,
        orgOf(i),
        cipher.encrypt(`refresh-token-${i}`, context, orgOf(i)),
      ]);
    }
    await conn.execute('insert into crypto_test_secret (id, org_id, value) values (?, ?, null)', [
      'row-null',
      'org-even',
    ]);

    const raw = await conn.execute<{ value: string }[]>(
      `select value from crypto_test_secret where id = 'row-00007'`,
    );
    expect(raw[0]?.value).toMatch(/^enc:v2:v1:/);
    expect(raw[0]?.value).not.toContain('refresh-token-7');

    const reports = await after.get(ReencryptService).run([column]);
    expect(reports).toEqual([
      { column: 'crypto_test_secret.value', rewritten: 1203, skipped: 0, failed: 0 },
    ]);

    const rows = await conn.execute<{ id: string; value: string | null }[]>(
      'select id, value from crypto_test_secret order by id',
    );
    const newCipher = after.get(Cipher);
    for (const row of rows) {
      if (row.id === 'row-null') {
        expect(row.value).toBeNull();
        continue;
      }
      const i = Number(row.id.slice(4));
      expect(row.value).toMatch(/^enc:v2:v2:/);
      expect(newCipher.decrypt(row.value ?? '', context, orgOf(i))).toBe(`refresh-token-${i}`);
    }
    // A second run finds nothing left to do.
    expect(await after.get(ReencryptService).run([column])).toEqual([
      { column: 'crypto_test_secret.value', rewritten: 0, skipped: 0, failed: 0 },
    ]);
  });
  it('binds envelopes sealed before org binding (v1) to the org of their row', async () => {
    const conn = before.get(MikroORM).em.fork().getConnection();
    const context = columnContext(column);
    await conn.execute(`truncate crypto_test_secret`);
    await conn.execute(
      `insert into crypto_test_secret (id, org_id, value) values ('legacy-a', 'org-a', ?), ('legacy-b', 'org-b', ?)`,
      [sealedUnbound(KEY_V1, 'token-a', context), sealedUnbound(KEY_V1, 'token-b', context)],
    );
    // Sealed for org A, found in org B's row: it does not open there, so it is left as it is.
    const swapped = before.get(Cipher).encrypt('token-a', context, 'org-a');
    await conn.execute(
      `insert into crypto_test_secret (id, org_id, value) values ('swapped', 'org-b', ?)`,
      [swapped],
    );
    // Until they are re-encrypted, they open only where the upgrade window is opened.
    const [legacy] = await conn.execute<{ value: string }[]>(
      `select value from crypto_test_secret where id = 'legacy-a'`,
    );
    expect(() => after.get(Cipher).decrypt(legacy?.value ?? '', context, 'org-a')).toThrow(
      /without its org/,
    );

    expect(await after.get(ReencryptService).run([column])).toEqual([
      { column: 'crypto_test_secret.value', rewritten: 2, skipped: 0, failed: 1 },
    ]);
    const rows = await conn.execute<{ id: string; value: string }[]>(
      'select id, value from crypto_test_secret order by id',
    );
    const [a, b, left] = rows;
    expect(left).toEqual({ id: 'swapped', value: swapped });
    expect(a?.value).toMatch(/^enc:v2:v2:/);
    expect(after.get(Cipher).decrypt(a?.value ?? '', context, 'org-a')).toBe('token-a');
    expect(after.get(Cipher).decrypt(b?.value ?? '', context, 'org-b')).toBe('token-b');
    // Copied into the other org's row, it no longer opens there.
    expect(() => after.get(Cipher).decrypt(a?.value ?? '', context, 'org-b')).toThrow(
      /another column or org/,
    );
  });
});
