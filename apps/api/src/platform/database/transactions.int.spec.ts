import { EntityManager, MikroORM, RequestContext } from '@mikro-orm/postgresql';
import { type INestApplicationContext } from '@nestjs/common';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { testDatabaseUrl } from '../../../test/support/test-database';
import { newOrgId, testConfig } from '../../../test/support/test-env';
import { createCommandContext } from '../../bootstrap';
import { Member } from '../../members/entities/member.entity';
import { MemberRepository } from '../../members/member.repository';
import { MembersModule } from '../../members/members.module';
import { AuditLog } from '../audit/audit-log.service';
import { Transactions } from './transactions.service';

// Real Postgres, the real Nest wiring: repositories and AuditLog get the injected (global)
// EntityManager, exactly as in the API and the worker, and must still join the transaction.
describe('Transactions on Postgres', () => {
  let app: INestApplicationContext;
  let orm: MikroORM;
  let tx: Transactions;
  let members: MemberRepository;
  let audit: AuditLog;
  // A connection of its own: it sees only what is committed.
  const outsider = new Client({ connectionString: testDatabaseUrl() });

  beforeAll(async () => {
    app = await createCommandContext(testConfig(), [MembersModule]);
    orm = app.get(MikroORM);
    tx = app.get(Transactions);
    members = app.get(MemberRepository);
    audit = app.get(AuditLog);
    await outsider.connect();
  });
  afterAll(async () => {
    await outsider.end();
    await app.close();
  });

  // Each case runs in its own ORM context, as a request or a job does.
  const inContext = <T>(fn: () => Promise<T>) => RequestContext.create(orm.em, fn);

  const member = (orgId: string, roxUserId: string) =>
    new Member({
      orgId,
      roxUserId,
      email: `${roxUserId}@contoso.com`,
      displayName: roxUserId,
      role: 'member',
      now: new Date(),
    });

  async function committed(orgId: string): Promise<{ members: string[]; audit: string[] }> {
    const m = await outsider.query<{ rox_user_id: string }>(
      'select rox_user_id from member where org_id = $1 order by rox_user_id',
      [orgId],
    );
    const a = await outsider.query<{ action: string }>(
      'select action from audit_entry where org_id = $1 order by id',
      [orgId],
    );
    return { members: m.rows.map((r) => r.rox_user_id), audit: a.rows.map((r) => r.action) };
  }

  it('holds the injected repositories’ writes in one transaction until it commits', async () => {
    const orgId = newOrgId('tx');
    await inContext(async () => {
      expect(tx.isActive()).toBe(false);
      await tx.run(async () => {
        expect(tx.isActive()).toBe(true);
        await members.save(member(orgId, 'u1'));
        await audit.record({ orgId, action: 'test.write', target: { type: 'member', id: 'u1' } });
        // Flushed and inserted, yet invisible outside: they are inside an open transaction.
        expect(await committed(orgId)).toEqual({ members: [], audit: [] });
      });
      expect(tx.isActive()).toBe(false);
    });
    expect(await committed(orgId)).toEqual({ members: ['u1'], audit: ['test.write'] });
  });

  it('keeps neither the write nor the audit entry when the audit insert fails', async () => {
    const orgId = newOrgId('tx');
    await inContext(async () => {
      const run = tx.run(async () => {
        await members.save(member(orgId, 'u1'));
        // A real failure in PostgreSQL: action is varchar(100).
        await audit.record({ orgId, action: 'x'.repeat(101), target: { type: 'member' } });
      });
      await expect(run).rejects.toThrow(/too long/);
    });
    expect(await committed(orgId)).toEqual({ members: [], audit: [] });
  });

  it('keeps neither when the work throws after both writes', async () => {
    const orgId = newOrgId('tx');
    await inContext(async () => {
      const run = tx.run(async () => {
        await members.save(member(orgId, 'u1'));
        await audit.record({ orgId, action: 'test.write', target: { type: 'member' } });
        throw new Error('changed my mind');
      });
      await expect(run).rejects.toThrow('changed my mind');
    });
    expect(await committed(orgId)).toEqual({ members: [], audit: [] });
  });

  it('makes a nested run a savepoint: its failure undoes only its own writes', async () => {
    const orgId = newOrgId('tx');
    await inContext(async () => {
      await tx.run(async () => {
        await members.save(member(orgId, 'outer'));
        await tx
          .run(async () => {
            await members.save(member(orgId, 'inner'));
            throw new Error('inner fails');
          })
          .catch(() => undefined);
        await audit.record({ orgId, action: 'test.outer', target: { type: 'member' } });
      });
    });
    expect(await committed(orgId)).toEqual({ members: ['outer'], audit: ['test.outer'] });
  });

  it('leaves the entities usable in the request context after the commit', async () => {
    const orgId = newOrgId('tx');
    await inContext(async () => {
      const row = member(orgId, 'u1');
      await tx.run(() => members.save(row));
      row.displayName = 'Renamed';
      // A later flush in the same context updates the row rather than inserting it again.
      await members.save(row);
      expect((await members.findOne(orgId, 'u1'))?.displayName).toBe('Renamed');
    });
    const rows = await outsider.query<{ display_name: string }>(
      'select display_name from member where org_id = $1',
      [orgId],
    );
    expect(rows.rows).toEqual([{ display_name: 'Renamed' }]);
  });

  it('gives fresh work an identity map of its own, dropped when it ends', async () => {
    const orgId = newOrgId('tx');
    await inContext(() => tx.run(() => members.save(member(orgId, 'u1'))));
    await inContext(async () => {
      const em = app.get(EntityManager);
      const before = em.getUnitOfWork().getIdentityMap().keys().length;
      const seen = await tx.fresh(async () => {
        const row = await members.findOne(orgId, 'u1');
        // The repositories see the fresh map, not the job's.
        return { row, inFresh: em.getUnitOfWork().getIdentityMap().keys().length };
      });
      expect(seen.row?.roxUserId).toBe('u1');
      expect(seen.inFresh).toBe(1);
      expect(em.getUnitOfWork().getIdentityMap().keys().length).toBe(before);
      // A later read in the job's context loads its own copy.
      expect(await members.findOne(orgId, 'u1')).not.toBe(seen.row);
      // In chunks: each one in order, each with an empty map of its own.
      const chunks: { items: number[]; mapped: number }[] = [];
      await tx.freshChunks([1, 2, 3, 4, 5], 2, async (items) => {
        const mapped = em.getUnitOfWork().getIdentityMap().keys().length;
        await members.findOne(orgId, 'u1');
        chunks.push({ items, mapped });
      });
      expect(chunks).toEqual([
        { items: [1, 2], mapped: 0 },
        { items: [3, 4], mapped: 0 },
        { items: [5], mapped: 0 },
      ]);
    });
  });

  it('forgets what a transaction has loaded and written so far, and still commits all of it', async () => {
    const orgId = newOrgId('tx');
    await inContext(async () => {
      const em = app.get(EntityManager);
      await tx.run(async () => {
        await members.save(member(orgId, 'a'));
        await members.findOne(orgId, 'a');
        expect(em.getUnitOfWork().getIdentityMap().keys().length).toBeGreaterThan(0);
        tx.forgetLoaded();
        expect(em.getUnitOfWork().getIdentityMap().keys().length).toBe(0);
        await members.save(member(orgId, 'b'));
        // Nothing is committed before the end of the transaction.
        expect((await committed(orgId)).members).toEqual([]);
      });
    });
    expect((await committed(orgId)).members).toEqual(['a', 'b']);
  });

  describe('runRetrying', () => {
    const rename = (em: EntityManager, orgId: string, id: string, name: string) =>
      em.execute('update member set display_name = ? where org_id = ? and rox_user_id = ?', [
        name,
        orgId,
        id,
      ]);

    it('runs the work again when Postgres picks it as a deadlock victim', async () => {
      const orgId = newOrgId('tx');
      const em = app.get(EntityManager);
      await inContext(() =>
        tx.run(async () => {
          await members.save(member(orgId, 'a'));
          await members.save(member(orgId, 'b'));
        }),
      );
      // The other transaction holds row a, then wants row b, which the work holds.
      const other = new Client({ connectionString: testDatabaseUrl() });
      await other.connect();
      await other.query("begin; set local deadlock_timeout = '10s'");
      await other.query(
        "update member set display_name = 'other' where org_id = $1 and rox_user_id = 'a'",
        [orgId],
      );
      let holdsB!: () => void;
      const workHoldsB = new Promise<void>((resolve) => (holdsB = resolve));
      let attempts = 0;
      const run = inContext(() =>
        tx.runRetrying(async () => {
          attempts += 1;
          // The work's side notices the cycle first, so it is the victim, every time.
          await em.execute("set local deadlock_timeout = '100ms'");
          await rename(em, orgId, 'b', `work ${attempts}`);
          if (attempts === 1) holdsB();
          await rename(em, orgId, 'a', `work ${attempts}`);
        }),
      );
      await workHoldsB;
      await other.query(
        "update member set display_name = 'other' where org_id = $1 and rox_user_id = 'b'",
        [orgId],
      );
      await other.query('commit');
      await other.end();
      await run;

      expect(attempts).toBe(2);
      const rows = await outsider.query<{ rox_user_id: string; display_name: string }>(
        'select rox_user_id, display_name from member where org_id = $1 order by rox_user_id',
        [orgId],
      );
      expect(rows.rows.map((r) => r.display_name)).toEqual(['work 2', 'work 2']);
    });

    it('does not repeat work that failed for any other reason', async () => {
      const orgId = newOrgId('tx');
      let attempts = 0;
      await inContext(async () => {
        const run = tx.runRetrying(async () => {
          attempts += 1;
          await audit.record({ orgId, action: 'x'.repeat(101), target: { type: 'member' } });
        });
        await expect(run).rejects.toThrow(/too long/);
      });
      expect(attempts).toBe(1);
    });
  });
});
