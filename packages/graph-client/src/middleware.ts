import {
  type Context,
  type Middleware,
  type MiddlewareOptions,
} from '@microsoft/microsoft-graph-client';

import { type GraphLogger } from './config';
import {
  backoffDelayMs,
  isIdempotentMethod,
  isRetryable,
  parseRetryAfter,
  type RetryPolicy,
} from './retry';

/** Per-request settings our middlewares read, attached with GraphRequest.middlewareOptions. */
export class RequestSettings implements MiddlewareOptions {
  constructor(
    /** The exact URL to send: nextLinks and deltaLinks go out verbatim, not re-parsed by the SDK. */
    readonly url: string,
    /** The caller vouches that repeating the request is harmless (e.g. POST with transactionId). */
    readonly isIdempotent: boolean,
    /** Mailbox the request touches, for the per-mailbox concurrency limit; null if none. */
    readonly mailboxKey: string | null,
  ) {}

  /**
   * The error a middleware threw. The SDK wraps anything thrown in the chain into its own
   * GraphError (losing the type), so the GraphClient rethrows this original instead.
   */
  failure: Error | null = null;
}

function settingsOf(context: Context): RequestSettings | undefined {
  const option = context.middlewareControl?.getMiddlewareOptions(RequestSettings);
  return option instanceof RequestSettings ? option : undefined;
}

function responseOf(context: Context): Response | undefined {
  return context.response;
}

function setHeader(context: Context, name: string, value: string): void {
  const options = (context.options ??= {});
  const headers = options.headers;
  if (headers instanceof Headers) headers.set(name, value);
  else if (Array.isArray(headers)) headers.push([name, value]);
  else options.headers = { ...(headers as Record<string, string> | undefined), [name]: value };
}

abstract class ChainedMiddleware implements Middleware {
  private next: Middleware | undefined;

  setNext(next: Middleware): void {
    this.next = next;
  }

  protected async callNext(context: Context): Promise<void> {
    if (!this.next) throw new Error('Middleware chain ends without an HTTP handler');
    await this.next.execute(context);
  }

  abstract execute(context: Context): Promise<void>;
}

/**
 * Puts the verbatim URL in place and adds the bearer token. Unlike the SDK's
 * AuthenticationHandler it does not look at the host, so it works for the emulator as well; the
 * GraphClient only ever sends to its configured Graph origin.
 */
export class AuthMiddleware extends ChainedMiddleware {
  constructor(private readonly getAccessToken: () => Promise<string>) {
    super();
  }

  async execute(context: Context): Promise<void> {
    const settings = settingsOf(context);
    if (settings) context.request = settings.url;
    try {
      setHeader(context, 'Authorization', `Bearer ${await this.getAccessToken()}`);
      await this.callNext(context);
    } catch (error) {
      if (settings) settings.failure = error instanceof Error ? error : new Error(String(error));
      throw error;
    }
  }
}

const RETRY_AFTER_MARGIN_MS = 25;

/** Retries throttled and transient failures; see {@link isRetryable} and the ADR. */
export class RetryMiddleware extends ChainedMiddleware {
  constructor(
    private readonly policy: RetryPolicy,
    private readonly sleep: (ms: number) => Promise<void>,
    private readonly logger: GraphLogger,
  ) {
    super();
  }

  async execute(context: Context): Promise<void> {
    const method = (context.options?.method ?? 'GET').toUpperCase();
    const settings = settingsOf(context);
    const isIdempotent = settings?.isIdempotent === true || isIdempotentMethod(method);
    for (let attempt = 0; ; attempt++) {
      let failure: Error | null = null;
      context.response = undefined;
      try {
        await this.callNext(context);
      } catch (error) {
        failure = error instanceof Error ? error : new Error(String(error));
      }
      // Read through a function: TypeScript would keep the `undefined` narrowing from above.
      const response = responseOf(context);
      const status = failure === null && response ? response.status : null;
      if (attempt >= this.policy.maxRetries || !isRetryable(status, isIdempotent)) {
        if (failure !== null) throw failure;
        return;
      }
      const retryAfterMs = parseRetryAfter(response?.headers.get('retry-after'));
      if (retryAfterMs !== null && retryAfterMs > this.policy.maxRetryAfterMs) return;
      // A small margin on Retry-After: timers may fire a millisecond early, and a retry that
      // arrives before the deadline keeps Outlook's throttle engaged.
      const waitMs =
        retryAfterMs !== null
          ? retryAfterMs + RETRY_AFTER_MARGIN_MS
          : backoffDelayMs(attempt, this.policy);
      this.logger.debug('graph retry', { method, status, attempt: attempt + 1, waitMs });
      await response?.body?.cancel().catch(() => undefined);
      await this.sleep(waitMs);
    }
  }
}

/** Counting semaphore per key (app + mailbox). */
export class MailboxLimiter {
  private readonly active = new Map<string, { count: number; waiting: Array<() => void> }>();

  constructor(readonly maxConcurrent: number) {}

  async run<T>(key: string, task: () => Promise<T>): Promise<T> {
    await this.acquire(key);
    try {
      return await task();
    } finally {
      this.release(key);
    }
  }

  /** Requests currently in flight for a key (for diagnostics). */
  inFlight(key: string): number {
    return this.active.get(key)?.count ?? 0;
  }

  private acquire(key: string): Promise<void> {
    let slot = this.active.get(key);
    if (!slot) {
      slot = { count: 0, waiting: [] };
      this.active.set(key, slot);
    }
    if (slot.count < this.maxConcurrent) {
      slot.count++;
      return Promise.resolve();
    }
    const queue = slot.waiting;
    return new Promise((resolve) => queue.push(resolve));
  }

  private release(key: string): void {
    const slot = this.active.get(key);
    if (!slot) return;
    const next = slot.waiting.shift();
    // Hand the slot straight to the next waiter; the count stays the same.
    if (next) next();
    else if (--slot.count === 0) this.active.delete(key);
  }
}

const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

/**
 * Keeps at most N requests in flight per mailbox. The slot is held until the body has been read,
 * because Outlook counts a request as running until its response is complete.
 */
export class MailboxConcurrencyMiddleware extends ChainedMiddleware {
  constructor(
    private readonly limiter: MailboxLimiter,
    private readonly keyPrefix: string,
  ) {
    super();
  }

  async execute(context: Context): Promise<void> {
    const mailbox = settingsOf(context)?.mailboxKey;
    if (!mailbox) {
      await this.callNext(context);
      return;
    }
    await this.limiter.run(`${this.keyPrefix}|${mailbox}`, async () => {
      await this.callNext(context);
      const response = context.response;
      if (!response) return;
      const body = NULL_BODY_STATUSES.has(response.status) ? null : await response.arrayBuffer();
      context.response = new Response(body, {
        status: response.status,
        statusText: response.statusText,
        headers: response.headers,
      });
    });
  }
}
