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
  orgColumn: 'org_id',
};

// Envelopes look like `enc:<version>:<keyId>:...`; the repository reads the version and the key.
const sealed = (keyId: string, body: string, version = 'v2') => `enc:${version}:${keyId}:${body}`;

describe('EncryptedColumnRepository on Postgres', () => {
  let orm: MikroORM;
  const repo = () => new EncryptedColumnRepository(orm.em.fork());

  beforeAll(async () => {
    orm = await openTestOrm();
    const connection = orm.em.fork().getConnection();
    await connection.execute(
      'create table if not exists crypto_repo_spec_secret (id text primary key, org_id text, value text)',
    );
    await connection.execute('truncate crypto_repo_spec_secret');
    await connection.execute(
      `insert into crypto_repo_spec_secret (id, org_id, value) values
         ('a', 'o1', ?), ('b', 'o1', ?), ('c', 'o2', ?), ('d', 'o1', null), ('e', 'o2', ?),
         ('f', 'o1', ?)`,
      [
        sealed('v1', 'A'),
        sealed('v2', 'B'),
        sealed('v1', 'C'),
        sealed('v1', 'E'),
        sealed('v2', 'F', 'v1'),
      ],
    );
  });
  afterAll(async () => {
    await orm.em.fork().getConnection().execute('drop table if exists crypto_repo_spec_secret');
    await orm.close(true);
  });

  it('pages the rows not sealed by the active key or not bound to their org, by id, skipping nulls', async () => {
    const first = await repo().findStale(column, 'v2', null, 2);
    expect(first).toEqual([
      { id: 'a', orgId: 'o1', value: sealed('v1', 'A') },
      { id: 'c', orgId: 'o2', value: sealed('v1', 'C') },
    ]);
    const next = await repo().findStale(column, 'v2', 'c', 2);
    // f: sealed by the active key, but as an unbound v1 envelope.
    expect(next).toEqual([
      { id: 'e', orgId: 'o2', value: sealed('v1', 'E') },
      { id: 'f', orgId: 'o1', value: sealed('v2', 'F', 'v1') },
    ]);
    expect(await repo().findStale(column, 'v2', 'f', 2)).toEqual([]);
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
