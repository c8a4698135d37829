import { MikroORM, RequestContext } from '@mikro-orm/postgresql';
import { getQueueToken } from '@nestjs/bull';
import { type INestApplicationContext } from '@nestjs/common';
import { type Queue } from 'bull';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createSubscription } from '@rox365/graph-client';
import { DEMO_TENANT } from '@rox365/m365-emulator';

import { createWorker } from '../../src/bootstrap';
import { AppConfig } from '../../src/config/app-config';
import { loadConfig } from '../../src/config/config.module';
import { MailboxAccess } from '../../src/consent/mailbox-access.service';
import { MailJobs } from '../../src/mail/mail-jobs.service';
import { NotificationsScheduler } from '../../src/notifications/notifications.scheduler';
import { SubscriptionsService } from '../../src/notifications/subscriptions.service';
import { QUEUE } from '../../src/platform/queue/queue-names';
import { calendarCycle } from '../support/calendar-env';
import { startApiWithEmulator, type ApiWithEmulator } from '../support/emulator';
import { addMember, connectIndividual, type TestMember } from '../support/individual';
import { memberMailSubjects } from '../support/mail-env';
import {
  notificationDelivered,
  notificationsSettled,
  subscriptionRows,
  tenantSubscriptions,
} from '../support/notifications-env';
import { connectOrg, orgTokens } from '../support/orgwide';
import { eventually } from '../support/test-app';
import { newOrgId } from '../support/test-env';

const MEGAN = DEMO_TENANT.users.member;
const ZOE = DEMO_TENANT.users.unicode;
const ISAIAH = DEMO_TENANT.users.globalAdmin;
const DAY = 86_400_000;

/**
 * Change notifications for a member's own Outlook connections (no org-wide connection): the
 * subscriptions are made with the member's delegated token on `me/…`, a change reaches Rox
 * through its notification, the covered channel costs no poll, and disconnecting deletes the
 * subscription at Graph before the token goes.
 */
describe('change notifications over an individual connection', () => {
  let env: ApiWithEmulator;
  let worker: INestApplicationContext;
  let member: TestMember;
  let connectionId = '';

  const mine = async () =>
    (await tenantSubscriptions(env)).filter((s) => s.resource.startsWith('me/'));
  const subjects = async () => {
    const res = await env.api
      .http()
      .get('/api/v1/calendar/members/megan/events')
      .query({
        from: new Date(Date.now() - DAY).toISOString(),
        to: new Date(Date.now() + 10 * DAY).toISOString(),
      })
      .set('authorization', `Bearer ${member.token}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return (res.body.items as { subject: string }[]).map((e) => e.subject);
  };
  const deltas = async () =>
    (await env.emu.control.requests({ pathContains: '/calendarView/delta' })).filter(
      (r) => !r.batchItem,
    );

  beforeAll(async () => {
    env = await startApiWithEmulator({
      notifications: true,
      env: { NOTIFICATIONS_DEBOUNCE_MS: '500' },
    });
    worker = await env.api.startWorker();
    member = await addMember(env, newOrgId('nind'), 'megan', MEGAN);
  }, 60_000);
  afterAll(() => env.close());

  it("subscribes the member's own calendar with their token, on me/events", async () => {
    const connected = await connectIndividual(env, member, MEGAN);
    expect(connected.outcome, JSON.stringify(connected)).toBe('connected');
    connectionId = connected.connectionId;
    await notificationsSettled(env, member.orgId);
    const subscription = await eventually(async () => (await mine())[0] ?? null, {
      attempts: 200,
      intervalMs: 50,
    });
    expect(subscription.resource).toBe('me/events');
    // Made by the individual app for the member (the org-wide app has no consent here).
    expect((subscription as unknown as { applicationId: string }).applicationId).toBe(
      env.emu.apps.individual.clientId,
    );
    expect(await subscriptionRows(env, member.orgId)).toEqual([
      expect.objectContaining({
        rox_user_id: 'megan',
        kind: 'calendar',
        resource: 'me/events',
        state: 'active',
        subscription_id: subscription.id,
        // The account the member signed in with: another account's sign-in replaces it.
        directory_user_id: `me:${env.emu.state.findTenant(env.tenantId)?.findUser(MEGAN)?.id ?? '?'}`,
      }),
    ]);
  });

  it('brings an Outlook change into Rox through its notification, and the cycle leaves the covered calendar alone', async () => {
    await notificationsSettled(env, member.orgId);
    const start = new Date(Date.now() + 2 * DAY).toISOString().slice(0, 19);
    const end = new Date(Date.now() + 2 * DAY + 1_800_000).toISOString().slice(0, 19);
    await env.emu.control.clearRequests();
    await env.emu.control.createEvent(env.tenantId, MEGAN, {
      subject: 'Noticed through my own subscription',
      start,
      end,
      timeZone: 'UTC',
    });
    await notificationDelivered(env, member.orgId);
    expect(await subjects()).toContain('Noticed through my own subscription');
    expect(await deltas()).toHaveLength(1);

    // The polling cycle: the calendar's subscription is healthy and it synced just now.
    await env.emu.control.clearRequests();
    await calendarCycle(env, worker, member.orgId);
    expect(await deltas()).toEqual([]);
  });

  it("subscribes the member's own mail folders with the mail connection's token; a message arrives through its notification", async () => {
    const connected = await connectIndividual(env, member, MEGAN, { action: 'accept' }, 'mail');
    expect(connected.outcome, JSON.stringify(connected)).toBe('connected');
    await notificationsSettled(env, member.orgId);
    const folders = await eventually(
      async () => {
        const found = (await mine()).map((s) => s.resource).filter((r) => r.includes('mail'));
        return found.length === 2 ? found.sort() : null;
      },
      { attempts: 200, intervalMs: 50 },
    );
    expect(folders).toEqual([
      "me/mailFolders('inbox')/messages",
      "me/mailFolders('sentitems')/messages",
    ]);
    await env.emu.control.clearRequests();
    await env.emu.control.deliverMail(env.tenantId, MEGAN, {
      subject: 'Pushed into my own inbox',
      from: { name: 'Ann', address: 'ann@customer.example' },
    });
    await notificationDelivered(env, member.orgId);
    expect(await memberMailSubjects(env, member.orgId, 'megan')).toContain(
      'Pushed into my own inbox',
    );

    // The mail cycle: every synced folder is covered and synced just now, so nothing is read.
    await env.emu.control.clearRequests();
    await worker.get(MailJobs).enqueueCycle(member.orgId);
    await notificationsSettled(env, member.orgId);
    expect((await env.emu.control.requests()).filter((r) => r.path.includes('/delta'))).toEqual([]);
  });

  it("sweeps what a member's own token made that no row knows, with that token; minutes-old ones and other URLs stay (NOTIF-8)", async () => {
    await notificationsSettled(env, member.orgId);
    // The member's own token, as the API holds it (it reads and rotates the sealed token).
    const inContext = <T>(fn: () => Promise<T>): Promise<T> =>
      RequestContext.create(env.api.app.get(MikroORM).em, fn);
    const own = await inContext(() =>
      env.api.app.get(MailboxAccess).forConnection(member.orgId, connectionId),
    );
    if (!own) throw new Error('no own connection');
    const make = (notificationUrl: string, lifetimeMinutes = 600) =>
      inContext(() =>
        createSubscription(
          own.client,
          {
            resource: 'me/events',
            changeType: 'created',
            notificationUrl,
            lifecycleNotificationUrl: `${env.apiUrl}/api/v1/graph/lifecycle`,
            clientState: 'not-ours',
          },
          { now: new Date(), lifetimeMinutes },
        ),
      );
    const ours = `${env.apiUrl}/api/v1/graph/notifications`;
    const held = (await subscriptionRows(env, member.orgId)).map((r) => r.subscription_id);
    const orphan = await make(ours);
    const foreign = await make(`${env.apiUrl}/api/v1/graph/lifecycle`);
    // Made just now with the configured lifetime: as another worker's create before its commit.
    const young = await make(ours, env.api.app.get(AppConfig).notifications.subscriptionMinutes);
    // The 6-hourly sweep covers an org with no org-wide connection too.
    expect(await worker.get(NotificationsScheduler).enqueueSweeps()).toBeGreaterThanOrEqual(1);
    await notificationsSettled(env, member.orgId);
    const left = (await mine()).map((s) => s.id);
    expect(left).not.toContain(orphan.subscription.id);
    expect(left.sort()).toEqual([...held, foreign.subscription.id, young.subscription.id].sort());
    for (const id of [foreign.subscription.id, young.subscription.id])
      await inContext(() => own.client.request(`/subscriptions/${id}`, { method: 'DELETE' }));
  });

  it('deletes the calendar subscription at Graph when the member disconnects it, before the token goes', async () => {
    const id = (await mine()).find((s) => s.resource === 'me/events')?.id;
    expect(id).toBeDefined();
    const res = await env.api
      .http()
      .delete(`/api/v1/individual-connections/${connectionId}`)
      .set('authorization', `Bearer ${member.token}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    // The calendar's subscription goes; the mail connection's stay.
    expect((await mine()).map((s) => s.resource).sort()).toEqual([
      "me/mailFolders('inbox')/messages",
      "me/mailFolders('sentitems')/messages",
    ]);
    const deleted = (await env.emu.control.requests({ pathContains: `/subscriptions/${id}` })).find(
      (r) => r.method === 'DELETE',
    );
    expect(deleted?.status).toBe(204);
    await notificationsSettled(env, member.orgId);
    expect((await subscriptionRows(env, member.orgId)).map((r) => r.kind)).toEqual([
      'mail',
      'mail',
    ]);
  });

  it("switched off, the member's own subscriptions are deleted at Graph with their token", async () => {
    expect(await mine()).toHaveLength(2);
    const { NOTIFICATIONS_PUBLIC_URL: _on, ...withoutNotifications } = env.api.env;
    const off = await createWorker(loadConfig(withoutNotifications));
    await off.init();
    try {
      await RequestContext.create(off.get(MikroORM).em, () =>
        off.get(SubscriptionsService).reconcileOrg(member.orgId),
      );
    } finally {
      await off.close();
    }
    expect(await mine()).toEqual([]);
    expect(await subscriptionRows(env, member.orgId)).toEqual([]);
  });

  // The calendar subscriptions a user's own sign-in made, as Microsoft holds them.
  const madeBy = async (upn: string) => {
    const userId = env.emu.state.findTenant(env.tenantId)?.findUser(upn)?.id;
    return (await tenantSubscriptions(env)).filter(
      (s) =>
        s.resource === 'me/events' && (s as unknown as { creatorId: string }).creatorId === userId,
    );
  };
  // The one subscription a user's own sign-in made, once it exists.
  const subscribedBy = (upn: string) =>
    eventually(
      async () => {
        const found = await madeBy(upn);
        return found.length === 1 ? found[0] : null;
      },
      { attempts: 200, intervalMs: 50 },
    );
  const deletedAtGraph = async (id: string) =>
    (await env.emu.control.requests({ pathContains: `/subscriptions/${id}` })).find(
      (r) => r.method === 'DELETE',
    )?.status;

  it('a member who leaves Rox has their own subscriptions deleted at Graph, with their token, before it is purged', async () => {
    const zoe = await addMember(env, member.orgId, 'zoe', ZOE);
    expect((await connectIndividual(env, zoe, ZOE)).outcome).toBe('connected');
    const made = await subscribedBy(ZOE);
    // Held back: the subscription job the removal's scope change queues (it too could delete
    // with the token while that exists), so the member purge must release it on its own.
    const notifications = worker.get<Queue>(getQueueToken(QUEUE.notifications));
    await notifications.pause(true);
    try {
      const removed = await env.api
        .http()
        .delete('/api/v1/members/zoe')
        .set(
          'authorization',
          `Bearer ${await env.api.tokenFor({ roxUserId: 'svc', orgId: member.orgId, role: 'service' })}`,
        );
      expect(removed.status, JSON.stringify(removed.body)).toBeLessThan(300);
      await eventually(
        async () =>
          (
            await env.api.sql<{ n: number }>(
              `select count(*)::int as n from audit_entry where org_id = ? and action = 'members.data-purged' and target_id = 'zoe'`,
              [member.orgId],
            )
          )[0]?.n === 1 || null,
        { attempts: 400, intervalMs: 50 },
      );
      expect(await madeBy(ZOE)).toEqual([]);
      expect(await deletedAtGraph(made.id)).toBe(204);
    } finally {
      await notifications.resume(true);
    }
  });

  it("an org-wide connect deletes members' own subscriptions at Graph before it supersedes their connections", async () => {
    const org = await orgTokens(env, newOrgId('nindorg'));
    const isaiah = await addMember(env, org.orgId, 'isaiah', ISAIAH);
    expect((await connectIndividual(env, isaiah, ISAIAH)).outcome).toBe('connected');
    const made = await subscribedBy(ISAIAH);
    expect(
      await connectOrg(env, org, { settings: { calendarAccess: 'read', emailAccess: 'off' } }),
    ).toBe('connected');
    expect(await madeBy(ISAIAH)).toEqual([]);
    expect(await deletedAtGraph(made.id)).toBe(204);
  });
});
