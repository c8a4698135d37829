import {
  type Context,
  type Middleware,
  type MiddlewareOptions,
} from '@microsoft/microsoft-graph-client';

import { type GraphLogger, type GraphObserver } from './config';
import { type MailboxSlots } from './mailbox-slots';
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
    /** Runs just before each attempt goes out (see GraphRequestOptions.beforeSend). */
    readonly beforeSend: (() => Promise<void>) | null = null,
    /** False: a 503 is not retried here (see GraphRequestOptions.retryUnavailable). */
    readonly retryUnavailable: boolean = true,
    /** True: one attempt (see GraphRequestOptions.noRetry). */
    readonly noRetry: boolean = false,
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

export const RETRY_AFTER_MARGIN_MS = 25;

/**
 * Retries throttled and transient failures; see {@link isRetryable} and the ADR. Every attempt
 * ends here, so this is where the observer hears of each exchange.
 */
export class RetryMiddleware extends ChainedMiddleware {
  constructor(
    private readonly policy: RetryPolicy,
    private readonly sleep: (ms: number) => Promise<void>,
    private readonly logger: GraphLogger,
    private readonly observer: GraphObserver,
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
      const retryAfterMs =
        status === null ? null : parseRetryAfter(response?.headers.get('retry-after'));
      this.observer.onExchange({ kind: 'request', method, status, retryAfterMs });
      const retryUnavailable = settings?.retryUnavailable ?? true;
      const maxRetries = settings?.noRetry === true ? 0 : this.policy.maxRetries;
      if (attempt >= maxRetries || !isRetryable(status, isIdempotent, retryUnavailable)) {
        if (failure !== null) throw failure;
        return;
      }
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

const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

/**
 * Keeps at most N requests in flight per mailbox, through the {@link MailboxSlots} the graph was
 * configured with (one process, or shared by every worker). The slot is held until the body has
 * been read, because Outlook counts a request as running until its response is complete. A
 * throttled answer with Retry-After pauses the mailbox before the slot is given back, so no other
 * request to it (from this client or any other sharing the slots) goes out early.
 */
export class MailboxConcurrencyMiddleware extends ChainedMiddleware {
  constructor(
    private readonly slots: MailboxSlots,
    private readonly keyPrefix: string,
  ) {
    super();
  }

  async execute(context: Context): Promise<void> {
    const settings = settingsOf(context);
    const mailbox = settings?.mailboxKey;
    // Last in the chain before the wire, after the token, any retry wait and the mailbox's slot:
    // the latest moment a caller can still hold the request back, and the first at which it
    // may go out (a slot Redis failed to give means it did not).
    if (!mailbox) {
      await settings?.beforeSend?.();
      await this.callNext(context);
      return;
    }
    const key = mailboxSlotKey(this.keyPrefix, mailbox);
    const lease = await this.slots.acquire(key, 1);
    let settled = false;
    try {
      await settings?.beforeSend?.();
      await this.callNext(context);
      const response = context.response;
      if (!response) return;
      // Pause as soon as the headers say so, before the body: requests elsewhere must not go out.
      const pauseMs = mailboxPauseMs(response.status, response.headers.get('retry-after'));
      if (pauseMs !== null) await this.slots.pause(key, pauseMs);
      const body = NULL_BODY_STATUSES.has(response.status) ? null : await response.arrayBuffer();
      context.response = new Response(body, {
        status: response.status,
        statusText: response.statusText,
        headers: response.headers,
      });
      settled = !isThrottleStatus(response.status);
    } finally {
      await lease.release(settled ? 'settled' : undefined);
    }
  }
}

/** The slots key of a mailbox for one token source (app + tenant, or one delegated user). */
export function mailboxSlotKey(keyPrefix: string, mailbox: string): string {
  return `${keyPrefix}|${mailbox}`;
}

/** 429 and 503: the answers that say the mailbox (or the service behind it) wants less. */
export function isThrottleStatus(status: number): boolean {
  return status === 429 || status === 503;
}

/** How long a throttled answer (429/503 with Retry-After) holds back its mailbox, else null. */
export function mailboxPauseMs(
  status: number,
  retryAfter: string | null | undefined,
): number | null {
  if (!isThrottleStatus(status)) return null;
  const ms = parseRetryAfter(retryAfter);
  return ms === null || ms <= 0 ? null : ms + RETRY_AFTER_MARGIN_MS;
}
