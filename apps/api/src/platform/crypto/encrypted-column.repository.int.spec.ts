import { type MikroORM } from '@mikro-orm/postgresql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { openTestOrm } from '../../../test/factories/test-orm';
import { EncryptedColumnRepository } from './encrypted-column.repository';
import { type EncryptedColumn } from './encrypted-columns';

// A scratch table of this spec stands in for the feature tables that register sealed columns.
const column: EncryptedColumn = {
  table: 'crypto_repo_spec_secret',
  idColumn: 'id',
  column: 'value',
};

// Envelopes look like `<format>:<version>:<keyId>:...`; the repository reads the third part only.
const sealed = (keyId: string, body: string) => `enc:1:${keyId}:${body}`;

describe('EncryptedColumnRepository on Postgres', () => {
  let orm: MikroORM;
  const repo = () => new EncryptedColumnRepository(orm.em.fork());

  beforeAll(async () => {
    orm = await openTestOrm();
    const connection = orm.em.fork().getConnection();
    await connection.execute(
      'create table if not exists crypto_repo_spec_secret (id text primary key, value text)',
    );
    await connection.execute('truncate crypto_repo_spec_secret');
    await connection.execute(
      `insert into crypto_repo_spec_secret (id, value) values
         ('a', ?), ('b', ?), ('c', ?), ('d', null), ('e', ?)`,
      [sealed('v1', 'A'), sealed('v2', 'B'), sealed('v1', 'C'), sealed('v1', 'E')],
    );
  });
  afterAll(async () => {
    await orm.em.fork().getConnection().execute('drop table if exists crypto_repo_spec_secret');
    await orm.close(true);
  });

  it('pages the rows not sealed by the active key, by id, skipping nulls', async () => {
    const first = await repo().findStale(column, 'v2', null, 2);
    expect(first.map((r) => r.id)).toEqual(['a', 'c']);
    const next = await repo().findStale(column, 'v2', 'c', 2);
    expect(next).toEqual([{ id: 'e', value: sealed('v1', 'E') }]);
    expect(await repo().findStale(column, 'v2', 'e', 2)).toEqual([]);
  });

  it('replaces a value only if it is still the one read (compare and set)', async () => {
    expect(await repo().replace(column, 'a', sealed('v1', 'A'), sealed('v2', 'A'))).toBe(true);
    // A concurrent writer changed it since: the stale value does not overwrite it.
    expect(await repo().replace(column, 'a', sealed('v1', 'A'), sealed('v2', 'old'))).toBe(false);
    const rows = await orm.em
      .fork()
      .getConnection()
      .execute<{ value: string }[]>(`select value from crypto_repo_spec_secret where id = 'a'`);
    expect(rows[0]?.value).toBe(sealed('v2', 'A'));
  });

  it('refuses identifiers that are not plain SQL names', async () => {
    await expect(
      repo().findStale({ ...column, table: 'x; drop table member' }, 'v2', null, 1),
    ).rejects.toThrow(/unsafe SQL identifier/);
  });
});
