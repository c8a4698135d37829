import { createHash } from 'node:crypto';

import { MikroORM } from '@mikro-orm/postgresql';
import { getQueueToken } from '@nestjs/bull';
import { type INestApplicationContext } from '@nestjs/common';
import { type Queue } from 'bull';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

import { createSubscription } from '@rox365/graph-client';
import { DEMO_TENANT } from '@rox365/m365-emulator';

import { createWorker } from '../../src/bootstrap';
import { AppConfig } from '../../src/config/app-config';
import { loadConfig } from '../../src/config/config.module';
import { MailJobs } from '../../src/mail/mail-jobs.service';
import { NotificationsJobs } from '../../src/notifications/notifications-jobs.service';
import { NotificationsScheduler } from '../../src/notifications/notifications.scheduler';
import { QUEUE } from '../../src/platform/queue/queue-names';
import { Clock } from '../../src/platform/time/clock';
import {
  calendarChannels,
  calendarCycle,
  memberDirectoryIds,
  tenantGraph,
} from '../support/calendar-env';
import { mailboxesSettled, syncFinished } from '../support/directory-env';
import { startApiWithEmulator, type ApiWithEmulator } from '../support/emulator';
import {
  notificationDelivered,
  notificationsQueueIdle,
  notificationsSettled,
  subscriptionRows,
  tenantSubscriptions,
  type EmulatedSubscription,
} from '../support/notifications-env';
import {
  auditActions,
  connectOrg,
  orgTokens,
  saveSettings,
  seedMembers,
  type OrgTokens,
} from '../support/orgwide';
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
  // The Graph id of the event the notification test brings in (a later test claims it deleted).
  let pushedEventId = '';
  const meganSubjects = async () => {
    const res = await env.api
      .http()
      .get('/api/v1/calendar/members/megan/events')
      .query({
        from: new Date(Date.now() + DAY).toISOString(),
        to: new Date(Date.now() + 6 * DAY).toISOString(),
      })
      .set('authorization', `Bearer ${org.service}`);
    expect(res.status).toBe(200);
    return (res.body.items as { subject: string }[]).map((e) => e.subject);
  };
  const reconcile = async (w: INestApplicationContext) => {
    await w.get(NotificationsJobs).enqueueReconcile(org.orgId);
    await notificationsSettled(env, org.orgId);
  };
  const db = () => env.api.app.get(MikroORM).em.fork().getConnection();
  const lastRound = async (table: 'calendar_channel', roxUserId: string) => {
    const [row] = (await db().execute(
      `select last_sync_at from ${table} where org_id = ? and rox_user_id = ?`,
      [org.orgId, roxUserId],
    )) as { last_sync_at: Date }[];
    if (!row) throw new Error(`no ${table} of ${roxUserId}`);
    return new Date(row.last_sync_at);
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
    // Cleared first: the connect's reconcile, waiting in the queue, runs as soon as a worker
    // that processes it exists.
    await env.emu.control.clearRequests();
    // A worker whose receiver URL nobody answers: Graph's handshake fails for every channel.
    const unreachable = await createWorker(
      loadConfig({ ...env.api.env, NOTIFICATIONS_PUBLIC_URL: 'http://127.0.0.1:9' }),
    );
    await unreachable.init();
    try {
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
    ({ id: pushedEventId } = await env.emu.control.createEvent(env.tenantId, MEGAN, {
      subject: 'Pushed by a notification',
      start,
      end,
      timeZone: 'UTC',
    }));
    await notificationDelivered(env, org.orgId);
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
        // Claims the event it brought in was deleted; only delta may say what changed.
        const claim = notification(calendar, {
          changeType: 'deleted',
          resource: `Users/${userIds.get('megan')}/Events/${pushedEventId}`,
          resourceData: { '@odata.type': '#Microsoft.Graph.Event', id: pushedEventId },
        });
        answers.push((await post('notifications', claim)).status);
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

  it('answers forged or unknown notifications with 202, processes nothing and audits once a minute (NOTIF-4)', async () => {
    await notificationsSettled(env, org.orgId);
    const calendar = await subscriptionOf('megan', 'events');
    await env.emu.control.clearRequests();
    for (let i = 0; i < 3; i += 1) {
      const forged = await post('notifications', notification(calendar, { clientState: `x${i}` }));
      expect(forged.status).toBe(202);
    }
    // Whoever sends it chooses its text: the log must not carry it.
    const unknown = await post(
      'notifications',
      notification({ ...calendar, id: 'Your mailbox is locked: call +1 555 0100' }),
    );
    expect(unknown.status).toBe(202);
    const missing = await post('lifecycle', {
      value: [{ subscriptionId: calendar.id, lifecycleEvent: 'missed', tenantId: env.tenantId }],
    });
    expect(missing.status).toBe(202);
    await notificationsSettled(env, org.orgId);
    expect(await calendarDeltas('megan')).toHaveLength(0);
    const audits = await auditActions(env, org, 'notifications.rejected');
    const reasons = audits.map((a) => a.details.reason).sort();
    // Three forged clientStates and a missing one on one subscription: one entry that minute.
    expect(reasons).toEqual(['client_state_mismatch', 'unknown_subscription']);
    const stranger = audits.find((a) => a.details.reason === 'unknown_subscription');
    expect(stranger).toMatchObject({
      target: { type: 'graph_subscription', id: null },
      details: { orgNamedBySender: true },
    });

    // A forged batch of 200 ids no row holds: one query at the receiver, one job (for the audit),
    // not one job and lookup per item.
    const queue = worker.get<Queue>(getQueueToken(QUEUE.notifications));
    await queue.pause(true);
    try {
      const forgedIds = Array.from(
        { length: 200 },
        (_, i) => `00000000-0000-4000-8000-${String(i + 1).padStart(12, '0')}`,
      );
      const batch = await post('notifications', {
        value: forgedIds.map(
          (id) => notification({ ...calendar, id }, { tenantId: env.tenantId }).value[0],
        ),
      });
      expect(batch.status).toBe(202);
      const queued = (
        await env.api.app
          .get<Queue>(getQueueToken(QUEUE.notifications))
          .getJobs(['waiting', 'delayed', 'paused'])
      ).filter((j) => forgedIds.includes(String(j?.data.subscriptionId)));
      expect(queued).toHaveLength(1);

      // One real id (learnt from an audit entry or a tenant's logs) with 200 guessed
      // clientStates, the real notification among them: the guesses make one job between them
      // (for the audit), the real one its own.
      const guessed = await post('notifications', {
        value: [
          ...Array.from(
            { length: 200 },
            (_, i) => notification(calendar, { clientState: `guess-${i}` }).value[0],
          ),
          notification(calendar).value[0],
        ],
      });
      expect(guessed.status).toBe(202);
      const forCalendar = (
        await env.api.app
          .get<Queue>(getQueueToken(QUEUE.notifications))
          .getJobs(['waiting', 'delayed', 'paused'])
      ).filter((j) => j?.data.subscriptionId === calendar.id);
      expect(forCalendar).toHaveLength(2);
    } finally {
      await queue.resume(true);
    }
    await notificationsSettled(env, org.orgId);
    // The real one still makes its round.
    expect(await calendarDeltas('megan')).toHaveLength(1);
  });

  it('renews at half-life; a subscription Graph lost is recreated with a catch-up round (NOTIF-5)', async () => {
    await notificationsSettled(env, org.orgId);
    const before = await tenantSubscriptions(env);
    const lost = await subscriptionOf('isaiah', 'events');
    await tenantGraph(env).request(`/subscriptions/${lost.id}`, { method: 'DELETE' });
    await env.emu.control.clearRequests();
    // 60 % of the 4,230-minute lifetime later, past every subscription's half-life.
    const later = new Date(Date.now() + 0.6 * 4230 * 60_000);
    const pinned = vi.spyOn(worker.get(Clock), 'now').mockReturnValue(later);
    try {
      // This org's only, the way the cron sees each org.
      expect(await worker.get(NotificationsScheduler).enqueueOrgRenewals(org.orgId)).toBe(
        before.length,
      );
      await notificationsSettled(env, org.orgId);
    } finally {
      pinned.mockRestore();
    }
    const calls = await env.emu.control.requests({ pathContains: '/v1.0/subscriptions' });
    expect(
      calls
        .filter((c) => c.method === 'PATCH')
        .map((c) => c.status)
        .sort(),
    ).toEqual([...Array(before.length - 1).fill(200), 404]);
    const after = await tenantSubscriptions(env);
    expect(after).toHaveLength(before.length);
    const recreated = await subscriptionOf('isaiah', 'events');
    expect(recreated.id).not.toBe(lost.id);
    // The renewed ones now end a full lifetime after the (pinned) renewal.
    const renewed = after.find((s) => s.id === before.find((b) => b.id !== lost.id)?.id);
    expect(Date.parse(renewed?.expirationDateTime ?? '')).toBeGreaterThan(
      later.getTime() + 4225 * 60_000,
    );
    expect(await calendarDeltas('isaiah')).toHaveLength(1);
  });

  it('a failing renewal leaves the channel on polling with reason notifications_degraded (NOTIF-5)', async () => {
    const calendar = await subscriptionOf('megan', 'events');
    await env.emu.control.addFault({
      match: `PATCH /v1.0/subscriptions/${calendar.id}`,
      status: 403,
      errorCode: 'ExtensionError',
    });
    const later = new Date(Date.now() + 0.6 * 4230 * 60_000 * 2);
    const pinned = vi.spyOn(worker.get(Clock), 'now').mockReturnValue(later);
    try {
      await worker.get(NotificationsScheduler).enqueueOrgRenewals(org.orgId);
      await notificationsSettled(env, org.orgId);
    } finally {
      pinned.mockRestore();
      await env.emu.control.clearFaults();
    }
    const row = (await subscriptionRows(env, org.orgId)).find(
      (r) => r.rox_user_id === 'megan' && r.kind === 'calendar',
    );
    expect(row?.state).toBe('degraded');
    expect(row?.last_error_code).toBe('NOTIFICATIONS_RENEWAL_FAILED');
    const channels = await calendarChannels(env, org);
    expect(channels.get('megan')?.status).toBe('ok');
    expect(channels.get('megan')?.reason).toBe('notifications_degraded');
    expect(channels.get('isaiah')?.reason).toBeNull();

    // The next reconcile after the retry wait makes it whole again.
    const retry = vi
      .spyOn(worker.get(Clock), 'now')
      .mockReturnValue(new Date(later.getTime() + 61 * 60_000));
    try {
      await reconcile(worker);
    } finally {
      retry.mockRestore();
    }
    expect((await calendarChannels(env, org)).get('megan')?.reason).toBeNull();
  });

  it('handles lifecycle events once per batch: reauthorize, recreate (with a shorter lifetime Graph names), catch up (NOTIF-6, NOTIF-1)', async () => {
    await notificationsSettled(env, org.orgId);
    const megan = await subscriptionOf('megan', 'events');
    await env.emu.control.clearRequests();

    // reauthorizationRequired, delivered by Graph twice in one batch: one reauthorize, one round.
    const lifecycle = (event: string) => ({
      subscriptionId: megan.id,
      subscriptionExpirationDateTime: megan.expirationDateTime,
      tenantId: env.tenantId,
      clientState: megan.clientState,
      lifecycleEvent: event,
    });
    const twice = await post('lifecycle', {
      value: [lifecycle('reauthorizationRequired'), lifecycle('reauthorizationRequired')],
    });
    expect(twice.status).toBe(202);
    await notificationsSettled(env, org.orgId);
    const reauthorizations = async () =>
      (await env.emu.control.requests({ pathContains: '/reauthorize' })).filter(
        (r) => r.method === 'POST',
      );
    expect((await reauthorizations()).map((r) => r.status)).toEqual([204]);
    expect(await calendarDeltas('megan')).toHaveLength(1);

    // The same event sent by Graph itself.
    await env.emu.control.clearRequests();
    await env.emu.control.sendLifecycle(megan.id, 'reauthorizationRequired');
    // Delivered asynchronously: wait for Graph's POST before waiting for the queue.
    await env.emu.control.notifications();
    await notificationsSettled(env, org.orgId);
    expect((await reauthorizations()).map((r) => r.status)).toEqual([204]);
    expect(await calendarDeltas('megan')).toHaveLength(1);

    // missed: a round for that mailbox, nothing else.
    await notificationsSettled(env, org.orgId);
    await env.emu.control.clearRequests();
    await env.emu.control.sendLifecycle(megan.id, 'missed');
    // Delivered asynchronously: wait for Graph's POST before waiting for the queue.
    await env.emu.control.notifications();
    await notificationsSettled(env, org.orgId);
    expect(await calendarDeltas('megan')).toHaveLength(1);
    expect(await env.emu.control.requests({ pathContains: '/v1.0/subscriptions' })).toHaveLength(0);

    // subscriptionRemoved, while Graph allows only 60 minutes: a new one, retried once shorter.
    await env.emu.control.updateSettings({ subscriptionMaxMinutes: 60 });
    try {
      await env.emu.control.clearRequests();
      await env.emu.control.sendLifecycle(megan.id, 'subscriptionRemoved');
      // Delivered asynchronously: wait for Graph's POST before waiting for the queue.
      await env.emu.control.notifications();
      await notificationsSettled(env, org.orgId);
      const replacement = await subscriptionOf('megan', 'events');
      expect(replacement.id).not.toBe(megan.id);
      const minutes = (Date.parse(replacement.expirationDateTime) - Date.now()) / 60_000;
      expect(minutes).toBeGreaterThan(55);
      expect(minutes).toBeLessThanOrEqual(60);
      const creates = (await env.emu.control.requests({ pathContains: '/v1.0/subscriptions' }))
        .filter((r) => r.method === 'POST')
        .map((r) => r.status);
      expect(creates).toEqual([400, 201]);
      const row = (await subscriptionRows(env, org.orgId)).find(
        (r) => r.subscription_id === replacement.id,
      );
      expect(row?.lifetime_minutes).toBe(59);
      expect(await calendarDeltas('megan')).toHaveLength(1);
    } finally {
      await env.emu.control.updateSettings({ subscriptionMaxMinutes: 10_070 });
    }
  });

  it('without notifications a change still arrives by the safety poll (NOTIF-7)', async () => {
    await notificationsSettled(env, org.orgId);
    await env.emu.control.updateSettings({ deliverNotifications: false });
    try {
      const before = (await env.emu.control.notifications()).length;
      const start = new Date(Date.now() + 4 * DAY).toISOString().slice(0, 19);
      const end = new Date(Date.now() + 4 * DAY + 1_800_000).toISOString().slice(0, 19);
      await env.emu.control.createEvent(env.tenantId, MEGAN, {
        subject: 'Only polling sees this',
        start,
        end,
        timeZone: 'UTC',
      });
      await notificationsSettled(env, org.orgId);
      expect((await env.emu.control.notifications()).length).toBe(before);
      expect(await meganSubjects()).not.toContain('Only polling sees this');
      // Her subscription is healthy, so the cycle within the safety interval leaves her alone.
      await calendarCycle(env, worker, org.orgId);
      expect(await meganSubjects()).not.toContain('Only polling sees this');
      // Once the safety interval (360 minutes) has passed since her last round, the cycle reads her.
      const last = await lastRound('calendar_channel', 'megan');
      const pinned = vi
        .spyOn(worker.get(Clock), 'now')
        .mockReturnValue(new Date(Math.max(Date.now(), last.getTime()) + 361 * 60_000));
      try {
        await calendarCycle(env, worker, org.orgId);
      } finally {
        pinned.mockRestore();
      }
      expect(await meganSubjects()).toContain('Only polling sees this');
    } finally {
      await env.emu.control.updateSettings({ deliverNotifications: true });
    }
  });

  it('an idle cycle asks Graph nothing for mailboxes with healthy subscriptions; a degraded channel still polls', async () => {
    await notificationsSettled(env, org.orgId);
    const meganId = userIds.get('megan') ?? '';
    const isaiahId = userIds.get('isaiah') ?? '';
    // Graph removes Isaiah's calendar subscription and refuses a new one: that channel alone is
    // back on polling.
    const calendar = await subscriptionOf('isaiah', 'events');
    await env.emu.control.addFault({
      match: 'POST /v1.0/subscriptions',
      status: 403,
      errorCode: 'ExtensionError',
    });
    try {
      await env.emu.control.sendLifecycle(calendar.id, 'subscriptionRemoved');
      // Delivered asynchronously: wait for Graph's POST before waiting for the queue.
      await env.emu.control.notifications();
      await notificationsSettled(env, org.orgId);
    } finally {
      await env.emu.control.clearFaults();
    }
    const rows = await subscriptionRows(env, org.orgId);
    expect(
      rows.filter((r) => r.state === 'degraded').map((r) => `${r.rox_user_id}:${r.kind}`),
    ).toEqual(['isaiah:calendar']);

    await env.emu.control.clearRequests();
    await calendarCycle(env, worker, org.orgId);
    await worker.get(MailJobs).enqueueCycle(org.orgId);
    await notificationsSettled(env, org.orgId);
    const requests = await env.emu.control.requests({});
    // Megan (everything subscribed) and Isaiah's mail: not one request, batched or not.
    expect(requests.filter((r) => r.mailbox === meganId)).toEqual([]);
    expect(
      requests.filter((r) => r.mailbox === isaiahId && !r.path.includes('/calendarView/delta')),
    ).toEqual([]);
    // Isaiah's degraded calendar: its idle round, in a $batch.
    expect(await calendarDeltas('isaiah')).toHaveLength(0);
    const polled = requests.filter(
      (r) => r.mailbox === isaiahId && r.path.includes('/calendarView/delta'),
    );
    expect(polled.length).toBe(1);
    expect(polled[0]?.batchItem).toBe(true);

    // The reconcile after the retry wait subscribes the channel again.
    const retry = vi
      .spyOn(worker.get(Clock), 'now')
      .mockReturnValue(new Date(Date.now() + 62 * 60_000));
    try {
      await reconcile(worker);
    } finally {
      retry.mockRestore();
    }
    expect((await subscriptionRows(env, org.orgId)).every((r) => r.state === 'active')).toBe(true);
  });

  it('deletes a mailbox’s subscriptions when its scope shrinks or its user is restricted; a notification meanwhile is dropped (NOTIF-8, NOTIF-4)', async () => {
    await notificationsSettled(env, org.orgId);
    const meganId = userIds.get('megan') ?? '';
    // Megan's mail is switched off: her folder subscriptions go, her calendar's stays.
    const override = await env.api
      .http()
      .put('/api/v1/orgwide/overrides/megan')
      .set('authorization', `Bearer ${org.admin}`)
      .send({ calendarAccess: null, emailAccess: 'off' });
    expect(override.status, JSON.stringify(override.body)).toBe(200);
    await notificationsSettled(env, org.orgId);
    expect(
      (await tenantSubscriptions(env))
        .filter((s) => s.resource.startsWith(`users/${meganId}/`))
        .map((s) => s.resource),
    ).toEqual([`users/${meganId}/events`]);

    // Isaiah becomes a restricted user; a notification of his arriving before his subscriptions
    // are deleted (held back: the rows' refresh, which queues that reconcile, waits) is not
    // acted on.
    const isaiah = await subscriptionOf('isaiah', 'events');
    await env.emu.control.clearRequests();
    const refreshes = worker.get<Queue>(getQueueToken(QUEUE.mailboxes));
    await refreshes.pause(true);
    try {
      await saveSettings(env, org, {
        calendarAccess: 'read',
        emailAccess: 'metadata',
        restrictedUsers: [ISAIAH],
      });
      expect((await post('notifications', notification(isaiah))).status).toBe(202);
      await notificationsQueueIdle(env);
    } finally {
      await refreshes.resume(true);
    }
    await notificationsSettled(env, org.orgId);
    const isaiahId = userIds.get('isaiah') ?? '';
    expect(
      (await tenantSubscriptions(env)).filter((s) => s.resource.startsWith(`users/${isaiahId}/`)),
    ).toEqual([]);
    expect(await calendarDeltas('isaiah')).toHaveLength(0);
    expect((await subscriptionRows(env, org.orgId)).map((r) => r.rox_user_id)).toEqual(['megan']);
    const dropped = (await auditActions(env, org, 'notifications.rejected')).filter(
      (a) =>
        a.details.reason !== 'client_state_mismatch' && a.details.reason !== 'unknown_subscription',
    );
    expect(dropped.map((a) => a.details.reason)).toEqual(['out_of_scope']);
  });

  it('deletes orphans at worker start and every six hours, leaving other URLs and subscriptions minutes old alone; disconnect deletes the rest (NOTIF-8)', async () => {
    await notificationsSettled(env, org.orgId);
    const graph = tenantGraph(env);
    const meganId = userIds.get('megan') ?? '';
    const ours = `${env.apiUrl}/api/v1/graph/notifications`;
    const make = (notificationUrl: string, lifetimeMinutes = 600) =>
      createSubscription(
        graph,
        {
          resource: `users/${meganId}/mailFolders('inbox')/messages`,
          changeType: 'created',
          notificationUrl,
          lifecycleNotificationUrl: `${env.apiUrl}/api/v1/graph/lifecycle`,
          clientState: 'not-ours',
        },
        { now: new Date(), lifetimeMinutes },
      );
    const orphan = await make(ours);
    const foreign = await make(`${env.apiUrl}/api/v1/graph/lifecycle`);
    // Made just now with the configured lifetime: as another worker's create before its commit.
    const young = await make(ours, env.api.app.get(AppConfig).notifications.subscriptionMinutes);
    const second = await env.api.startWorker();
    await notificationsSettled(env, org.orgId);
    const ids = (await tenantSubscriptions(env)).map((s) => s.id);
    expect(ids).not.toContain(orphan.subscription.id);
    expect(ids).toContain(foreign.subscription.id);
    expect(ids).toContain(young.subscription.id);

    // A create retried after its answer was lost leaves one behind later: the 6-hourly sweep.
    const late = await make(ours);
    expect(await second.get(NotificationsScheduler).enqueueSweeps()).toBeGreaterThanOrEqual(1);
    await notificationsSettled(env, org.orgId);
    const after = (await tenantSubscriptions(env)).map((s) => s.id);
    expect(after).not.toContain(late.subscription.id);
    expect(after).toContain(young.subscription.id);
    await second.close();
    for (const id of [foreign.subscription.id, young.subscription.id])
      await graph.request(`/subscriptions/${id}`, { method: 'DELETE' });

    const held = (await subscriptionRows(env, org.orgId)).length;
    expect(held).toBeGreaterThan(0);
    const res = await env.api
      .http()
      .delete('/api/v1/orgwide/connection')
      .set('authorization', `Bearer ${org.admin}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.removed.graph_subscription).toBe(held);
    await notificationsSettled(env, org.orgId);
    expect(await tenantSubscriptions(env)).toEqual([]);
    expect(await subscriptionRows(env, org.orgId)).toEqual([]);
  });
});

function s0(subs: EmulatedSubscription[]): EmulatedSubscription {
  const first = subs[0];
  if (!first) throw new Error('no subscription');
  return first;
}
