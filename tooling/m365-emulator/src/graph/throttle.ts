import type { EmulatorState } from '../state/emulator-state';

interface Bucket {
  inFlight: number;
  windowStartMs: number;
  count: number;
  retryUntilMs: number;
  /** The latest `retryUntilMs` whose answer has been written: what the client can know. */
  knownUntilMs: number;
  /** Arrivals counted when that answer was written: requests up to it were sent before it. */
  blockedBy: number;
  /** When that answer was written, to tell how late an early request came. */
  answeredAtMs: number;
  /** The requests answered "wait" while `knownUntilMs` runs: one of them again is a retry. */
  refused: Set<string>;
}

/** The request that carries a "wait" answer: arrival order and hooks run once it is written. */
export interface ThrottledRequest {
  arrival?: number;
  answered?: (() => void)[];
  method?: string;
  path?: string;
  rawQuery?: string;
  headers?: Record<string, string>;
}

/**
 * What makes a request "the same one again": its `client-request-id` (clients keep it across
 * retries of one request; two requests for the same URL from two workers differ), else, for a
 * client that sends none, method, path and query.
 */
function signatureOf(req: ThrottledRequest): string | undefined {
  const id = req.headers?.['client-request-id'];
  if (id) return `id ${id}`;
  return req.method && req.path ? `${req.method} ${req.path}?${req.rawQuery ?? ''}` : undefined;
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
      b = {
        inFlight: 0,
        windowStartMs: now,
        count: 0,
        retryUntilMs: 0,
        knownUntilMs: 0,
        blockedBy: 0,
        answeredAtMs: 0,
        refused: new Set(),
      };
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
   * Marks the mailbox as throttled for the given time (used for injected 429/503 faults too).
   * Only requests that arrive after `req`'s answer was written are violations: until then the
   * client could not know (a `$batch` answers its items all at once, when the batch ends).
   */
  block(
    appId: string,
    tenantId: string,
    mailbox: string,
    retryAfterSeconds: number,
    req: ThrottledRequest = {},
  ): void {
    const now = this.state.nowMs();
    const b = this.bucket(`${appId}|${tenantId}|${mailbox}`, now);
    this.holdUntil(b, now + retryAfterSeconds * 1000, req);
  }

  private holdUntil(b: Bucket, untilMs: number, req: ThrottledRequest): void {
    b.retryUntilMs = Math.max(b.retryUntilMs, untilMs);
    const known = (): void => {
      const now = this.state.nowMs();
      if (now >= b.knownUntilMs) b.refused.clear();
      b.knownUntilMs = Math.max(b.knownUntilMs, untilMs);
      b.blockedBy = Math.max(b.blockedBy, this.arrivals);
      b.answeredAtMs = now;
      const signature = signatureOf(req);
      if (signature) b.refused.add(signature);
    };
    if (req.answered) req.answered.push(known);
    else known();
  }

  enter(
    appId: string,
    tenantId: string,
    mailbox: string,
    path: string,
    req: ThrottledRequest = {},
  ): ThrottleDecision {
    const arrival = req.arrival ?? this.arrive();
    const now = this.state.nowMs();
    const key = `${appId}|${tenantId}|${mailbox}`;
    const b = this.bucket(key, now);
    const limits = this.state.settings.throttle;
    const at = new Date(now).toISOString();
    if (now < b.retryUntilMs) {
      // Refused either way; a violation only if it arrived after an answer that said "wait"
      // (within the grace, another request may have left before that answer was read).
      if (now < b.knownUntilMs && arrival > b.blockedBy) {
        const afterAnswerMs = now - b.answeredAtMs;
        const signature = signatureOf(req);
        const isRetry = signature !== undefined && b.refused.has(signature);
        const entry = {
          at,
          kind: 'beforeRetryAfter' as const,
          appId,
          tenantId,
          mailbox,
          path,
          afterAnswerMs,
        };
        if (isRetry || afterAnswerMs > limits.inFlightGraceMs) this.state.log.violation(entry);
        else this.state.log.overlap(entry);
      }
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
      this.holdUntil(b, windowEnd, req);
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
