import { createHash } from 'node:crypto';

import { getQueueToken } from '@nestjs/bull';
import { type INestApplicationContext } from '@nestjs/common';
import { type Queue } from 'bull';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

import { DEMO_TENANT } from '@rox365/m365-emulator';

import { createWorker } from '../../src/bootstrap';
import { loadConfig } from '../../src/config/config.module';
import { NotificationsJobs } from '../../src/notifications/notifications-jobs.service';
import { QUEUE } from '../../src/platform/queue/queue-names';
import { Clock } from '../../src/platform/time/clock';
import { calendarChannels, calendarCycle, memberDirectoryIds } from '../support/calendar-env';
import { mailboxesSettled, syncFinished } from '../support/directory-env';
import { startApiWithEmulator, type ApiWithEmulator } from '../support/emulator';
import {
  notificationsSettled,
  subscriptionRows,
  tenantSubscriptions,
  type EmulatedSubscription,
} from '../support/notifications-env';
import { connectOrg, orgTokens, seedMembers, type OrgTokens } from '../support/orgwide';
import { newOrgId } from '../support/test-env';

const MEGAN = DEMO_TENANT.users.member;
const ISAIAH = DEMO_TENANT.users.globalAdmin;
const DAY = 86_400_000;

/**
 * Graph change notifications against the emulator with a real worker, Postgres and Redis:
 * criteria NOTIF-1 (create), NOTIF-2 (handshake), NOTIF-3 (ack fast, debounce, payload never
 * trusted) and a change reaching Rox through a notification.
 */
describe('change notifications: subscriptions and receiver', () => {
  let env: ApiWithEmulator;
  let org: OrgTokens;
  let worker: INestApplicationContext;
  const userIds = new Map<string, string>();

  const subscriptionOf = async (roxUserId: string, resourceEnd: string) => {
    const userId = userIds.get(roxUserId) ?? '';
    const found = (await tenantSubscriptions(env)).find(
      (s) => s.resource === `users/${userId}/${resourceEnd}`,
    );
    if (!found) throw new Error(`no subscription on ${resourceEnd} for ${roxUserId}`);
    return found;
  };
  const post = (path: string, body: unknown) =>
    env.api
      .http()
      .post(`/api/v1/graph/${path}`)
      .send(body as object);
  const notification = (sub: EmulatedSubscription, overrides: Record<string, unknown> = {}) => ({
    value: [
      {
        subscriptionId: sub.id,
        subscriptionExpirationDateTime: sub.expirationDateTime,
        clientState: sub.clientState,
        changeType: 'updated',
        resource: `Users/${userIds.get('megan')}/Events/forged-id`,
        tenantId: env.tenantId,
        resourceData: { '@odata.type': '#Microsoft.Graph.Event', id: 'forged-id' },
        ...overrides,
      },
    ],
  });
  const reconcile = async (w: INestApplicationContext) => {
    await w.get(NotificationsJobs).enqueueReconcile(org.orgId);
    await notificationsSettled(env, org.orgId);
  };
  const calendarDeltas = async (roxUserId: string) =>
    (await env.emu.control.requests({ pathContains: '/calendarView/delta' })).filter(
      (r) => r.mailbox === userIds.get(roxUserId) && !r.batchItem,
    );

  beforeAll(async () => {
    env = await startApiWithEmulator({
      notifications: true,
      env: { NOTIFICATIONS_DEBOUNCE_MS: '1500' },
    });
    worker = await env.api.startWorker();
    // Subscription work waits until a test says which worker does it (see NOTIF-2).
    await worker.get<Queue>(getQueueToken(QUEUE.notifications)).pause(true);
    org = await orgTokens(env, newOrgId());
    await seedMembers(env, org, [
      { roxUserId: 'megan', email: MEGAN },
      { roxUserId: 'isaiah', email: ISAIAH },
    ]);
    expect(
      await connectOrg(env, org, {
        settings: { calendarAccess: 'read', emailAccess: 'metadata' },
      }),
    ).toBe('connected');
    await syncFinished(env, org, null);
    await mailboxesSettled(env, org.orgId);
    for (const [member, id] of await memberDirectoryIds(env, org)) userIds.set(member, id);
  }, 120_000);

  afterAll(async () => {
    await env?.close();
  });

  it('answers the validation handshake on both URLs with the decoded token as text (NOTIF-2)', async () => {
    for (const path of ['notifications', 'lifecycle']) {
      const res = await env.api
        .http()
        .post(`/api/v1/graph/${path}?validationToken=Validation%3A%20Testing%20a%2Bb%26c`)
        .set('content-type', 'text/plain; charset=utf-8')
        .send('');
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/plain/);
      expect(res.text).toBe('Validation: Testing a+b&c');
    }
  });

  it('reports a failed handshake as a degraded channel and does not retry it in a loop (NOTIF-2)', async () => {
    // A worker whose receiver URL nobody answers: Graph's handshake fails for every channel.
    const unreachable = await createWorker(
      loadConfig({ ...env.api.env, NOTIFICATIONS_PUBLIC_URL: 'http://127.0.0.1:9' }),
    );
    await unreachable.init();
    try {
      await env.emu.control.clearRequests();
      await reconcile(unreachable);
      const rows = await subscriptionRows(env, org.orgId);
      expect(rows).toHaveLength(6); // two members: calendar, inbox, sent items
      for (const row of rows) {
        expect(row.state).toBe('degraded');
        expect(row.last_error_code).toBe('NOTIFICATIONS_VALIDATION_FAILED');
        expect(row.subscription_id).toBeNull();
      }
      const creates = async () =>
        (await env.emu.control.requests({ pathContains: '/v1.0/subscriptions' })).filter(
          (r) => r.method === 'POST',
        );
      expect((await creates()).map((r) => r.status)).toEqual(Array(6).fill(400));
      const validations = (await env.emu.control.notifications()).filter(
        (d) => d.kind === 'validation',
      );
      expect(validations.length).toBeGreaterThan(0);
      expect(validations.every((d) => d.status === 'error')).toBe(true);

      // The channel status says so; polling keeps the channel meanwhile.
      const channels = await calendarChannels(env, org);
      expect(channels.get('megan')?.reason).toBe('notifications_degraded');
      const mail = await env.api
        .http()
        .get('/api/v1/orgwide/mail/members/megan')
        .set('authorization', `Bearer ${org.admin}`);
      expect(mail.status, JSON.stringify(mail.body)).toBe(200);
      expect(
        (mail.body.channels as { folder: string; reason: string | null }[]).map((c) => c.reason),
      ).toEqual(['notifications_degraded', 'notifications_degraded']);

      // The next cycle within the retry wait asks Graph for nothing.
      await reconcile(unreachable);
      expect(await creates()).toHaveLength(6);
    } finally {
      await unreachable.close();
    }
  });

  it('creates one subscription per channel once its retry is due (NOTIF-1)', async () => {
    await worker.get<Queue>(getQueueToken(QUEUE.notifications)).resume(true);
    await env.emu.control.clearRequests();
    // An hour later the degraded channels are due again.
    const later = new Date(Date.now() + 61 * 60_000);
    const pinned = vi.spyOn(worker.get(Clock), 'now').mockReturnValue(later);
    try {
      await reconcile(worker);
    } finally {
      pinned.mockRestore();
    }
    const subs = await tenantSubscriptions(env);
    const expected = ['megan', 'isaiah'].flatMap((m) => {
      const u = userIds.get(m) ?? '';
      return [
        `users/${u}/events`,
        `users/${u}/mailFolders('inbox')/messages`,
        `users/${u}/mailFolders('sentitems')/messages`,
      ];
    });
    expect(subs.map((s) => s.resource).sort()).toEqual(expected.sort());
    const rows = await subscriptionRows(env, org.orgId);
    expect(rows.every((r) => r.state === 'active' && r.last_error_code === null)).toBe(true);
    for (const s of subs) {
      expect(s.changeType).toBe('created,updated,deleted');
      expect(s.notificationUrl).toBe(`${env.apiUrl}/api/v1/graph/notifications`);
      expect(s.lifecycleNotificationUrl).toBe(`${env.apiUrl}/api/v1/graph/lifecycle`);
      // Random, at least 32 bytes (base64url: 43 characters), at most 128.
      expect(s.clientState?.length).toBeGreaterThanOrEqual(43);
      expect(s.clientState?.length).toBeLessThanOrEqual(128);
      const minutes = (Date.parse(s.expirationDateTime) - later.getTime()) / 60_000;
      expect(minutes).toBeGreaterThan(4225);
      expect(minutes).toBeLessThanOrEqual(4230);
      // Stored hashed, never as sent.
      const row = rows.find((r) => r.subscription_id === s.id);
      expect(row?.client_state_hash).toBe(
        createHash('sha256')
          .update(s.clientState ?? '')
          .digest('hex'),
      );
      expect(row?.client_state_hash).not.toContain(s.clientState);
    }
    expect(new Set(subs.map((s) => s.clientState)).size).toBe(subs.length);
    const creates = (
      await env.emu.control.requests({ pathContains: '/v1.0/subscriptions' })
    ).filter((r) => r.method === 'POST');
    expect(creates).toHaveLength(6);
    for (const c of creates) expect(c.prefer).toMatch(/IdType="ImmutableId"/);
    // Both URLs were validated for each, and answered.
    const validations = (await env.emu.control.notifications()).filter(
      (d) => d.kind === 'validation' && d.status === 200,
    );
    expect(new Set(validations.map((v) => v.url))).toEqual(
      new Set([s0(subs).notificationUrl, s0(subs).lifecycleNotificationUrl]),
    );
    const channels = await calendarChannels(env, org);
    expect(channels.get('megan')?.reason).toBeNull();
  });

  it('brings an Outlook change into Rox through its notification, without a cycle', async () => {
    await calendarCycle(env, worker, org.orgId);
    await notificationsSettled(env, org.orgId);
    const start = new Date(Date.now() + 3 * DAY).toISOString().slice(0, 19);
    const end = new Date(Date.now() + 3 * DAY + 1_800_000).toISOString().slice(0, 19);
    await env.emu.control.createEvent(env.tenantId, MEGAN, {
      subject: 'Pushed by a notification',
      start,
      end,
      timeZone: 'UTC',
    });
    const delivered = (await env.emu.control.notifications()).filter(
      (d) => d.kind === 'notification',
    );
    expect(delivered.at(-1)?.status).toBe(202);
    await notificationsSettled(env, org.orgId);
    const res = await env.api
      .http()
      .get('/api/v1/calendar/members/megan/events')
      .query({
        from: new Date(Date.now() + DAY).toISOString(),
        to: new Date(Date.now() + 5 * DAY).toISOString(),
      })
      .set('authorization', `Bearer ${org.service}`);
    expect(res.status).toBe(200);
    expect((res.body.items as { subject: string }[]).map((e) => e.subject)).toContain(
      'Pushed by a notification',
    );
  });

  it('acks 100 notifications with 202 while the worker is paused; duplicates make one delta round; the payload is not data (NOTIF-3)', async () => {
    await notificationsSettled(env, org.orgId);
    const calendar = await subscriptionOf('megan', 'events');
    const queue = worker.get<Queue>(getQueueToken(QUEUE.notifications));
    await queue.pause(true);
    await env.emu.control.clearRequests();
    try {
      const answers = [];
      for (let i = 0; i < 100; i += 1) {
        // Claims an event was deleted; only delta may say what changed.
        answers.push(
          (await post('notifications', notification(calendar, { changeType: 'deleted' }))).status,
        );
      }
      expect(answers).toEqual(Array(100).fill(202));
      const waiting = await env.api.app
        .get<Queue>(getQueueToken(QUEUE.notifications))
        .getJobs(['waiting', 'delayed', 'paused']);
      expect(waiting.filter((j) => j?.data.subscriptionId === calendar.id)).toHaveLength(1);
      // Nothing reached Graph while the worker was paused.
      expect(await calendarDeltas('megan')).toHaveLength(0);
    } finally {
      await queue.resume(true);
    }
    await notificationsSettled(env, org.orgId);
    expect(await calendarDeltas('megan')).toHaveLength(1);
    const events = await env.api
      .http()
      .get('/api/v1/calendar/members/megan/events')
      .query({
        from: new Date(Date.now() + DAY).toISOString(),
        to: new Date(Date.now() + 5 * DAY).toISOString(),
      })
      .set('authorization', `Bearer ${org.service}`);
    expect((events.body.items as { subject: string }[]).map((e) => e.subject)).toContain(
      'Pushed by a notification',
    );
  });
});

function s0(subs: EmulatedSubscription[]): EmulatedSubscription {
  const first = subs[0];
  if (!first) throw new Error('no subscription');
  return first;
}
