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
    const key = `app:${emu.apps.orgwide.clientId}|tenant:${DEMO_TENANT.id.toLowerCase()}|users/${memberId.toLowerCase()}`;
    expect(slots.inFlight(key)).toBe(0);
  });

  it('a Retry-After seen by one client holds back the others for that mailbox only', async () => {
    for (const shared of [true, false]) {
      await emu.control.clearRequests();
      const [a, b] = twoClients(shared);
      await emu.control.addFault({
        match: `GET /v1.0/users/${memberId}/mailFolders/inbox`,
        status: 429,
        errorCode: 'ApplicationThrottled',
        retryAfterSeconds: 0.4,
        count: 1,
      });
      expect(
        await rejectionOf(a.get(`/users/${memberId}/mailFolders/inbox?$select=id`)),
      ).toMatchObject({ status: 429 });
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
});
