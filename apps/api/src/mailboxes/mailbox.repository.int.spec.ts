import { type MikroORM } from '@mikro-orm/postgresql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { buildMailbox } from '../../test/factories/mailbox.factory';
import { openTestOrm } from '../../test/factories/test-orm';
import { newOrgId } from '../../test/support/test-env';
import { MailboxProbe } from './entities/mailbox-probe.entity';
import { MailboxRepository } from './mailbox.repository';

const EARLIER = new Date('2026-11-28T08:00:00Z');
const LATER = new Date('2026-11-28T09:00:00Z');

describe('MailboxRepository on Postgres', () => {
  let orm: MikroORM;
  const repo = () => new MailboxRepository(orm.em.fork());

  beforeAll(async () => {
    orm = await openTestOrm();
  });
  afterAll(() => orm.close(true));

  it('upserts rows, and an org refresh drops the rows it did not write', async () => {
    const orgId = newOrgId();
    const other = newOrgId();
    await repo().upsertAll([
      buildMailbox(orgId, 'a', { refreshedAt: EARLIER }),
      buildMailbox(orgId, 'b', { refreshedAt: EARLIER }),
      buildMailbox(other, 'a', { refreshedAt: EARLIER }),
    ]);
    // A refresh rewrites a (now out of scope) and never sees b again.
    await repo().upsertAll([
      buildMailbox(orgId, 'a', { mailInScope: false, mailReason: 'off', refreshedAt: LATER }),
    ]);
    expect(await repo().deleteRefreshedBefore(orgId, LATER)).toBe(1);
    const rows = await repo().listAll(orgId);
    expect(rows.map((r) => [r.roxUserId, r.mailInScope, r.mailReason])).toEqual([
      ['a', false, 'off'],
    ]);
    expect(await repo().listAll(other)).toHaveLength(1);
  });

  it('pages in roxUserId order with filters and a search, all in SQL', async () => {
    const orgId = newOrgId();
    await repo().upsertAll([
      buildMailbox(orgId, 'm1', { displayName: 'Megan Bowen' }),
      buildMailbox(orgId, 'm2', { directoryUserId: null, directoryUpn: null }),
      buildMailbox(orgId, 'm3', { calendarInScope: false, mailInScope: false }),
      buildMailbox(orgId, 'm4', { email: '100%_sure@contoso.com' }),
    ]);
    const ids = async (options: Parameters<MailboxRepository['page']>[1]) =>
      (await repo().page(orgId, options)).map((r) => r.roxUserId);
    expect(await ids({ limit: 10, filter: 'all' })).toEqual(['m1', 'm2', 'm3', 'm4']);
    expect(await ids({ limit: 2, filter: 'all', afterRoxUserId: 'm1' })).toEqual(['m2', 'm3']);
    expect(await ids({ limit: 10, filter: 'unmapped' })).toEqual(['m2']);
    expect(await ids({ limit: 10, filter: 'mapped' })).toEqual(['m1', 'm3', 'm4']);
    expect(await ids({ limit: 10, filter: 'out_of_scope' })).toEqual(['m3']);
    expect(await ids({ limit: 10, filter: 'in_scope' })).toEqual(['m1', 'm2', 'm4']);
    expect(await ids({ limit: 10, filter: 'in_scope', q: 'MEGAN' })).toEqual(['m1']);
    // LIKE wildcards in the search are literal.
    expect(await ids({ limit: 10, filter: 'all', q: '100%_' })).toEqual(['m4']);
    expect(await ids({ limit: 10, filter: 'all', q: '%' })).toEqual(['m4']);
  });

  it("answers pages as plain rows of the entity's property names and types, outside the identity map", async () => {
    const orgId = newOrgId();
    const probe = { mail: 'granted', calendar: 'denied_by_policy', checkedAt: LATER.toISOString() };
    const stored = buildMailbox(orgId, 'p1', { probe: probe as never, refreshedAt: LATER });
    await repo().upsertAll([stored]);
    const em = orm.em.fork();
    const [row] = await new MailboxRepository(em).page(orgId, { limit: 1, filter: 'all' });
    expect(row).toEqual({ ...stored });
    expect(row?.refreshedAt).toBeInstanceOf(Date);
    expect(row?.probe).toEqual(probe);
    expect(em.getUnitOfWork().getIdentityMap().values()).toHaveLength(0);
    // One member, for status reads; and whether a member has a row at all.
    expect(await new MailboxRepository(em).findPlainRow(orgId, 'p1')).toEqual({ ...stored });
    expect(await new MailboxRepository(em).findPlainRow(orgId, 'p2')).toBeNull();
    expect(await new MailboxRepository(em).findPlainRow(newOrgId(), 'p1')).toBeNull();
    expect(await repo().exists(orgId, 'p1')).toBe(true);
    expect(await repo().exists(orgId, 'p2')).toBe(false);
    expect(em.getUnitOfWork().getIdentityMap().values()).toHaveLength(0);
    const savedProbe = new MailboxProbe({
      orgId,
      roxUserId: 'p1',
      now: LATER,
      result: {
        email: 'p1@contoso.com',
        directoryUserId: 'dir-p1',
        mail: 'granted',
        calendar: 'denied_by_policy',
        mailErrorCode: null,
        calendarErrorCode: 'ErrorAccessDenied',
      },
    });
    await repo().saveProbe(savedProbe);
    const probes = await new MailboxRepository(em).pageProbes(orgId, { limit: 5 });
    expect(probes).toEqual([{ ...savedProbe }]);
    expect(probes[0]?.checkedAt).toBeInstanceOf(Date);
    expect(em.getUnitOfWork().getIdentityMap().values()).toHaveLength(0);
  });

  it('lists probe targets, counts mapped members, and purges per org and member', async () => {
    const orgId = newOrgId();
    await repo().upsertAll([
      buildMailbox(orgId, 'a'),
      buildMailbox(orgId, 'b', { isProbeTarget: false, directoryUserId: null }),
    ]);
    await repo().saveProbe(
      new MailboxProbe({
        orgId,
        roxUserId: 'a',
        now: LATER,
        result: {
          email: 'a@contoso.com',
          directoryUserId: 'dir-a',
          mail: 'granted',
          calendar: 'denied_by_policy',
          mailErrorCode: null,
          calendarErrorCode: 'ErrorAccessDenied',
        },
      }),
    );
    expect(await repo().probeTargetIds(orgId)).toEqual(['a']);
    expect(await repo().countMapped(orgId)).toBe(1);
    expect((await repo().listProbes(orgId, ['a']))[0]?.calendar).toBe('denied_by_policy');
    expect(await repo().purgeMemberProbe(orgId, 'a')).toBe(1);
    expect(await repo().deleteMember(orgId, 'b')).toBe(1);
    expect(await repo().deleteForOrg(orgId)).toBe(1);
  });
});
