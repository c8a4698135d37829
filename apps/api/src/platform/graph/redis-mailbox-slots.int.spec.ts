import { randomBytes } from 'node:crypto';

import Redis from 'ioredis';
import { afterAll, describe, expect, inject, it } from 'vitest';

import { RedisMailboxSlots } from './redis-mailbox-slots';

/** Each instance has its own connection, as separate worker processes would. */
describe('RedisMailboxSlots on Redis', () => {
  const prefix = `test_slots_${randomBytes(4).toString('hex')}`;
  const connections: Redis[] = [];
  const slotsOn = (options: { leaseMs?: number } = {}) => {
    const redis = new Redis(inject('redisUrl'));
    connections.push(redis);
    return new RedisMailboxSlots(redis, { prefix, maxConcurrent: 4, ...options });
  };

  afterAll(async () => {
    const [first] = connections;
    if (first) {
      const keys = await first.keys(`${prefix}:*`);
      if (keys.length > 0) await first.del(...keys);
    }
    for (const c of connections) c.disconnect();
  });

  it('keeps at most 4 in flight per mailbox across processes, and counts multi-slot requests', async () => {
    const [a, b] = [slotsOn(), slotsOn()];
    let inFlight = 0;
    let peak = 0;
    const work = async (slots: RedisMailboxSlots, count: number) => {
      const lease = await slots.acquire('app|tenant|users/u1', count);
      inFlight += Math.min(count, 4);
      peak = Math.max(peak, inFlight);
      // Hold the slots across a few Redis round trips, so other acquisitions really wait.
      for (let i = 0; i < 3; i++) await a.inFlight('app|tenant|users/u1');
      expect(await b.inFlight('app|tenant|users/u1')).toBeLessThanOrEqual(4);
      inFlight -= Math.min(count, 4);
      await lease.release();
    };
    await Promise.all([
      ...Array.from({ length: 10 }, (_, i) => work(i % 2 === 0 ? a : b, 1)),
      work(a, 3),
      work(b, 20),
    ]);
    expect(peak).toBe(4);
    expect(await a.inFlight('app|tenant|users/u1')).toBe(0);
    // Another mailbox was never affected.
    const other = await b.acquire('app|tenant|users/u2', 4);
    expect(await a.inFlight('app|tenant|users/u2')).toBe(4);
    await other.release();
  });

  it('frees the slots of a process that died holding them once their lease expires', async () => {
    const dying = slotsOn({ leaseMs: 400 });
    const survivor = slotsOn({ leaseMs: 400 });
    await dying.acquire('app|tenant|users/u3', 4);
    // The holder's process is gone: no release, no renewal.
    connections.at(-2)?.disconnect();
    expect(await survivor.inFlight('app|tenant|users/u3')).toBe(4);
    const lease = await survivor.acquire('app|tenant|users/u3', 1);
    expect(await survivor.inFlight('app|tenant|users/u3')).toBe(1);
    await lease.release();
  });

  it('renews a lease while it is held, so a long request keeps its slot', async () => {
    const slots = slotsOn({ leaseMs: 300 });
    const lease = await slots.acquire('app|tenant|users/u4', 4);
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(await slots.inFlight('app|tenant|users/u4')).toBe(4);
    await lease.release();
    expect(await slots.inFlight('app|tenant|users/u4')).toBe(0);
  });

  it('a pause set by one process holds back the others for that mailbox, fractional included', async () => {
    const [a, b] = [slotsOn(), slotsOn()];
    const redis = connections.at(-1);
    // Long enough that the other mailbox is certainly served inside it, even on a busy machine.
    await a.pause('app|tenant|users/u5', 3000.5);
    await a.pause('app|tenant|users/u5', 10); // an earlier end does not shorten it
    const pauseKey = (await redis?.keys(`${prefix}:*u5*:paused`)) ?? [];
    expect(pauseKey).toHaveLength(1);
    expect(await redis?.pttl(pauseKey[0] ?? '')).toBeGreaterThan(2000);
    // Another mailbox is not held back: it is granted while u5 is still paused.
    await (await b.acquire('app|tenant|users/u6', 1)).release();
    expect(await redis?.pttl(pauseKey[0] ?? '')).toBeGreaterThan(0);
    await (await b.acquire('app|tenant|users/u5', 1)).release();
    // Granted only once the pause was over.
    expect(await redis?.exists(pauseKey[0] ?? '')).toBe(0);
  });
  it('the pause flag holds when the pause began, kept when a later answer extends it', async () => {
    const slots = slotsOn();
    const redis = connections.at(-1);
    const redisNowMs = async () => {
      const [seconds, micros] = (await redis?.time()) ?? [0, 0];
      return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
    };
    const before = await redisNowMs();
    await slots.pause('app|tenant|users/u9', 2000);
    const after = await redisNowMs();
    const [key = ''] = (await redis?.keys(`${prefix}:*u9*:paused`)) ?? [];
    const since = Number(await redis?.get(key));
    expect(since).toBeGreaterThanOrEqual(before);
    expect(since).toBeLessThanOrEqual(after);
    await new Promise((resolve) => setTimeout(resolve, 20));
    await slots.pause('app|tenant|users/u9', 5000);
    expect(await redis?.pttl(key)).toBeGreaterThan(4000);
    expect(Number(await redis?.get(key))).toBe(since);
  });
  it('after a pause, one holder at a time across processes until an answer settles the mailbox', async () => {
    const [a, b] = [slotsOn(), slotsOn()];
    const key = 'app|tenant|users/u7';
    const before = await b.acquire(key, 1); // sent before the pause
    await a.pause(key, 30);
    await before.release('settled'); // answered during the pause: it settles nothing
    const probe = await a.acquire(key, 1);
    let second = false;
    const waiting = b.acquire(key, 1).then((lease) => ((second = true), lease));
    await new Promise((r) => setTimeout(r, 150));
    expect(second).toBe(false);
    await probe.release('settled');
    const lease = await waiting;
    // Settled: full width again (1 + 3 in flight).
    const wide = await a.acquire(key, 3);
    expect(await a.inFlight(key)).toBe(4);
    await lease.release();
    await wide.release();
  });

  it('a probe that never settles (no answer) gives the mailbox back its width after a lease time', async () => {
    const slots = slotsOn({ leaseMs: 300 });
    const key = 'app|tenant|users/u8';
    await slots.pause(key, 10);
    await (await slots.acquire(key, 1)).release(); // no outcome: the probe stays
    const one = await slots.acquire(key, 1);
    let two = false;
    const next = slots.acquire(key, 1).then((lease) => ((two = true), lease));
    await new Promise((r) => setTimeout(r, 100));
    expect(two).toBe(false);
    // The probe flag outlives the pause by the lease time (300 ms), then expires.
    const lease = await next;
    expect(await slots.inFlight(key)).toBe(2);
    await one.release();
    await lease.release();
  });
});
