import type { EmulatorState } from '../state/emulator-state';

interface Bucket {
  inFlight: number;
  windowStartMs: number;
  count: number;
  retryUntilMs: number;
  /** Arrival of the request whose answer set `retryUntilMs`: requests up to it could not know. */
  blockedBy: number;
}

export type ThrottleDecision =
  { ok: true; release: () => void } | { ok: false; retryAfterSeconds: number; message: string };

/** Outlook's per app + mailbox limits: concurrent requests and a request budget per window. */
export class MailboxThrottle {
  private readonly buckets = new Map<string, Bucket>();
  private arrivals = 0;

  constructor(private readonly state: EmulatorState) {}

  private bucket(key: string, now: number): Bucket {
    let b = this.buckets.get(key);
    if (!b) {
      b = { inFlight: 0, windowStartMs: now, count: 0, retryUntilMs: 0, blockedBy: 0 };
      this.buckets.set(key, b);
    }
    const windowMs = this.state.settings.throttle.windowSeconds * 1000;
    if (now - b.windowStartMs >= windowMs) {
      b.windowStartMs = now;
      b.count = 0;
    }
    return b;
  }

  /** The next request's place in the order of arrival. */
  arrive(): number {
    this.arrivals += 1;
    return this.arrivals;
  }

  /**
   * Marks the mailbox as throttled until the given time (used for injected 429/503 faults too);
   * `arrival` is the throttled request's, so requests that arrived with it are not violations.
   */
  block(
    appId: string,
    tenantId: string,
    mailbox: string,
    retryAfterSeconds: number,
    arrival = this.arrivals,
  ): void {
    const now = this.state.nowMs();
    const b = this.bucket(`${appId}|${tenantId}|${mailbox}`, now);
    b.retryUntilMs = Math.max(b.retryUntilMs, now + retryAfterSeconds * 1000);
    b.blockedBy = Math.max(b.blockedBy, arrival);
  }

  enter(
    appId: string,
    tenantId: string,
    mailbox: string,
    path: string,
    arrival = this.arrive(),
  ): ThrottleDecision {
    const now = this.state.nowMs();
    const key = `${appId}|${tenantId}|${mailbox}`;
    const b = this.bucket(key, now);
    const limits = this.state.settings.throttle;
    const at = new Date(now).toISOString();
    if (now < b.retryUntilMs) {
      // Refused either way; a violation only if it arrived after the answer that said "wait".
      if (arrival > b.blockedBy)
        this.state.log.violation({ at, kind: 'beforeRetryAfter', appId, tenantId, mailbox, path });
      // Retrying early keeps the mailbox throttled, as Outlook does.
      return {
        ok: false,
        retryAfterSeconds: Math.max(0.001, (b.retryUntilMs - now) / 1000),
        message: 'Application is over its Request limit.',
      };
    }
    if (b.inFlight >= limits.concurrentPerMailbox) {
      this.state.log.violation({ at, kind: 'concurrency', appId, tenantId, mailbox, path });
      return {
        ok: false,
        retryAfterSeconds: 1,
        message: 'Application is over its MailboxConcurrency limit.',
      };
    }
    if (b.count >= limits.requestsPerWindow) {
      const windowEnd = b.windowStartMs + limits.windowSeconds * 1000;
      b.retryUntilMs = windowEnd;
      b.blockedBy = Math.max(b.blockedBy, arrival);
      return {
        ok: false,
        retryAfterSeconds: Math.max(0.001, (windowEnd - now) / 1000),
        message: 'Application is over its Request limit.',
      };
    }
    b.count++;
    b.inFlight++;
    let released = false;
    return {
      ok: true,
      release: () => {
        if (!released) {
          released = true;
          b.inFlight--;
        }
      },
    };
  }

  reset(): void {
    this.buckets.clear();
  }
}
