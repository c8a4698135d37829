import { randomUUID } from 'node:crypto';

import type Redis from 'ioredis';

import { type MailboxLease, type MailboxSlots } from '@rox365/graph-client';

// KEYS[1] leases (zset member → expiry ms), KEYS[2] pause flag, KEYS[3] probe flag (after a
// pause, one holder at a time until an answer settles the mailbox).
// ARGV: count, max, leaseMs, leaseId. Redis' own clock, so workers' clocks never disagree.
// Answers {0} granted, {1, ms} paused for ms, {2} full.
const ACQUIRE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local paused = redis.call('PTTL', KEYS[2])
-- 0 means under a millisecond left but the flag still stands: still paused.
if paused >= 0 then return {1, math.max(paused, 1)} end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local count = tonumber(ARGV[1])
local held = redis.call('ZCARD', KEYS[1])
if redis.call('EXISTS', KEYS[3]) == 1 then
  if held > 0 then return {2, 0} end
elseif held + count > tonumber(ARGV[2]) then return {2, 0} end
local expiry = now + tonumber(ARGV[3])
for i = 1, count do redis.call('ZADD', KEYS[1], expiry, ARGV[4] .. ':' .. i) end
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3]) * 2)
return {0, 0}
`;

// KEYS[1] leases; ARGV: leaseMs, members... Extends the members still held.
const RENEW = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local expiry = now + tonumber(ARGV[1])
for i = 2, #ARGV do redis.call('ZADD', KEYS[1], 'XX', expiry, ARGV[i]) end
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[1]) * 2)
return 1
`;

// KEYS[1] pause flag, KEYS[2] probe flag; ARGV: ms, probe ms. The later end wins. The probe
// outlives the pause by a lease's time, so a mailbox whose probe never settles (no answer, an
// error) returns to full width by itself. The flag holds when the pause began (Redis' clock, ms;
// kept when a later answer extends it): nothing here reads it, the chaos soak uses it to tell a
// request sent before any process knew of a pause from one sent after.
const PAUSE = `
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[1]) then
  local t = redis.call('TIME')
  local since = redis.call('GET', KEYS[1]) or tostring(t[1] * 1000 + math.floor(t[2] / 1000))
  redis.call('SET', KEYS[1], since, 'PX', tonumber(ARGV[1]))
end
if redis.call('PTTL', KEYS[2]) < tonumber(ARGV[2]) then
  redis.call('SET', KEYS[2], '1', 'PX', tonumber(ARGV[2]))
end
return 1
`;

// KEYS[1] leases, KEYS[2] probe flag, KEYS[3] pause flag; ARGV: settled (1/0), members... A
// settled answer ends the probe, unless it left before a pause that is still running.
const RELEASE = `
for i = 2, #ARGV do redis.call('ZREM', KEYS[1], ARGV[i]) end
if ARGV[1] == '1' and redis.call('EXISTS', KEYS[3]) == 0 then redis.call('DEL', KEYS[2]) end
return 1
`;

/** Tuning of {@link RedisMailboxSlots}. */
export interface RedisMailboxSlotsOptions {
  /** Requests in flight per app + mailbox across every process (Outlook allows 4). */
  maxConcurrent: number;
  /** Key prefix, e.g. the queue prefix. */
  prefix: string;
  /** A lease not renewed for this long is free again: a killed worker leaks nothing longer. */
  leaseMs: number;
  /** How often a waiting acquisition asks again when the mailbox is full. */
  pollMs: number;
}

export const DEFAULT_REDIS_SLOTS_OPTIONS: Omit<RedisMailboxSlotsOptions, 'prefix'> = {
  maxConcurrent: 4,
  leaseMs: 30_000,
  pollMs: 15,
};

/**
 * The per-mailbox budget shared by every API and worker process: a sorted set of leases per
 * app + mailbox (expiring, renewed while held) and a pause flag with the Retry-After as its TTL.
 */
export class RedisMailboxSlots implements MailboxSlots {
  readonly maxConcurrent: number;
  private readonly options: RedisMailboxSlotsOptions;

  constructor(
    private readonly redis: Redis,
    options: Partial<RedisMailboxSlotsOptions> & { prefix: string },
  ) {
    this.options = { ...DEFAULT_REDIS_SLOTS_OPTIONS, ...options };
    this.maxConcurrent = this.options.maxConcurrent;
  }

  async acquire(key: string, count: number): Promise<MailboxLease> {
    const wanted = Math.max(1, Math.min(count, this.maxConcurrent));
    const leaseId = randomUUID();
    const leasesKey = this.leasesKey(key);
    for (;;) {
      const [state, waitMs] = (await this.redis.eval(
        ACQUIRE,
        3,
        leasesKey,
        this.pauseKey(key),
        this.probeKey(key),
        wanted,
        this.maxConcurrent,
        this.options.leaseMs,
        leaseId,
      )) as [number, number];
      if (state === 0) break;
      // Jitter keeps waiting processes from asking in lockstep.
      const poll = this.options.pollMs * (0.5 + Math.random());
      await sleep(state === 1 ? Math.max(waitMs, 1) : poll);
    }
    const members = Array.from({ length: wanted }, (_, i) => `${leaseId}:${i + 1}`);
    const renew = setInterval(() => {
      this.redis.eval(RENEW, 1, leasesKey, this.options.leaseMs, ...members).catch(() => undefined); // the lease simply expires; the request is not affected
    }, this.options.leaseMs / 3);
    renew.unref();
    let isReleased = false;
    return {
      release: async (outcome) => {
        if (isReleased) return;
        isReleased = true;
        clearInterval(renew);
        await this.redis.eval(
          RELEASE,
          3,
          leasesKey,
          this.probeKey(key),
          this.pauseKey(key),
          outcome === 'settled' ? 1 : 0,
          ...members,
        );
      },
    };
  }

  async pause(key: string, delayMs: number): Promise<void> {
    const ms = Math.ceil(delayMs);
    await this.redis.eval(
      PAUSE,
      2,
      this.pauseKey(key),
      this.probeKey(key),
      ms,
      ms + this.options.leaseMs,
    );
  }

  async pausedForMs(key: string): Promise<number> {
    const ttl = await this.redis.pttl(this.pauseKey(key));
    // -2: no flag; -1 cannot happen (always set with a TTL); 0: under a millisecond left.
    return ttl < 0 ? 0 : Math.max(ttl, 1);
  }

  /** Leases held for a key right now (diagnostics and tests). */
  async inFlight(key: string): Promise<number> {
    const [seconds, micros] = await this.redis.time();
    const now = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
    return this.redis.zcount(this.leasesKey(key), now, '+inf');
  }

  private leasesKey(key: string): string {
    return `${this.options.prefix}:graph-slots:{${key}}:leases`;
  }

  private pauseKey(key: string): string {
    return `${this.options.prefix}:graph-slots:{${key}}:paused`;
  }

  private probeKey(key: string): string {
    return `${this.options.prefix}:graph-slots:{${key}}:probe`;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
