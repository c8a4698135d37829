import {
  graphErrorFrom,
  mailboxKeyOf,
  withImmutableIdPreference,
  type GraphClient,
  type GraphMethod,
} from './client';
import { NOOP_OBSERVER, type GraphLogger, type GraphObserver } from './config';
import { type GraphRequestError } from './errors';
import { type MailboxLease, type MailboxSlots } from './mailbox-slots';
import { isThrottleStatus, mailboxPauseMs, mailboxSlotKey } from './middleware';
import { parseRetryAfter, type RetryPolicy } from './retry';

/** Graph caps a JSON batch at 20 requests. */
export const MAX_BATCH_SIZE = 20;

/** One request inside a $batch. */
export interface BatchRequest {
  /** Unique within the call (case-insensitive, as Graph compares them). */
  readonly id: string;
  readonly method: GraphMethod;
  /** Relative to the version root, e.g. `/users/{id}/events`. */
  readonly url: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: unknown;
  /** Ids of requests that must succeed first; they travel in the same chunk. */
  readonly dependsOn?: readonly string[];
}

/** Outcome of one batched request. */
export interface BatchResult {
  readonly id: string;
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: unknown;
  /** Set for non-2xx items (424 means a dependency failed). */
  readonly error: GraphRequestError | null;
  /** How many times the item was sent. */
  readonly attempts: number;
}

interface RawBatchResponse {
  readonly id: string;
  readonly status: number;
  readonly headers?: Record<string, string>;
  readonly body?: unknown;
}

/** Options of one `batch` call. */
export interface BatchOptions {
  /**
   * Send throttled or unavailable items (429/503/504) again after their Retry-After (default
   * true). False returns them as they came, e.g. when each item has a job of its own to fall
   * back to; a throttled item still pauses its mailbox.
   */
  readonly retryItems?: boolean;
}

/** The per-mailbox budget a batch's items are counted against. */
export interface BatchLimits {
  readonly slots: MailboxSlots;
  /** The client's key prefix (app + tenant, or app + delegated user). */
  readonly keyPrefix: string;
}

const RETRYABLE_ITEM_STATUSES = new Set([429, 503, 504]);

/**
 * Splits requests into chunks of at most 20, keeping every dependsOn chain inside one chunk.
 * Throws when a chain alone is bigger than a chunk or refers to an unknown id.
 */
export function chunkBatchRequests(requests: readonly BatchRequest[]): BatchRequest[][] {
  const byId = new Map<string, BatchRequest>();
  for (const r of requests) {
    const key = r.id.toLowerCase();
    if (byId.has(key)) throw new RangeError(`Duplicate batch request id ${r.id}`);
    byId.set(key, r);
  }
  // Union-find over dependsOn edges: each component must share a chunk.
  const parent = new Map<string, string>(
    requests.map((r) => [r.id.toLowerCase(), r.id.toLowerCase()]),
  );
  const find = (k: string): string => {
    let root = k;
    while (parent.get(root) !== root) root = parent.get(root) ?? root;
    parent.set(k, root);
    return root;
  };
  for (const r of requests) {
    for (const dep of r.dependsOn ?? []) {
      const depKey = dep.toLowerCase();
      if (!byId.has(depKey))
        throw new RangeError(`Batch request ${r.id} depends on unknown id ${dep}`);
      parent.set(find(r.id.toLowerCase()), find(depKey));
    }
  }
  const components = new Map<string, BatchRequest[]>();
  for (const r of requests) {
    const root = find(r.id.toLowerCase());
    const group = components.get(root) ?? [];
    group.push(r);
    components.set(root, group);
  }
  const chunks: BatchRequest[][] = [];
  let current: BatchRequest[] = [];
  for (const group of components.values()) {
    if (group.length > MAX_BATCH_SIZE) {
      throw new RangeError(
        `A dependsOn chain of ${group.length} requests exceeds the batch limit of ${MAX_BATCH_SIZE}`,
      );
    }
    if (current.length + group.length > MAX_BATCH_SIZE) {
      chunks.push(current);
      current = [];
    }
    current.push(...group);
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/**
 * Runs requests through `POST /$batch`, 20 at a time. Graph answers 200 even when items fail, so
 * each item's own status is inspected: throttled or unavailable items (429/503/504), and the
 * dependents that failed with 424 because of them, are sent again after the largest Retry-After
 * among them; everything else is returned as is, 424 included.
 */
export async function runBatch(
  client: GraphClient,
  requests: readonly BatchRequest[],
  policy: RetryPolicy,
  sleep: (ms: number) => Promise<void>,
  logger: GraphLogger,
  limits: BatchLimits | null = null,
  observer: GraphObserver = NOOP_OBSERVER,
): Promise<BatchResult[]> {
  const results = new Map<string, BatchResult>();
  const attempts = new Map<string, number>();
  for (const chunk of chunkBatchRequests(requests)) {
    let pending = chunk;
    for (let round = 0; pending.length > 0; round++) {
      const responses = await sendChunk(client, pending, limits, sleep);
      for (const r of pending) attempts.set(r.id, (attempts.get(r.id) ?? 0) + 1);
      const retryIds = new Set<string>();
      let waitMs = 0;
      for (const r of pending) {
        const raw = responses.get(r.id.toLowerCase());
        const headers = lowerCaseKeys(raw?.headers ?? {});
        const status = raw?.status ?? 500;
        observer.onExchange({
          kind: 'batch_item',
          method: r.method,
          status,
          retryAfterMs: parseRetryAfter(headers['retry-after']),
        });
        if (RETRYABLE_ITEM_STATUSES.has(status)) {
          retryIds.add(r.id);
          waitMs = Math.max(waitMs, parseRetryAfter(headers['retry-after']) ?? 0);
        }
        results.set(r.id, toResult(r, status, headers, raw?.body, attempts.get(r.id) ?? 1));
      }
      // A 424 whose dependency chain is being retried gets another chance along with it.
      let isGrowing = true;
      while (isGrowing) {
        isGrowing = false;
        for (const r of pending) {
          if (retryIds.has(r.id) || results.get(r.id)?.status !== 424) continue;
          if (
            (r.dependsOn ?? []).some((d) =>
              [...retryIds].some((id) => id.toLowerCase() === d.toLowerCase()),
            )
          ) {
            retryIds.add(r.id);
            isGrowing = true;
          }
        }
      }
      if (retryIds.size === 0 || round >= policy.maxRetries) break;
      if (waitMs > policy.maxRetryAfterMs) break;
      const delay =
        waitMs > 0 ? waitMs + 25 : Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** round);
      logger.debug('graph batch retry', { items: retryIds.size, waitMs: delay, round: round + 1 });
      await sleep(delay);
      pending = pending
        .filter((r) => retryIds.has(r.id))
        .map((r) => ({
          ...r,
          dependsOn: r.dependsOn?.filter((d) =>
            [...retryIds].some((id) => id.toLowerCase() === d.toLowerCase()),
          ),
        }));
    }
  }
  return requests.map(
    (r) => results.get(r.id) ?? toResult(r, 500, {}, undefined, attempts.get(r.id) ?? 0),
  );
}

/**
 * Graph may run up to 4 items of a batch against a mailbox at once, so while a chunk is out each
 * item holds one of its mailbox's slots (at most the limit per mailbox). Keys are taken in sorted
 * order, so two batches never wait on each other. A mailbox paused while the chunk waited for
 * another's slots sends the chunk back to waiting: it must not go out during the pause. A
 * throttled item pauses its mailbox; a mailbox whose items all answered settles.
 */
async function sendChunk(
  client: GraphClient,
  chunk: readonly BatchRequest[],
  limits: BatchLimits | null,
  sleep: (ms: number) => Promise<void>,
): Promise<Map<string, RawBatchResponse>> {
  if (!limits) return postChunk(client, chunk);
  const perMailbox = new Map<string, number>();
  const keyOfItem = new Map<string, string>();
  for (const r of chunk) {
    const mailbox = mailboxKeyOf(r.url);
    if (mailbox === null) continue;
    const key = mailboxSlotKey(limits.keyPrefix, mailbox);
    keyOfItem.set(r.id.toLowerCase(), key);
    perMailbox.set(key, (perMailbox.get(key) ?? 0) + 1);
  }
  const keys = [...perMailbox.keys()].sort();
  const leases = new Map<string, MailboxLease>();
  const unsettled = new Set(keys);
  try {
    for (;;) {
      for (const key of keys)
        leases.set(key, await limits.slots.acquire(key, perMailbox.get(key) ?? 1));
      if ((await longestPause(limits.slots, keys)) === 0) break;
      // Back to waiting: acquiring the paused mailbox's slots again waits out its pause.
      for (const lease of leases.values()) await lease.release();
      leases.clear();
    }
    // Checked again as the envelope goes out (and before each retry of it: 429/503 before any
    // item ran): another worker may have paused a mailbox while this one fetched its token.
    const waitOutPauses = async (): Promise<void> => {
      for (let ms = await longestPause(limits.slots, keys); ms > 0;) {
        await sleep(ms);
        ms = await longestPause(limits.slots, keys);
      }
    };
    const responses = await postChunk(client, chunk, waitOutPauses);
    const pauses = new Map<string, number>();
    const throttled = new Set<string>();
    for (const [id, raw] of responses) {
      const key = keyOfItem.get(id);
      if (!key) continue;
      if (isThrottleStatus(raw.status)) throttled.add(key);
      const pauseMs = mailboxPauseMs(raw.status, lowerCaseKeys(raw.headers ?? {})['retry-after']);
      if (pauseMs !== null) pauses.set(key, Math.max(pauses.get(key) ?? 0, pauseMs));
    }
    // All at once: every round trip before a pause is recorded is time another worker may
    // send to that mailbox.
    await Promise.all([...pauses].map(([key, ms]) => limits.slots.pause(key, ms)));
    for (const key of keys) if (!throttled.has(key)) unsettled.delete(key);
    return responses;
  } finally {
    for (const [key, lease] of leases)
      await lease.release(unsettled.has(key) ? undefined : 'settled');
  }
}

/** The longest pause among the keys, asked all at once: the answer is as fresh as it can be. */
async function longestPause(slots: MailboxSlots, keys: readonly string[]): Promise<number> {
  const pauses = await Promise.all(keys.map((key) => slots.pausedForMs(key)));
  return Math.max(0, ...pauses);
}

async function postChunk(
  client: GraphClient,
  chunk: readonly BatchRequest[],
  beforeSend?: () => Promise<void>,
): Promise<Map<string, RawBatchResponse>> {
  const payload = {
    requests: chunk.map((r) => {
      const headers = withImmutableIdPreference(r.url, r.headers);
      if (
        r.body !== undefined &&
        !Object.keys(headers).some((k) => k.toLowerCase() === 'content-type')
      ) {
        headers['Content-Type'] = 'application/json';
      }
      return {
        id: r.id,
        method: r.method,
        url: r.url.startsWith('/') ? r.url : `/${r.url}`,
        ...(Object.keys(headers).length > 0 ? { headers } : {}),
        ...(r.body !== undefined ? { body: r.body } : {}),
        ...(r.dependsOn && r.dependsOn.length > 0 ? { dependsOn: r.dependsOn } : {}),
      };
    }),
  };
  // The batch envelope itself only reads or writes what its items do; retrying the envelope on
  // 429/503 is safe because Graph rejected it before running any item.
  const response = await client.request<{ responses?: RawBatchResponse[] }>('/$batch', {
    method: 'POST',
    body: payload,
    ...(beforeSend ? { beforeSend } : {}),
  });
  const map = new Map<string, RawBatchResponse>();
  for (const item of response.body?.responses ?? []) map.set(String(item.id).toLowerCase(), item);
  return map;
}

function toResult(
  request: BatchRequest,
  status: number,
  headers: Record<string, string>,
  body: unknown,
  attempts: number,
): BatchResult {
  const isOk = status >= 200 && status < 300;
  return {
    id: request.id,
    status,
    headers,
    body: body ?? null,
    attempts,
    error: isOk
      ? null
      : graphErrorFrom({
          method: request.method,
          path: request.url,
          status,
          body: body ?? null,
          headers: { get: (name) => headers[name.toLowerCase()] ?? null },
        }),
  };
}

function lowerCaseKeys(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), String(v)]));
}
