import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';

import { MikroORM, RequestContext } from '@mikro-orm/postgresql';
import { getQueueToken } from '@nestjs/bull';
import { type INestApplicationContext } from '@nestjs/common';
import { type Queue } from 'bull';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  verifyPushSignature,
  type PushDelivery,
  type PushEndpointWithSecret,
  type PushNotice,
} from '@rox365/contracts';
import { DEMO_TENANT } from '@rox365/m365-emulator';

import { Cipher } from '../../src/platform/crypto/cipher.service';
import { QUEUE } from '../../src/platform/queue/queue-names';
import { PushJobs, type PushDeliveryJob } from '../../src/push/push-jobs.service';
import { PUSH_SECRET_CONTEXT } from '../../src/push/push.constants';
import { calendarCycle } from '../support/calendar-env';
import { mailboxesSettled, syncFinished } from '../support/directory-env';
import { startApiWithEmulator, type ApiWithEmulator } from '../support/emulator';
import { mailCycle } from '../support/mail-env';
import {
  connectOrg,
  disconnectOrg,
  orgTokens,
  seedMembers,
  type OrgTokens,
} from '../support/orgwide';
import { queueQuiet } from '../support/queue-quiet';
import { eventually } from '../support/test-app';
import { newOrgId } from '../support/test-env';

const MEGAN = DEMO_TENANT.users.member;
const ATTEMPTS = 4;
const TIMEOUT_MS = 3000;

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** What the receiver answers next: a status, a redirect, or an answer held until released. */
type Step = number | 'redirect' | { holdUntil: Promise<void>; status: number };

/** A Rox backend's receiver: a plain HTTP server on loopback that records every request. */
async function startReceiver() {
  const received: Received[] = [];
  const script: Step[] = [];
  let fallback = 200;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      const step = script.shift() ?? fallback;
      // A long answer: only a capped snippet may be kept.
      const answer = `answer ${'x'.repeat(4000)}`;
      if (step === 'redirect') {
        res.writeHead(302, { location: '/elsewhere' }).end();
      } else if (typeof step === 'number') {
        res.writeHead(step).end(answer);
      } else {
        void step.holdUntil.then(() => res.writeHead(step.status).end(answer));
      }
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/m365`,
    received,
    script,
    setFallback: (status: number) => {
      fallback = status;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('push to Rox backends', () => {
  let env: ApiWithEmulator;
  let worker: INestApplicationContext;
  let org: OrgTokens;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let endpoint: PushEndpointWithSecret;
  let queue: Queue<PushDeliveryJob>;

  const http = () => env.api.http();
  const notices = (type?: string) =>
    receiver.received
      .filter((r) => r.path === '/hooks/m365')
      .map((r) => ({ ...r, notice: JSON.parse(r.body) as PushNotice }))
      .filter((r) => type === undefined || r.notice.type === type);
  const pushSettled = () =>
    eventually(() => queueQuiet(queue, (job) => job.data.orgId === org.orgId), {
      attempts: 600,
      intervalMs: 50,
    });
  const deliveries = async (query: Record<string, string> = {}) => {
    const res = await http()
      .get(`/api/v1/push/endpoints/${endpoint.id}/deliveries`)
      .query({ limit: 200, ...query })
      .set('authorization', `Bearer ${org.admin}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body.items as PushDelivery[];
  };
  const feedEnd = async (feed: 'calendar' | 'mail') => {
    let cursor = '0';
    for (;;) {
      const res = await http()
        .get(`/api/v1/${feed === 'calendar' ? 'calendar/changes' : 'mail/changes'}`)
        .query({ cursor, limit: 200 })
        .set('authorization', `Bearer ${org.service}`);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      if (res.body.nextCursor === cursor) return cursor;
      cursor = res.body.nextCursor as string;
    }
  };
  // What a worker job would do, in a unit of work of its own (as processors run).
  const jobs = () => {
    const push = worker.get(PushJobs);
    const inContext = <T>(work: () => Promise<T>) =>
      RequestContext.create(worker.get(MikroORM).em, work);
    return {
      notify: (eventType: PushDeliveryJob['eventType']) =>
        inContext(() => push.notify(org.orgId, eventType)),
      enqueue: (eventType: PushDeliveryJob['eventType']) =>
        inContext(() => push.enqueue(org.orgId, endpoint.id, eventType)),
    };
  };
  const verified = (r: Received, secret = endpoint.secret) =>
    verifyPushSignature({
      header: r.headers['rox-signature'] as string | undefined,
      body: r.body,
      secret,
    });

  beforeAll(async () => {
    env = await startApiWithEmulator({
      env: {
        PUSH_ALLOW_LOOPBACK_HTTP: 'true',
        PUSH_ATTEMPTS: String(ATTEMPTS),
        PUSH_RETRY_BASE_MS: '20',
        PUSH_TIMEOUT_MS: String(TIMEOUT_MS),
      },
    });
    worker = await env.api.startWorker();
    queue = env.api.app.get<Queue<PushDeliveryJob>>(getQueueToken(QUEUE.push));
    receiver = await startReceiver();
    org = await orgTokens(env, newOrgId());
    await seedMembers(env, org, [{ roxUserId: 'megan', email: MEGAN }]);
  });
  afterAll(async () => {
    await receiver.close();
    await env.close();
  });

  it('registers endpoints for admins and Rox backends, refusing unsafe URLs; the secret is sealed', async () => {
    const bad = [
      { url: 'http://rox.example/hook', eventTypes: ['mail.changed'] },
      { url: 'https://user:pw@rox.example/hook', eventTypes: ['mail.changed'] },
      { url: 'https://rox.example/hook', eventTypes: [] },
      { url: 'https://rox.example/hook', eventTypes: ['mail.changed', 'mail.changed'] },
      { url: 'https://rox.example/hook', eventTypes: ['directory.changed'] },
    ];
    for (const body of bad) {
      const res = await http()
        .post('/api/v1/push/endpoints')
        .set('authorization', `Bearer ${org.service}`)
        .send(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.headers['content-type']).toContain('application/problem+json');
    }
    // An org's admin may not point the worker at the deployment's own network.
    for (const url of ['https://10.0.3.7:8443/admin', 'https://169.254.169.254/latest']) {
      const res = await http()
        .post('/api/v1/push/endpoints')
        .set('authorization', `Bearer ${org.admin}`)
        .send({ url, eventTypes: ['mail.changed'] });
      expect(res.status, url).toBe(400);
      expect(res.body).toMatchObject({
        code: 'PUSH_URL_REFUSED',
        errors: [{ path: 'body.url', message: expect.stringContaining('private') }],
      });
    }
    const asMember = await http()
      .post('/api/v1/push/endpoints')
      .set('authorization', `Bearer ${org.member}`)
      .send({ url: receiver.url, eventTypes: ['mail.changed'] });
    expect(asMember.status).toBe(403);

    const created = await http()
      .post('/api/v1/push/endpoints')
      .set('authorization', `Bearer ${org.service}`)
      .send({
        url: receiver.url,
        eventTypes: ['calendar.changed', 'mail.changed', 'connection.changed'],
        description: 'Rox timeline',
      });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    endpoint = created.body as PushEndpointWithSecret;
    expect(endpoint.secret).toMatch(/^whsec_/);

    // Listed without the secret; another org sees nothing.
    const list = await http()
      .get('/api/v1/push/endpoints')
      .set('authorization', `Bearer ${org.admin}`);
    expect(list.body.items).toHaveLength(1);
    expect(list.body.items[0]).toMatchObject({ id: endpoint.id, url: receiver.url });
    expect(JSON.stringify(list.body)).not.toContain(endpoint.secret);
    const other = await orgTokens(env, newOrgId('other'));
    const foreign = await http()
      .get('/api/v1/push/endpoints')
      .set('authorization', `Bearer ${other.admin}`);
    expect(foreign.body.items).toEqual([]);
    const foreignDelete = await http()
      .delete(`/api/v1/push/endpoints/${endpoint.id}`)
      .set('authorization', `Bearer ${other.admin}`);
    expect(foreignDelete.status).toBe(404);

    // At rest the secret is a key-ring envelope, not the secret.
    const [row] = await env.api.sql<{ secret_sealed: string }>(
      'select secret_sealed from push_endpoint where id = ?',
      [endpoint.id],
    );
    expect(row?.secret_sealed).not.toContain(endpoint.secret.slice(6));
    const cipher = env.api.app.get(Cipher);
    expect(cipher.decrypt(row?.secret_sealed ?? '', PUSH_SECRET_CONTEXT, org.orgId)).toBe(
      endpoint.secret,
    );
    // Sealed for this org: copied into another org's row, it does not open.
    expect(() =>
      cipher.decrypt(row?.secret_sealed ?? '', PUSH_SECRET_CONTEXT, other.orgId),
    ).toThrow(/another column or org/);
  });

  it('announces the connection, then calendar and mail changes with the feeds’ cursors, signed', async () => {
    expect(
      await connectOrg(env, org, { settings: { calendarAccess: 'read', emailAccess: 'read' } }),
    ).toBe('connected');
    await syncFinished(env, org, null);
    await mailboxesSettled(env, org.orgId);
    await calendarCycle(env, worker, org.orgId);
    await mailCycle(env, org, ['megan']);
    await pushSettled();

    const connection = notices('connection.changed');
    expect(connection.length).toBeGreaterThanOrEqual(1);
    expect(connection[0]?.notice).toMatchObject({ orgId: org.orgId, cursor: null });
    for (const r of notices()) {
      expect(await verified(r)).toMatchObject({ ok: true });
      expect(r.headers['rox-event']).toBe(r.notice.type);
      expect(r.headers['rox-delivery']).toBe(r.notice.id);
      expect(r.headers['content-type']).toBe('application/json');
    }

    // The last notice of each feed carries its head: a reader catching up from it misses nothing.
    for (const feed of ['calendar', 'mail'] as const) {
      const last = notices(`${feed}.changed`).at(-1);
      expect(last, feed).toBeDefined();
      const end = await feedEnd(feed);
      expect(end).not.toBe('0');
      expect(last?.notice.cursor).toBe(end);
    }

    // A new event in Outlook: one more calendar notice, with a later cursor.
    const before = notices('calendar.changed').length;
    const previous = notices('calendar.changed').at(-1)?.notice.cursor ?? '0';
    const start = new Date(Date.now() + 3 * 86_400_000).toISOString().slice(0, 19);
    const end = new Date(Date.now() + 3 * 86_400_000 + 1_800_000).toISOString().slice(0, 19);
    await env.emu.control.createEvent(env.tenantId, MEGAN, {
      subject: 'Pushed planning',
      start,
      end,
      timeZone: 'UTC',
    });
    await calendarCycle(env, worker, org.orgId);
    await pushSettled();
    const latest = notices('calendar.changed');
    expect(latest.length).toBe(before + 1);
    expect(BigInt(latest.at(-1)?.notice.cursor ?? '0')).toBeGreaterThan(BigInt(previous));
    const caughtUp = await http()
      .get('/api/v1/calendar/changes')
      .query({ cursor: previous })
      .set('authorization', `Bearer ${org.service}`);
    expect(
      (caughtUp.body.items as { event: { subject: string } | null }[]).some(
        (i) => i.event?.subject === 'Pushed planning',
      ),
    ).toBe(true);

    // A round that changed nothing sends nothing.
    await calendarCycle(env, worker, org.orgId);
    await pushSettled();
    expect(notices('calendar.changed').length).toBe(before + 1);
  });

  it('retries a failing receiver with backoff, keeps each attempt, follows no redirect, and counts a late answer as a timeout', async () => {
    const sent = receiver.received.length;
    // The third answer comes only after the deadline: once the delivery has settled. (A timer
    // from the test's start let a slow run's third request start late enough to be answered in
    // time, and the delivery ended after three requests.)
    let answerLate!: () => void;
    const late = new Promise<void>((resolve) => (answerLate = resolve));
    receiver.script.push(500, 'redirect', { holdUntil: late, status: 200 }, 200);
    await jobs().notify('mail.changed');
    try {
      await pushSettled();
    } finally {
      answerLate();
    }

    const requests = receiver.received.slice(sent);
    expect(requests.map((r) => r.path)).toEqual(Array(4).fill('/hooks/m365'));
    const ids = new Set(requests.map((r) => (JSON.parse(r.body) as PushNotice).id));
    expect(ids.size).toBe(1);
    const [delivery] = await deliveries();
    expect(delivery?.id).toBe([...ids][0]);
    expect(delivery?.status).toBe('delivered');
    expect(delivery?.cursor).toBe(await feedEnd('mail'));
    expect(delivery?.attempts.map((a) => [a.number, a.statusCode, a.error])).toEqual([
      [1, 500, 'http_status'],
      [2, 302, 'redirect_refused'],
      [3, null, 'timeout'],
      [4, 200, null],
    ]);
    // The receiver's answer is kept only as a short snippet.
    expect(delivery?.attempts[0]?.responseSnippet?.startsWith('answer x')).toBe(true);
    expect(delivery?.attempts[0]?.responseSnippet?.length).toBeLessThanOrEqual(256);
  });

  it('gives up after the last attempt (dead), and redelivers on request with the current cursor', async () => {
    const sent = receiver.received.length;
    receiver.setFallback(503);
    await jobs().notify('calendar.changed');
    await pushSettled();
    expect(receiver.received.length - sent).toBe(ATTEMPTS);
    const [dead] = await deliveries({ status: 'dead' });
    expect(dead?.eventType).toBe('calendar.changed');
    expect(dead?.attempts.map((a) => a.statusCode)).toEqual(Array(ATTEMPTS).fill(503));

    receiver.setFallback(200);
    const notDead = (await deliveries({ status: 'delivered' }))[0];
    const refused = await http()
      .post(`/api/v1/push/endpoints/${endpoint.id}/deliveries/${notDead?.id}/redeliver`)
      .set('authorization', `Bearer ${org.admin}`);
    expect(refused.status).toBe(409);
    const again = await http()
      .post(`/api/v1/push/endpoints/${endpoint.id}/deliveries/${dead?.id}/redeliver`)
      .set('authorization', `Bearer ${org.admin}`);
    expect(again.status, JSON.stringify(again.body)).toBe(202);
    expect(again.body).toEqual({ outcome: 'queued' });
    await pushSettled();
    const [fresh] = await deliveries();
    expect(fresh).toMatchObject({ eventType: 'calendar.changed', status: 'delivered' });
    expect(fresh?.id).not.toBe(dead?.id);
    expect(fresh?.cursor).toBe(await feedEnd('calendar'));
    expect(await verified(receiver.received.at(-1)!)).toMatchObject({ ok: true });
  });

  it('coalesces: one pending delivery per endpoint and kind, however many changes', async () => {
    const sent = receiver.received.length;
    const countBefore = (await deliveries()).length;

    // Waiting (the queue paused): later changes ride on the queued job.
    await queue.pause();
    const outcomes = [];
    for (let i = 0; i < 5; i += 1) outcomes.push(await jobs().enqueue('mail.changed'));
    expect(outcomes).toEqual(['queued', ...Array(4).fill('already_queued')]);
    await queue.resume();
    await pushSettled();
    expect(receiver.received.length - sent).toBe(1);

    // Running (the receiver holds its answer): changes meanwhile cost exactly one more run.
    let release = () => {};
    receiver.script.push({ holdUntil: new Promise<void>((r) => (release = r)), status: 200 });
    await jobs().enqueue('mail.changed');
    await eventually(() => Promise.resolve(receiver.received.length - sent === 2));
    const during = [];
    for (let i = 0; i < 5; i += 1) during.push(await jobs().enqueue('mail.changed'));
    expect(new Set(during)).toEqual(new Set(['rerun_requested']));
    release();
    await pushSettled();
    expect(receiver.received.length - sent).toBe(3);
    expect((await deliveries()).length - countBefore).toBe(3);
  });

  it('rotates the secret: the next notice is signed with the new one only', async () => {
    const res = await http()
      .post(`/api/v1/push/endpoints/${endpoint.id}/rotate-secret`)
      .set('authorization', `Bearer ${org.service}`);
    expect(res.status).toBe(200);
    const rotated = res.body as PushEndpointWithSecret;
    expect(rotated.secret).not.toBe(endpoint.secret);
    await jobs().notify('connection.changed');
    await pushSettled();
    const last = receiver.received.at(-1)!;
    expect(await verified(last, rotated.secret)).toMatchObject({ ok: true });
    expect(await verified(last, endpoint.secret)).toEqual({ ok: false, reason: 'mismatch' });
    endpoint = { ...endpoint, secret: rotated.secret };
  });

  it('purges the delivery log on disconnect, keeps the receiver and tells it', async () => {
    const logged = async () =>
      (
        await env.api.sql<{ n: number }>(
          `select (select count(*) from push_delivery where org_id = ?)
                + (select count(*) from push_attempt where org_id = ?) as n`,
          [org.orgId, org.orgId],
        )
      )[0]?.n;
    const before = (await deliveries()).map((d) => d.id);
    expect(before.length).toBeGreaterThan(0);
    const sent = receiver.received.length;
    const receipt = await disconnectOrg(env, org);
    expect(receipt.removed).not.toHaveProperty('push_endpoint');
    expect(receipt.removed.push_delivery).toBeGreaterThanOrEqual(before.length);
    await pushSettled();

    // The receiver stays (Rox's configuration, like the org's settings) and hears of it once.
    const list = await http()
      .get('/api/v1/push/endpoints')
      .set('authorization', `Bearer ${org.admin}`);
    expect(list.body.items.map((e: { id: string }) => e.id)).toEqual([endpoint.id]);
    const after = receiver.received.slice(sent).filter((r) => r.path === '/hooks/m365');
    expect(after.map((r) => (JSON.parse(r.body) as PushNotice).type)).toEqual([
      'connection.changed',
    ]);
    expect(await verified(after[0]!)).toMatchObject({ ok: true });
    const status = await http()
      .get('/api/v1/orgwide/status')
      .set('authorization', `Bearer ${org.service}`);
    expect(status.body.state).toBe('disconnected');

    // Only the disconnect's own notice is logged: nothing from before it survives.
    const now = (await deliveries()).map((d) => d.id);
    expect(now).toHaveLength(1);
    expect(before).not.toContain(now[0]);
    expect(Number(await logged())).toBe(2); // that delivery and its one attempt
  });
});
