import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { DEMO_TENANT, startEmulator, type RunningEmulator } from '@rox365/m365-emulator';

import { InProcessMailboxSlots, listUsers, type BoundGraphClient } from '../src/index';
import { buildGraph, rejectionOf } from './helpers';

let emu: RunningEmulator;
let memberId: string;
let adminId: string;

beforeAll(async () => {
  emu = await startEmulator({ seed: [{ domain: 'contoso', adminConsented: true }] });
  const users = await listUsers(buildGraph(emu).forTenant(DEMO_TENANT.id));
  memberId = users.find((u) => u.userPrincipalName === DEMO_TENANT.users.member)?.id ?? '';
  adminId = users.find((u) => u.userPrincipalName === DEMO_TENANT.users.globalAdmin)?.id ?? '';
});

afterAll(async () => {
  await emu.stop();
});

beforeEach(async () => {
  await emu.control.clearFaults();
  await emu.control.clearRequests();
});

const violations = async (kind: 'concurrency' | 'beforeRetryAfter') =>
  (await emu.control.throttleViolations()).filter((v) => v.kind === kind && v.mailbox === memberId)
    .length;

/** The slots key of a user's mailbox for the org-wide app in the demo tenant. */
const slotKeyOf = (userId: string) =>
  `app:${emu.apps.orgwide.clientId}|tenant:${DEMO_TENANT.id.toLowerCase()}|users/${userId.toLowerCase()}`;

/** One folder read answered 429 with the given Retry-After: the mailbox is paused from here. */
async function throttleOnce(
  client: BoundGraphClient,
  userId: string,
  folder: string,
  retryAfterSeconds: number,
): Promise<void> {
  await emu.control.addFault({
    match: `GET /v1.0/users/${userId}/mailFolders/${folder}`,
    status: 429,
    errorCode: 'ApplicationThrottled',
    retryAfterSeconds,
    count: 1,
  });
  expect(
    await rejectionOf(client.get(`/users/${userId}/mailFolders/${folder}?$select=id`)),
  ).toMatchObject({ status: 429 });
}

/** The member's Inbox was read only once the pause its Sent Items 429 set had passed. */
async function expectInboxReadAfterPause(pauseMs: number): Promise<void> {
  const log = await emu.control.requests({ pathContains: `${memberId}/mailFolders/` });
  const at = (path: string) => Date.parse(log.find((r) => r.path.includes(path))?.at ?? '');
  expect(at('/inbox') - at('/sentitems')).toBeGreaterThanOrEqual(pauseMs);
  expect(await violations('beforeRetryAfter')).toBe(0);
}

/** Two graphs (as two processes would have) over one shared budget, or each over its own. */
function twoClients(shared: boolean): [BoundGraphClient, BoundGraphClient] {
  const slots = shared ? new InProcessMailboxSlots(4) : undefined;
  const options = { retry: { maxRetries: 0 }, ...(slots ? { mailboxSlots: slots } : {}) };
  return [
    buildGraph(emu, options).forTenant(DEMO_TENANT.id),
    buildGraph(emu, options).forTenant(DEMO_TENANT.id),
  ];
}

describe('InProcessMailboxSlots', () => {
  it('hands out at most the limit, first come first served, and counts a multi-slot request', async () => {
    const slots = new InProcessMailboxSlots(4);
    const order: string[] = [];
    const three = await slots.acquire('k', 3);
    const one = await slots.acquire('k', 1);
    const big = slots.acquire('k', 9).then((lease) => (order.push('big'), lease));
    const small = slots.acquire('k', 1).then((lease) => (order.push('small'), lease));
    expect(slots.inFlight('k')).toBe(4);
    await one.release();
    await one.release(); // a second release changes nothing
    expect(slots.inFlight('k')).toBe(3);
    await three.release();
    const bigLease = await big;
    // Capped at the limit: the 9-item request holds all 4, the small one waits behind it.
    expect(slots.inFlight('k')).toBe(4);
    await bigLease.release();
    await (await small).release();
    expect(order).toEqual(['big', 'small']);
    expect(slots.inFlight('k')).toBe(0);
    expect(slots.inFlight('other')).toBe(0);
  });

  it('holds back a paused key until the pause is over, and only that key', async () => {
    let nowMs = 1_000;
    const waits: number[] = [];
    const slots = new InProcessMailboxSlots(
      4,
      (ms) => {
        waits.push(ms);
        nowMs += ms;
        return Promise.resolve();
      },
      () => nowMs,
    );
    await slots.pause('k', 2_500);
    await slots.pause('k', 1_000); // an earlier end does not shorten the pause
    await (await slots.acquire('other', 1)).release();
    expect(waits).toEqual([]);
    await (await slots.acquire('k', 1)).release();
    expect(waits).toEqual([2_500]);
  });
  it('after a pause, runs one holder at a time until an answer settles the key', async () => {
    let nowMs = 1_000;
    const slots = new InProcessMailboxSlots(
      4,
      (ms) => {
        nowMs += ms;
        return Promise.resolve();
      },
      () => nowMs,
    );
    const before = await slots.acquire('k', 1); // sent before the pause
    await slots.pause('k', 1_000);
    await before.release('settled'); // answered during the pause: it settles nothing
    const granted: string[] = [];
    const take = (name: string, count = 1) =>
      slots.acquire('k', count).then((lease) => (granted.push(name), lease));
    const probe = await take('probe');
    const second = take('second');
    await new Promise((r) => setTimeout(r, 10));
    expect(granted).toEqual(['probe']);
    await probe.release(); // throttled again, or no answer: still one at a time
    const secondLease = await second;
    const third = take('third', 3);
    await new Promise((r) => setTimeout(r, 10));
    expect(granted).toEqual(['probe', 'second']);
    await secondLease.release('settled');
    const thirdLease = await third;
    // Settled: full width again, 3 + 1 in flight.
    const fourth = await take('fourth');
    expect(slots.inFlight('k')).toBe(4);
    await thirdLease.release();
    await fourth.release();
  });
});

describe('per-mailbox budget shared by several clients', () => {
  async function concurrentViolations(shared: boolean): Promise<number> {
    const [a, b] = twoClients(shared);
    // Slow answers make the requests overlap on the server; each client alone stays within 4.
    await emu.control.addFault({ match: `GET /v1.0/users/${memberId}/`, latencyMs: 80 });
    const path = `/users/${memberId}/mailFolders/inbox?$select=id`;
    const settled = await Promise.allSettled([
      ...Array.from({ length: 4 }, () => a.get(path)),
      ...Array.from({ length: 4 }, () => b.get(path)),
    ]);
    if (shared) expect(settled.every((s) => s.status === 'fulfilled')).toBe(true);
    return violations('concurrency');
  }

  it('keeps 4 in flight across clients that share the slots', async () => {
    expect(await concurrentViolations(true)).toBe(0);
  });

  it('goes over the limit when each client counts alone (the check above can fail)', async () => {
    expect(await concurrentViolations(false)).toBeGreaterThan(0);
  });

  it('counts each $batch item for its mailbox against the same budget', async () => {
    const slots = new InProcessMailboxSlots(4);
    const client = buildGraph(emu, { mailboxSlots: slots }).forTenant(DEMO_TENANT.id);
    await emu.control.addFault({ match: `GET /v1.0/users/${memberId}/`, latencyMs: 150 });
    const direct = Array.from({ length: 4 }, () =>
      client.get(`/users/${memberId}/mailFolders/inbox?$select=id`),
    );
    const batched = client.batch([
      { id: 'm', method: 'GET', url: `/users/${memberId}/mailFolders/sentitems?$select=id` },
      { id: 'a', method: 'GET', url: `/users/${adminId}/mailFolders/inbox?$select=id` },
    ]);
    const [results] = await Promise.all([batched, ...direct]);
    expect(results.map((r) => r.status)).toEqual([200, 200]);
    expect(await violations('concurrency')).toBe(0);
    expect(slots.inFlight(slotKeyOf(memberId))).toBe(0);
  });

  it('a Retry-After seen by one client holds back the others for that mailbox only', async () => {
    for (const shared of [true, false]) {
      await emu.control.clearRequests();
      const [a, b] = twoClients(shared);
      await throttleOnce(a, memberId, 'inbox', 0.4);
      // b never saw the 429; with shared slots it still waits before touching the mailbox.
      const [other, same] = await Promise.allSettled([
        b.get(`/users/${adminId}/mailFolders/inbox?$select=id`),
        b.get(`/users/${memberId}/mailFolders/sentitems?$select=id`),
      ]);
      expect(other.status).toBe('fulfilled');
      const log = await emu.control.requests({ pathContains: '/mailFolders/' });
      const at = (needle: string) =>
        Date.parse(log.find((r) => r.path.includes(needle))?.at ?? 'invalid');
      if (shared) {
        expect(same.status).toBe('fulfilled');
        expect(await violations('beforeRetryAfter')).toBe(0);
        expect(
          at(`${memberId}/mailFolders/sentitems`) - at(`${memberId}/mailFolders/inbox`),
        ).toBeGreaterThanOrEqual(400);
        // The other mailbox went first although it was asked for at the same time.
        expect(at(`${adminId}/mailFolders/inbox`)).toBeLessThan(
          at(`${memberId}/mailFolders/sentitems`),
        );
      } else {
        expect(same.status).toBe('rejected');
        expect(await violations('beforeRetryAfter')).toBeGreaterThan(0);
      }
    }
  });

  it('after a Retry-After the mailbox resumes with one request; the others wait for its answer', async () => {
    const client = buildGraph(emu, {
      mailboxSlots: new InProcessMailboxSlots(4),
      retry: { maxRetries: 0 },
    }).forTenant(DEMO_TENANT.id);
    await throttleOnce(client, memberId, 'inbox', 0.3);
    // The first request after the pause is slow. Sent beside it, the others would be answered
    // first; held back until it answered, they come after it.
    await emu.control.addFault({ match: `GET /v1.0/users/${memberId}/`, latencyMs: 300, count: 1 });
    await Promise.all(
      ['sentitems', 'drafts', 'deleteditems'].map((folder) =>
        client.get(`/users/${memberId}/mailFolders/${folder}?$select=id`),
      ),
    );
    const log = await emu.control.requests({ pathContains: `${memberId}/mailFolders/` });
    expect(log.map((r) => r.status)).toEqual([429, 200, 200, 200]);
    expect(log[1]?.fault).toBeDefined(); // the slow one, answered before the others went out
    expect(await violations('beforeRetryAfter')).toBe(0);
  });

  it('a $batch does not go out while one of its mailboxes was paused as it waited for another', async () => {
    const slots = new InProcessMailboxSlots(4);
    const client = buildGraph(emu, { mailboxSlots: slots, retry: { maxRetries: 0 } }).forTenant(
      DEMO_TENANT.id,
    );
    // The batch takes its mailboxes' slots in key order: `first` is held, then it waits on `second`.
    const [first, second] = [memberId, adminId].sort((a, b) =>
      slotKeyOf(a).localeCompare(slotKeyOf(b)),
    );
    const blocker = await slots.acquire(slotKeyOf(second!), 4);
    const batched = client.batch([
      { id: '1', method: 'GET', url: `/users/${first}/mailFolders/inbox?$select=id` },
      { id: '2', method: 'GET', url: `/users/${second}/mailFolders/inbox?$select=id` },
    ]);
    await new Promise((r) => setTimeout(r, 50));
    expect(slots.inFlight(slotKeyOf(first!))).toBe(1);
    // Meanwhile `first` is throttled through another request.
    await throttleOnce(client, first!, 'sentitems', 0.4);
    await blocker.release();
    expect((await batched).map((r) => r.status)).toEqual([200, 200]);
    const log = await emu.control.requests({ pathContains: `${first}/mailFolders/` });
    const at = (path: string) => Date.parse(log.find((r) => r.path.includes(path))?.at ?? '');
    expect(at('/inbox') - at('/sentitems')).toBeGreaterThanOrEqual(400);
    expect(
      (await emu.control.throttleViolations()).filter((v) => v.kind === 'beforeRetryAfter'),
    ).toEqual([]);
  });
  it('a $batch does not go out into a pause its mailbox got while it fetched its token', async () => {
    const slots = new InProcessMailboxSlots(4);
    const other = buildGraph(emu, { mailboxSlots: slots, retry: { maxRetries: 0 } }).forTenant(
      DEMO_TENANT.id,
    );
    await other.get(`/users/${adminId}?$select=id`); // its token, before the slow one below
    // A new client (as a restarted worker) has no token yet: its first one comes slowly, after
    // the batch has taken its slots and found the mailbox free.
    const batchClient = buildGraph(emu, {
      mailboxSlots: slots,
      retry: { maxRetries: 0 },
    }).forTenant(DEMO_TENANT.id);
    await emu.control.addFault({
      match: '^POST /[^/]+/oauth2/v2\\.0/token',
      latencyMs: 300,
      count: 1,
    });
    const batched = batchClient.batch([
      { id: '1', method: 'GET', url: `/users/${memberId}/mailFolders/inbox?$select=id` },
    ]);
    await new Promise((r) => setTimeout(r, 100));
    expect(slots.inFlight(slotKeyOf(memberId))).toBe(1);
    // Meanwhile the mailbox is throttled through another worker's request.
    await throttleOnce(other, memberId, 'sentitems', 0.6);
    expect((await batched).map((r) => r.status)).toEqual([200]);
    await expectInboxReadAfterPause(600);
  });

  it('a $batch envelope refused with 429 is not sent again into a pause its mailbox got meanwhile', async () => {
    const slots = new InProcessMailboxSlots(4);
    const batchClient = buildGraph(emu, { mailboxSlots: slots }).forTenant(DEMO_TENANT.id);
    const other = buildGraph(emu, { mailboxSlots: slots, retry: { maxRetries: 0 } }).forTenant(
      DEMO_TENANT.id,
    );
    await emu.control.addFault({
      match: '^POST /v1\\.0/\\$batch',
      status: 429,
      retryAfterSeconds: 0.2,
      count: 1,
    });
    const batched = batchClient.batch([
      { id: '1', method: 'GET', url: `/users/${memberId}/mailFolders/inbox?$select=id` },
    ]);
    await new Promise((r) => setTimeout(r, 50));
    // While the envelope waits for its retry, the mailbox is throttled through another request.
    await throttleOnce(other, memberId, 'sentitems', 0.6);
    expect((await batched).map((r) => r.status)).toEqual([200]);
    await expectInboxReadAfterPause(600);
  });
});
