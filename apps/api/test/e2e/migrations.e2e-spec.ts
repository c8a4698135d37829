import { MikroORM } from '@mikro-orm/postgresql';
import { describe, expect, inject, it } from 'vitest';

import { Migration20261129060000_mail_user_folders } from '../../migrations/Migration20261129060000_mail_user_folders';
import { buildOrmOptions } from '../../src/platform/database/mikro-orm.config';

describe('committed migrations', () => {
  it('produce exactly the schema the entities describe', async () => {
    // global-setup migrated this database with the committed migrations only.
    const orm = await MikroORM.init(
      buildOrmOptions({ database: { url: inject('databaseUrl'), poolMax: 1 }, nodeEnv: 'test' }),
    );
    try {
      // Safe mode: other test files create scratch tables in this database at the same time.
      const diff = await orm.schema.getUpdateSchemaSQL({
        wrap: false,
        safe: true,
        dropTables: false,
      });
      expect(diff.trim()).toBe('');
    } finally {
      await orm.close(true);
    }
  });
});

describe('Migration20261129060000_mail_user_folders down', () => {
  it("reverts to well-known folders only: user folders' rows and setting entries go, whatever their length", async () => {
    const orm = await MikroORM.init(
      buildOrmOptions({ database: { url: inject('databaseUrl'), poolMax: 1 }, nodeEnv: 'test' }),
    );
    const migration = new Migration20261129060000_mail_user_folders(orm.em.getDriver(), orm.config);
    await migration.down();
    const folders = [
      'inbox',
      'sentitems',
      'archive',
      'Customers',
      'Inbox/Customers',
      'Inbox/Key accounts',
    ];
    const connection = orm.em.getConnection();
    const rollback = new Error('rollback');
    try {
      await connection.transactional(async (trx) => {
        const run = (sql: string, params: unknown[] = []) =>
          connection.execute(sql, params, 'all', trx);
        // Temporary tables of the same names come first on the search path: the real ones,
        // shared with other test files, are not touched.
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
        for (const sql of migration.getQueries()) {
          // This migration adds plain SQL strings only.
          if (typeof sql !== 'string') throw new TypeError('expected SQL text');
          await run(sql);
        }
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
        throw rollback;
      });
    } catch (error) {
      if (error !== rollback) throw error;
    } finally {
      await orm.close(true);
    }
  });
});
