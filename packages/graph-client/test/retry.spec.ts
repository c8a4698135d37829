import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { DEMO_TENANT, startEmulator, type RunningEmulator } from '@rox365/m365-emulator';

import {
  addFileAttachment,
  createDraft,
  createReplyDraft,
  GraphRequestError,
  probeMailbox,
  sendMail,
} from '../src/index';
import { buildGraph, recordingSleep, rejectionOf } from './helpers';

let emu: RunningEmulator;
let memberId: string;
const INBOX = 'mailFolders/inbox';

beforeAll(async () => {
  emu = await startEmulator({ seed: [{ domain: 'contoso', adminConsented: true }] });
  const graph = buildGraph(emu);
  memberId = (
    await graph.forTenant(DEMO_TENANT.id).get<{ id: string }>(`/users/${DEMO_TENANT.users.member}`)
  ).id;
});

afterAll(async () => {
  await emu.stop();
});

beforeEach(async () => {
  await emu.control.clearFaults();
  await emu.control.clearRequests();
});

async function inboxStatuses(): Promise<number[]> {
  return (await emu.control.requests({ pathContains: INBOX })).map((r) => r.status);
}

describe('retry policy against injected faults', () => {
  it('honours a fractional Retry-After on 429 and succeeds without a throttle violation', async () => {
    const { waits, sleep } = recordingSleep();
    const client = buildGraph(emu, { sleep }).forTenant(DEMO_TENANT.id);
    await emu.control.addFault({
      match: `GET /v1.0/users/${memberId}/${INBOX}`,
      status: 429,
      retryAfterSeconds: 0.3,
      count: 2,
    });
    const violationsBefore = (await emu.control.throttleViolations()).length;

    const inbox = await client.get<{ id: string }>(`/users/${memberId}/${INBOX}`, {
      query: { $select: 'id' },
    });

    expect(inbox.id).toEqual(expect.any(String));
    expect(await inboxStatuses()).toEqual([429, 429, 200]);
    expect(waits).toHaveLength(2);
    expect(waits.every((w) => w >= 300)).toBe(true);
    expect((await emu.control.throttleViolations()).length).toBe(violationsBefore);
  });

  it('backs off exponentially within bounds when 503 carries no Retry-After', async () => {
    const { waits, sleep } = recordingSleep();
    const client = buildGraph(emu, {
      sleep,
      retry: { baseDelayMs: 40, maxDelayMs: 1000 },
    }).forTenant(DEMO_TENANT.id);
    await emu.control.addFault({
      match: `GET /v1.0/users/${memberId}/${INBOX}`,
      status: 503,
      count: 3,
    });

    await client.get(`/users/${memberId}/${INBOX}`);

    expect(await inboxStatuses()).toEqual([503, 503, 503, 200]);
    expect(waits).toHaveLength(3);
    waits.forEach((w, attempt) => expect(w).toBeLessThanOrEqual(40 * 2 ** attempt));
  });

  it('gives up after the bounded number of retries with the last status', async () => {
    const { sleep } = recordingSleep();
    const client = buildGraph(emu, {
      sleep,
      retry: { maxRetries: 2, baseDelayMs: 1, maxDelayMs: 5 },
    }).forTenant(DEMO_TENANT.id);
    await emu.control.addFault({ match: `GET /v1.0/users/${memberId}/${INBOX}`, status: 503 });

    const error = await rejectionOf(client.get(`/users/${memberId}/${INBOX}`));

    expect(error).toMatchObject({ status: 503, isTransient: true });
    expect(await inboxStatuses()).toEqual([503, 503, 503]);
  });

  it.each([400, 401, 403, 404, 409])('never retries %i', async (status) => {
    const client = buildGraph(emu).forTenant(DEMO_TENANT.id);
    await emu.control.addFault({ match: `GET /v1.0/users/${memberId}/${INBOX}`, status, count: 1 });

    const error = await rejectionOf(client.get(`/users/${memberId}/${INBOX}`));

    expect(error).toBeInstanceOf(GraphRequestError);
    expect((error as GraphRequestError).status).toBe(status);
    expect(await inboxStatuses()).toEqual([status]);
  });

  it('surfaces a Retry-After longer than the in-process limit instead of sleeping on it', async () => {
    const { waits, sleep } = recordingSleep();
    const client = buildGraph(emu, { sleep }).forTenant(DEMO_TENANT.id);
    await emu.control.addFault({
      match: `GET /v1.0/users/${memberId}/${INBOX}`,
      status: 429,
      retryAfterSeconds: 120,
      count: 1,
    });

    const error = await rejectionOf(client.get(`/users/${memberId}/${INBOX}`));

    expect(error).toMatchObject({ status: 429, isThrottled: true, retryAfterMs: 120_000 });
    expect(waits).toEqual([]);
  });

  it('retries sendMail after a 429 (refused) but never after a 503 or 504 (maybe processed, X-4)', async () => {
    const client = buildGraph(emu).forTenant(DEMO_TENANT.id);
    const message = {
      subject: 'Quarterly review',
      body: { contentType: 'text' as const, content: 'See you there.' },
      toRecipients: [{ emailAddress: { address: 'alex.wilber@contoso.com' } }],
    };
    await emu.control.addFault({
      match: `POST /v1.0/users/${memberId}/sendMail`,
      status: 429,
      retryAfterSeconds: 0.05,
      count: 1,
    });
    await sendMail(client, memberId, message);
    expect((await emu.control.requests({ pathContains: 'sendMail' })).map((r) => r.status)).toEqual(
      [429, 202],
    );

    // A 503 may come after Exchange ran the send: the caller decides, after a look.
    await emu.control.clearRequests();
    await emu.control.addFault({
      match: `POST /v1.0/users/${memberId}/sendMail`,
      status: 503,
      retryAfterSeconds: 0.05,
      count: 1,
    });
    expect(await rejectionOf(sendMail(client, memberId, message))).toMatchObject({ status: 503 });
    expect((await emu.control.requests({ pathContains: 'sendMail' })).map((r) => r.status)).toEqual(
      [503],
    );

    await emu.control.clearRequests();
    await emu.control.addFault({
      match: `POST /v1.0/users/${memberId}/sendMail`,
      status: 504,
      count: 1,
    });
    const error = await rejectionOf(sendMail(client, memberId, message));
    expect(error).toMatchObject({ status: 504 });
    expect((await emu.control.requests({ pathContains: 'sendMail' })).map((r) => r.status)).toEqual(
      [504],
    );
  });
  it('makes one attempt only when asked (noRetry), where it would otherwise retry a 429', async () => {
    const client = buildGraph(emu).forTenant(DEMO_TENANT.id);
    const path = `/users/${memberId}/mailFolders/inbox`;
    const throttled = () =>
      emu.control.addFault({
        match: `GET /v1\\.0${path}$`,
        status: 429,
        retryAfterSeconds: 0.05,
        count: 1,
      });
    const gets = async () =>
      (await emu.control.requests({ pathContains: path })).map((r) => r.status);
    await emu.control.clearRequests();
    await throttled();
    expect(await rejectionOf(client.request(path, { noRetry: true }))).toMatchObject({
      status: 429,
    });
    expect(await gets()).toEqual([429]);
    await emu.control.clearRequests();
    await throttled();
    await client.request(path);
    expect(await gets()).toEqual([429, 200]);
  });

  it('never repeats a draft create, a createReply or an attachment POST after a 503 (X-4)', async () => {
    const client = buildGraph(emu).forTenant(DEMO_TENANT.id);
    const users = `/v1\\.0/users/${memberId}`;
    // Exchange ran each request, then the answer said 503: a repeat would act twice.
    const unavailable = async (path: string) =>
      emu.control.addFault({
        match: `POST ${users}${path}`,
        status: 503,
        afterExecute: true,
        count: 1,
      });
    const posts = async (suffix: string) =>
      (await emu.control.requests({ pathContains: `/users/${memberId}/` }))
        .filter((r) => r.method === 'POST' && r.path.endsWith(suffix))
        .map((r) => r.status);
    const message = {
      subject: 'X-4 draft',
      body: { contentType: 'text' as const, content: 'Draft body' },
      toRecipients: [{ emailAddress: { address: 'alex.wilber@contoso.com' } }],
    };

    await unavailable('/messages$');
    expect(await rejectionOf(createDraft(client, memberId, message))).toMatchObject({
      status: 503,
    });
    expect(await posts('/messages')).toEqual([503]);

    const draft = await createDraft(client, memberId, message);
    await unavailable('/messages/[^/]+/createReply$');
    expect(
      await rejectionOf(createReplyDraft(client, memberId, draft.id, { comment: 'Reply' })),
    ).toMatchObject({ status: 503 });
    expect(await posts('/createReply')).toEqual([503]);

    await unavailable('/messages/[^/]+/attachments$');
    const file = { name: 'a.txt', contentType: 'text/plain', bytes: Buffer.from('hello') };
    expect(await rejectionOf(addFileAttachment(client, memberId, draft.id, file))).toMatchObject({
      status: 503,
    });
    expect(await posts('/attachments')).toEqual([503]);
  });
});

describe('per-mailbox concurrency', () => {
  async function probeConcurrently(maxConcurrentPerMailbox: number): Promise<number> {
    const graph = buildGraph(emu, {
      maxConcurrentPerMailbox,
      retry: { maxRetries: 6, baseDelayMs: 20 },
    });
    const client = graph.forTenant(DEMO_TENANT.id);
    // Slow responses make the requests overlap on the server.
    await emu.control.addFault({ match: `GET /v1.0/users/${memberId}/`, latencyMs: 60 });
    const before = (await emu.control.throttleViolations()).filter(
      (v) => v.kind === 'concurrency',
    ).length;
    const results = await Promise.all(
      Array.from({ length: 12 }, () => probeMailbox(client, memberId, { calendar: false })),
    );
    expect(results.every((r) => r.outcome === 'ok')).toBe(true);
    return (
      (await emu.control.throttleViolations()).filter((v) => v.kind === 'concurrency').length -
      before
    );
  }

  it('keeps at most 4 requests in flight per mailbox: no concurrency violations', async () => {
    expect(await probeConcurrently(4)).toBe(0);
  });

  it('would violate the limit with a looser setting (the check above can fail)', async () => {
    expect(await probeConcurrently(12)).toBeGreaterThan(0);
  });
});
