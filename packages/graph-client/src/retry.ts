/** Statuses retried whatever the method: the server turned the request away unprocessed. */
const REJECTED_UNPROCESSED = new Set([429, 503]);
/** Statuses retried only for idempotent requests: the request may have been processed. */
const MAYBE_PROCESSED = new Set([500, 502, 504]);
const IDEMPOTENT_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);

/** Resolved retry settings. */
export interface RetryPolicy {
  readonly maxRetries: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  readonly maxRetryAfterMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxRetries: 4,
  baseDelayMs: 500,
  maxDelayMs: 30_000,
  maxRetryAfterMs: 60_000,
};

/**
 * Parses a Retry-After value: delay-seconds (Graph sends fractional ones such as `2.128`) or an
 * HTTP-date. Returns milliseconds (never negative), or null when absent or unparseable.
 */
export function parseRetryAfter(
  value: string | null | undefined,
  nowMs: number = Date.now(),
): number | null {
  if (value === null || value === undefined) return null;
  const trimmed = value.trim();
  if (trimmed.length === 0) return null;
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.ceil(Number(trimmed) * 1000);
  // An HTTP-date always names a weekday/month; this keeps '-1' and such from parsing as years.
  if (!/[a-z]/i.test(trimmed)) return null;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return null;
  return Math.max(0, date - nowMs);
}

/** Exponential backoff with full jitter: a random wait in [0, min(max, base * 2^attempt)]. */
export function backoffDelayMs(
  attempt: number,
  policy: RetryPolicy,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  return Math.round(random() * ceiling);
}

/** True for methods whose repetition cannot duplicate an effect. */
export function isIdempotentMethod(method: string): boolean {
  return IDEMPOTENT_METHODS.has(method.toUpperCase());
}

/**
 * Whether a response (or a network failure, status null) deserves another attempt. 4xx other
 * than 429 never does; 429 and 503 do; 500/502/504 and network failures only when repeating is
 * safe (idempotent method, or a request the caller marked idempotent such as an event create
 * with a transactionId). `retryUnavailable: false` takes 503 out for a request that must never
 * go twice unseen (sendMail, a draft's /send): the caller looks before repeating it.
 */
export function isRetryable(
  status: number | null,
  isIdempotent: boolean,
  retryUnavailable = true,
): boolean {
  if (status === null) return isIdempotent;
  if (status === 503 && !retryUnavailable) return false;
  if (REJECTED_UNPROCESSED.has(status)) return true;
  return isIdempotent && MAYBE_PROCESSED.has(status);
}
