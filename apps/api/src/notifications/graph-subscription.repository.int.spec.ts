import { type MikroORM } from '@mikro-orm/postgresql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { openTestOrm } from '../../test/factories/test-orm';
import { newOrgId } from '../../test/support/test-env';
import { GraphSubscription, type SubscriptionKind } from './entities/graph-subscription.entity';
import { GraphSubscriptionRepository } from './graph-subscription.repository';

const NOW = new Date('2026-11-28T10:00:00Z');
const HOUR = 3_600_000;

function buildSubscription(
  orgId: string,
  roxUserId: string,
  kind: SubscriptionKind,
  folder: string,
  overrides: Partial<GraphSubscription> = {},
): GraphSubscription {
  const row = new GraphSubscription({
    orgId,
    roxUserId,
    kind,
    folder,
    folderId: null,
    tenantId: 'tenant-1',
    directoryUserId: `dir-${roxUserId}`,
    resource:
      kind === 'calendar'
        ? `users/dir-${roxUserId}/events`
        : `users/dir-${roxUserId}/mailFolders('${folder}')/messages`,
    now: NOW,
  });
  row.subscriptionId = `${orgId}-${roxUserId}-${kind}-${folder}`;
  row.clientStateHash = 'a'.repeat(64);
  row.expiresAt = new Date(NOW.getTime() + 70 * HOUR);
  row.renewAt = new Date(NOW.getTime() + 35 * HOUR);
  return Object.assign(row, overrides);
}

describe('GraphSubscriptionRepository on Postgres', () => {
  let orm: MikroORM;
  const repo = () => new GraphSubscriptionRepository(orm.em.fork());

  beforeAll(async () => {
    orm = await openTestOrm();
  });

  afterAll(async () => {
    await orm.close();
  });

  it('finds a channel by Graph id and by its key; the Graph id is unique', async () => {
    const orgId = newOrgId();
    await repo().save(buildSubscription(orgId, 'megan', 'calendar', ''));
    await repo().save(buildSubscription(orgId, 'megan', 'mail', 'inbox'));
    const found = await repo().findBySubscriptionId(`${orgId}-megan-mail-inbox`);
    expect(found?.resource).toBe("users/dir-megan/mailFolders('inbox')/messages");
    expect((await repo().find(orgId, 'megan', 'calendar', ''))?.clientStateHash).toBe(
      'a'.repeat(64),
    );
    await expect(
      repo().save(
        buildSubscription(orgId, 'other', 'calendar', '', {
          subscriptionId: `${orgId}-megan-calendar-`,
        }),
      ),
    ).rejects.toThrow(/unique/i);
  });

  it("keeps a user folder's channel by its display path (up to 256 characters) with the id it watches", async () => {
    const orgId = newOrgId();
    const path = `Inbox/${'Key accounts '.repeat(18).trim()}`;
    expect(path.length).toBeGreaterThan(200);
    await repo().save(
      buildSubscription(orgId, 'megan', 'mail', path, {
        subscriptionId: `${orgId}-megan-user-folder`,
        folderId: 'AAMkAFdXNlci1mb2xkZXI=',
        resource: "users/dir-megan/mailFolders('AAMkAFdXNlci1mb2xkZXI=')/messages",
      }),
    );
    await repo().save(buildSubscription(orgId, 'megan', 'mail', 'inbox'));
    const row = await repo().find(orgId, 'megan', 'mail', path);
    expect(row?.folderId).toBe('AAMkAFdXNlci1mb2xkZXI=');
    expect((await repo().find(orgId, 'megan', 'mail', 'inbox'))?.folderId).toBeNull();
    const healthy = await repo().healthy(orgId, 'mail', ['megan'], NOW);
    expect(healthy.map((r) => [r.folder, r.folderId])).toEqual(
      expect.arrayContaining([
        ['inbox', null],
        [path, 'AAMkAFdXNlci1mb2xkZXI='],
      ]),
    );
    expect((await repo().listOrg(orgId)).find((r) => r.folder === path)?.folderId).toBe(
      'AAMkAFdXNlci1mb2xkZXI=',
    );
  });

  it('lists active subscriptions past their half-life, oldest first', async () => {
    const orgId = newOrgId();
    await repo().save(
      buildSubscription(orgId, 'a', 'calendar', '', { renewAt: new Date(NOW.getTime() - HOUR) }),
    );
    await repo().save(
      buildSubscription(orgId, 'b', 'calendar', '', {
        renewAt: new Date(NOW.getTime() - 2 * HOUR),
      }),
    );
    await repo().save(buildSubscription(orgId, 'c', 'calendar', '')); // not due yet
    await repo().save(
      buildSubscription(orgId, 'd', 'calendar', '', {
        state: 'degraded',
        renewAt: new Date(NOW.getTime() - 3 * HOUR),
      }),
    );
    const due = (await repo().dueForRenewal(NOW, 1000)).filter((r) => r.orgId === orgId);
    expect(due.map((r) => r.roxUserId)).toEqual(['b', 'a']);
    // One org's only: another org's due row is left out.
    const other = newOrgId();
    await repo().save(
      buildSubscription(other, 'a', 'calendar', '', { renewAt: new Date(NOW.getTime() - HOUR) }),
    );
    expect((await repo().dueForRenewal(NOW, 1000, orgId)).map((r) => r.roxUserId)).toEqual([
      'b',
      'a',
    ]);
  });

  it('tells known Graph ids from orphans, and lists degraded channels for the status', async () => {
    const orgId = newOrgId();
    await repo().save(buildSubscription(orgId, 'a', 'mail', 'inbox'));
    await repo().save(
      buildSubscription(orgId, 'a', 'mail', 'sentitems', {
        state: 'degraded',
        subscriptionId: null,
        lastErrorCode: 'NOTIFICATIONS_VALIDATION_FAILED',
      }),
    );
    await repo().save(buildSubscription(orgId, 'b', 'calendar', '', { state: 'degraded' }));
    // Known ids (the rest are orphans) with what the receiver compares a clientState to.
    expect(
      await repo().clientStateHashes([
        `${orgId}-a-mail-inbox`,
        'orphan-1',
        `${orgId}-a-mail-inbox`,
      ]),
    ).toEqual(new Map([[`${orgId}-a-mail-inbox`, 'a'.repeat(64)]]));
    expect(await repo().clientStateHashes([])).toEqual(new Map());
    const tenant = `tenant-${orgId}`;
    expect(await repo().grantedLifetimes([tenant])).toEqual([]);
    expect(await repo().grantedLifetimes([])).toEqual([]);
    const inTenant = { tenantId: tenant };
    await repo().save(
      buildSubscription(orgId, 'c', 'calendar', '', { ...inTenant, lifetimeMinutes: 4230 }),
    );
    await repo().save(
      buildSubscription(orgId, 'd', 'calendar', '', { ...inTenant, lifetimeMinutes: 59 }),
    );
    await repo().save(
      buildSubscription(orgId, 'e', 'calendar', '', { ...inTenant, lifetimeMinutes: 59 }),
    );
    // Another org in the same tenant counts; another tenant does not.
    await repo().save(
      buildSubscription(newOrgId(), 'd', 'calendar', '', { ...inTenant, lifetimeMinutes: 45 }),
    );
    await repo().save(
      buildSubscription(newOrgId(), 'd', 'calendar', '', {
        tenantId: `other-${orgId}`,
        lifetimeMinutes: 30,
      }),
    );
    expect(await repo().grantedLifetimes([tenant, tenant])).toEqual([45, 59, 4230]);
    expect((await repo().degraded(orgId, 'mail', ['a', 'b'])).map((r) => r.folder)).toEqual([
      'sentitems',
    ]);
    expect((await repo().degraded(orgId, 'calendar', ['a'])).length).toBe(0);
  });

  it('lists the healthy channels: active, held by Graph and not expired', async () => {
    const orgId = newOrgId();
    await repo().save(buildSubscription(orgId, 'a', 'mail', 'inbox'));
    await repo().save(buildSubscription(orgId, 'a', 'mail', 'sentitems', { state: 'degraded' }));
    await repo().save(
      buildSubscription(orgId, 'b', 'mail', 'inbox', { expiresAt: new Date(NOW.getTime() - 1) }),
    );
    await repo().save(buildSubscription(orgId, 'c', 'mail', 'inbox', { subscriptionId: null }));
    await repo().save(buildSubscription(orgId, 'a', 'calendar', ''));
    await repo().save(buildSubscription(orgId, 'd', 'mail', 'inbox')); // not asked for
    const healthy = await repo().healthy(orgId, 'mail', ['a', 'b', 'c'], NOW);
    expect(healthy.map((r) => `${r.roxUserId}:${r.folder}`)).toEqual(['a:inbox']);
    expect((await repo().healthy(orgId, 'calendar', ['a'], NOW)).length).toBe(1);
  });

  it('removes one row, a mailbox’s rows and an org’s rows', async () => {
    const orgId = newOrgId();
    const other = newOrgId();
    await repo().save(buildSubscription(orgId, 'a', 'calendar', ''));
    await repo().save(buildSubscription(orgId, 'a', 'mail', 'inbox'));
    await repo().save(buildSubscription(orgId, 'b', 'calendar', ''));
    await repo().save(buildSubscription(other, 'a', 'calendar', ''));
    const r = repo();
    const row = await r.find(orgId, 'a', 'mail', 'inbox');
    if (!row) throw new Error('row missing');
    await r.remove(row);
    expect((await repo().listMailbox(orgId, 'a')).map((x) => x.kind)).toEqual(['calendar']);
    expect(await repo().purgeOrg(orgId)).toBe(2);
    expect(await repo().listOrg(orgId)).toEqual([]);
    expect((await repo().listOrg(other)).length).toBe(1);
  });
});
