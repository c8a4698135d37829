import { type Migration } from '@mikro-orm/migrations';
import { MikroORM } from '@mikro-orm/postgresql';
import { describe, expect, it } from 'vitest';

import { Migration20261129060000_mail_user_folders } from '../../migrations/Migration20261129060000_mail_user_folders';
import { Migration20261129080000_subscription_user_folders } from '../../migrations/Migration20261129080000_subscription_user_folders';
import { buildOrmOptions } from '../../src/platform/database/mikro-orm.config';
import { testDatabaseUrl } from '../support/test-database';

describe('committed migrations', () => {
  it('produce exactly the schema the entities describe', async () => {
    // A copy of the database global-setup migrated with the committed migrations only.
    const orm = await MikroORM.init(
      buildOrmOptions({ database: { url: testDatabaseUrl(), poolMax: 1 }, nodeEnv: 'test' }),
    );
    try {
      // Tables no entity maps (counters kept by triggers) stay; any other difference counts, a
      // column or index the entities no longer have included.
      const diff = await orm.schema.getUpdateSchemaSQL({ wrap: false, dropTables: false });
      expect(diff.trim()).toBe('');
    } finally {
      await orm.close(true);
    }
  });
});

type Run = (sql: string, params?: unknown[]) => Promise<unknown>;

/**
 * Runs a migration's down step inside a transaction that is rolled back, on temporary tables
 * `setup` creates: they come first on the search path, so the real ones stay as the committed
 * migrations left them.
 */
async function downOnTempTables(
  Step: new (...args: ConstructorParameters<typeof Migration>) => Migration,
  setup: (run: Run) => Promise<void>,
  check: (run: Run) => Promise<void>,
): Promise<void> {
  const orm = await MikroORM.init(
    buildOrmOptions({ database: { url: testDatabaseUrl(), poolMax: 1 }, nodeEnv: 'test' }),
  );
  const migration = new Step(orm.em.getDriver(), orm.config);
  await migration.down();
  const connection = orm.em.getConnection();
  const rollback = new Error('rollback');
  try {
    await connection.transactional(async (trx) => {
      const run: Run = (sql, params = []) => connection.execute(sql, params, 'all', trx);
      await setup(run);
      for (const sql of migration.getQueries()) {
        // These migrations add plain SQL strings only.
        if (typeof sql !== 'string') throw new TypeError('expected SQL text');
        await run(sql);
      }
      await check(run);
      throw rollback;
    });
  } catch (error) {
    if (error !== rollback) throw error;
  } finally {
    await orm.close(true);
  }
}

describe('Migration20261129060000_mail_user_folders down', () => {
  it("reverts to well-known folders only: user folders' rows and setting entries go, whatever their length", async () => {
    const folders = [
      'inbox',
      'sentitems',
      'archive',
      'Customers',
      'Inbox/Customers',
      'Inbox/Key accounts',
    ];
    await downOnTempTables(
      Migration20261129060000_mail_user_folders,
      async (run) => {
        for (const table of ['mail_channel', 'mail_message_link', 'mail_change']) {
          await run(`create temp table "${table}" ("folder" varchar(256)) on commit drop`);
          for (const folder of folders) await run(`insert into "${table}" values (?)`, [folder]);
        }
        await run(
          `create temp table "orgwide_settings" ("extra_mail_folders" jsonb not null) on commit drop`,
        );
        await run(`insert into "orgwide_settings" values (?::jsonb)`, [
          JSON.stringify(['archive', 'Customers', 'Inbox/Customers', 'junkemail']),
        ]);
      },
      async (run) => {
        const left = async (table: string) => {
          const rows = (await run(`select "folder" from "${table}" order by 1`)) as {
            folder: string | null;
          }[];
          return rows.map((r) => r.folder);
        };
        expect(await left('mail_channel')).toEqual(['archive', 'inbox', 'sentitems']);
        expect(await left('mail_message_link')).toEqual(['archive', 'inbox', 'sentitems']);
        expect(await left('mail_change')).toEqual([
          'archive',
          'inbox',
          'sentitems',
          null,
          null,
          null,
        ]);
        expect(await run(`select "extra_mail_folders" as folders from "orgwide_settings"`)).toEqual(
          [{ folders: ['archive', 'junkemail'] }],
        );
      },
    );
  });
});

describe('Migration20261129080000_subscription_user_folders down', () => {
  it("drops user folders' subscription rows (their Graph side is swept as orphans) and the id column", async () => {
    await downOnTempTables(
      Migration20261129080000_subscription_user_folders,
      async (run) => {
        await run(
          `create temp table "graph_subscription" ("folder" varchar(256), "folder_id" varchar(256)) on commit drop`,
        );
        for (const [folder, id] of [
          ['', null],
          ['inbox', null],
          ['Inbox/Customers', 'AAMk-customers'],
        ])
          await run(`insert into "graph_subscription" values (?, ?)`, [folder, id]);
      },
      async (run) => {
        expect(await run(`select * from "graph_subscription" order by 1`)).toEqual([
          { folder: '' },
          { folder: 'inbox' },
        ]);
      },
    );
  });
});
