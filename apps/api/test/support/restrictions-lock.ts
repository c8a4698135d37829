import { Client } from 'pg';

import { testDatabaseUrl } from './test-database';

/**
 * Holds a feature's restrictions lock for an org from a connection of the test's own, as a
 * purge of the lists in another worker would, and counts the sessions waiting for it.
 */
export interface HeldRestrictionsLock {
  /** Sessions waiting for the lock: sync pages ask for it shared, cycles' purges exclusive. */
  waiters(mode: 'shared' | 'exclusive'): Promise<number>;
  release(): Promise<void>;
}

// The key the API locks (mailboxes/mailbox.repository.ts), as pg_locks shows an int8 key.
const KEY_SQL = `hashtext($1 || '_restrictions:' || $2)::bigint`;

export async function holdRestrictionsLock(
  feature: 'calendar' | 'mail',
  orgId: string,
): Promise<HeldRestrictionsLock> {
  const db = new Client({ connectionString: testDatabaseUrl() });
  await db.connect();
  await db.query('begin');
  await db.query(`select pg_advisory_xact_lock(${KEY_SQL})`, [feature, orgId]);
  return {
    waiters: async (mode) => {
      const { rows } = await db.query<{ n: number }>(
        `select count(*)::int as n from pg_locks, (select ${KEY_SQL} as k) key
          where locktype = 'advisory' and not granted and objsubid = 1 and mode = $3
            and classid::bigint = (key.k >> 32) & 4294967295
            and objid::bigint = key.k & 4294967295`,
        [feature, orgId, mode === 'shared' ? 'ShareLock' : 'ExclusiveLock'],
      );
      return rows[0]?.n ?? 0;
    },
    release: async () => {
      await db.query('commit');
      await db.end();
    },
  };
}
