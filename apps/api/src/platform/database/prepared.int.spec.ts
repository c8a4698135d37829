import {
  DriverException,
  MikroORM,
  RequestContext,
  UniqueConstraintViolationException,
  type EntityManager,
} from '@mikro-orm/postgresql';
import { type INestApplicationContext } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { buildMember } from '../../../test/factories/member.factory';
import { newOrgId, testConfig } from '../../../test/support/test-env';
import { createCommandContext } from '../../bootstrap';
import { Member } from '../../members/entities/member.entity';
import { MembersModule } from '../../members/members.module';
import { entityColumns, plainRows } from './plain-rows';
import { preparedRows } from './prepared';

// Real Postgres through the API's own pool: what a prepared read returns, where it runs, and why
// its select list names columns.
describe('preparedRows on Postgres', () => {
  let app: INestApplicationContext;
  let orm: MikroORM;

  beforeAll(async () => {
    app = await createCommandContext(testConfig(), [MembersModule]);
    orm = app.get(MikroORM);
  });
  afterAll(async () => {
    await app.close();
  });

  const inContext = <T>(fn: (em: EntityManager) => Promise<T>) =>
    RequestContext.create(orm.em, () => fn(orm.em.fork({ useContext: false })));

  const member = (orgId: string, roxUserId: string, now = new Date()) =>
    buildMember({ orgId, roxUserId, now });

  it('returns the rows em.execute returns, parameters bound (dates, numbers, text)', async () => {
    const orgId = newOrgId();
    const now = new Date('2026-11-30T08:00:00.000Z');
    await inContext(async (em) => {
      await em.persistAndFlush([member(orgId, 'u_a', now), member(orgId, "u_b'; --", now)]);
      const sql = `select rox_user_id, created_at from member
                    where org_id = ? and created_at <= ? order by rox_user_id limit ?`;
      const params = [orgId, now, 10];
      const prepared = await preparedRows(em, sql, params);
      expect(prepared).toEqual(await em.execute(sql, params));
      expect(prepared.map((r) => r.rox_user_id)).toEqual(['u_a', "u_b'; --"]);
      // Called again (the same statement on whichever connection): the same answer.
      expect(await preparedRows(em, sql, params)).toEqual(prepared);
    });
  });

  it('prepares the statement once per connection, inside the entity manager’s transaction', async () => {
    const orgId = newOrgId();
    const sql = `select rox_user_id from member where org_id = ? order by rox_user_id`;
    await inContext((em) =>
      em.transactional(async (tx) => {
        await tx.persistAndFlush(member(orgId, 'u_uncommitted'));
        // Uncommitted: only the transaction's own connection sees it.
        expect(await preparedRows(tx, sql, [orgId])).toEqual([{ rox_user_id: 'u_uncommitted' }]);
        await preparedRows(tx, sql, [orgId]);
        const statements = await tx.execute<{ name: string; statement: string }[]>(
          `select name, statement from pg_prepared_statements where statement like ?`,
          ['%from member where org_id = $1 order by rox_user_id%'],
        );
        expect(statements).toHaveLength(1);
        expect(statements[0]?.name).toMatch(/^rox365_[0-9a-f]{24}$/);
      }),
    );
  });

  it('maps driver errors as the ORM does', async () => {
    const orgId = newOrgId();
    await inContext(async (em) => {
      await em.persistAndFlush(member(orgId, 'u_once'));
      const insert = `insert into member (org_id, rox_user_id, email, email_normalized, display_name,
                        role, created_at, updated_at)
                      select org_id, rox_user_id, email, email_normalized, display_name, role,
                             created_at, updated_at from member where org_id = ? returning 1`;
      await expect(preparedRows(em, insert, [orgId])).rejects.toBeInstanceOf(
        UniqueConstraintViolationException,
      );
      await expect(preparedRows(em, 'select 1 from no_such_table', [])).rejects.toBeInstanceOf(
        DriverException,
      );
    });
  });

  it('keeps answering after a column is added, where `select *` stops (entityColumns)', async () => {
    const orgId = newOrgId();
    await inContext((em) =>
      em.transactional(async (tx) => {
        // A private copy of the table for this transaction (temporary tables come first in the
        // search path), so the column added below locks and changes nothing shared.
        await tx.execute('create temporary table member (like public.member) on commit drop');
        await tx.persistAndFlush(member(orgId, 'u_col'));
        const named = `select ${entityColumns(tx, Member, 'm')} from member m where m.org_id = ?`;
        const star = `select m.* from member m where m.org_id = ?`;
        const before = await preparedRows(tx, named, [orgId]);
        expect(before).toHaveLength(1);
        await preparedRows(tx, star, [orgId]);
        // A migration that adds a column, as a deploy runs while older processes still serve.
        await tx.execute('alter table member add column prepared_spec_extra int');
        expect(await preparedRows(tx, named, [orgId])).toEqual(before);
        await expect(preparedRows(tx, star, [orgId])).rejects.toThrow(
          /cached plan must not change result type/,
        );
        throw new RollbackForSpec();
      }),
    ).catch((error: unknown) => {
      if (!(error instanceof RollbackForSpec)) throw error;
    });
  });

  it('entityColumns selects what plainRows maps from `select *`', async () => {
    const orgId = newOrgId();
    await inContext(async (em) => {
      await em.persistAndFlush(member(orgId, 'u_same', new Date('2026-11-30T09:00:00.000Z')));
      const named = await preparedRows(
        em,
        `select ${entityColumns(em, Member, 'x')} from member x where x.org_id = ?`,
        [orgId],
      );
      const star = await em.execute('select * from member where org_id = ?', [orgId]);
      expect(plainRows(em, Member, named)).toEqual(plainRows(em, Member, star));
      expect(entityColumns(em, Member, 'x')).toMatch(/^x\."[a-z_]+"(, x\."[a-z_]+")+$/);
    });
  });
});

class RollbackForSpec extends Error {}
