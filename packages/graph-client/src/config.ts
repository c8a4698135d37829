import { type IdentityErrorKind } from './errors';
import { type MailboxSlots } from './mailbox-slots';

/** Structured log sink. Messages and fields never contain tokens or secrets. */
export interface GraphLogger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** One HTTP exchange with Graph, as the observer sees it: no URL, token or body. */
export interface GraphExchange {
  /** `request`: one attempt of a request (every retry is its own); `batch_item`: one item of a `$batch` answer. */
  readonly kind: 'request' | 'batch_item';
  readonly method: string;
  /** The HTTP status; null when no response came (network failure, connection reset). */
  readonly status: number | null;
  /** The answer's Retry-After in milliseconds, when it carried one. */
  readonly retryAfterMs: number | null;
}

/** A failed token request to the Microsoft identity platform. */
export interface TokenFailure {
  /** `app`: client credentials; `delegated`: an authorization code or refresh token redeemed. */
  readonly flow: 'app' | 'delegated';
  readonly kind: IdentityErrorKind;
}

/**
 * Told about every Graph exchange and every failed token request, e.g. to count them as metrics.
 * Called synchronously on the request path: keep it cheap; anything it throws is ignored.
 */
export interface GraphObserver {
  onExchange(exchange: GraphExchange): void;
  onTokenFailure(failure: TokenFailure): void;
}

/** The app's client secret. */
export interface SecretCredential {
  readonly kind: 'secret';
  readonly secret: string;
}

/** The app's certificate: MSAL signs a client assertion (RS256, `x5t` header) with the key. */
export interface CertificateCredential {
  readonly kind: 'certificate';
  readonly certificatePem: string;
  readonly privateKeyPem: string;
  /** Hex SHA-1 thumbprint of the certificate, as Entra shows it. */
  readonly thumbprintSha1: string;
}

/** How the app proves its identity to the token endpoint. */
export type AppCredential = SecretCredential | CertificateCredential;

/** Retry policy of the Graph middleware. */
export interface RetryOptions {
  /** Retries after the first attempt. Default 4. */
  readonly maxRetries?: number;
  /** First backoff step when the server gives no Retry-After. Default 500 ms. */
  readonly baseDelayMs?: number;
  /** Cap of one backoff step. Default 30 s. */
  readonly maxDelayMs?: number;
  /**
   * Longest Retry-After the client waits for in-process. A longer one surfaces as a
   * GraphRequestError with `retryAfterMs` so a queue can reschedule the job. Default 60 s.
   */
  readonly maxRetryAfterMs?: number;
}

/**
 * Everything the package needs. The same code talks to Microsoft or to the local emulator
 * depending only on these values; TLS trust for the emulator comes from NODE_EXTRA_CA_CERTS.
 */
export interface GraphClientConfig {
  /** `https://login.microsoftonline.com` or the emulator's base URL. No trailing path. */
  readonly authorityHost: string;
  /** `https://graph.microsoft.com` or the emulator's base URL (the client appends `/v1.0`). */
  readonly graphBaseUrl: string;
  /** Application (client) id of the multi-tenant app registration. */
  readonly clientId: string;
  readonly credential: AppCredential;
  readonly logger?: GraphLogger;
  /** Sees every Graph exchange and failed token request (metrics); default: nobody. */
  readonly observer?: GraphObserver;
  readonly retry?: RetryOptions;
  /**
   * Concurrent requests per app + mailbox (Outlook allows 4) for the default in-process slots.
   * Default 4. Ignored when `mailboxSlots` is given.
   */
  readonly maxConcurrentPerMailbox?: number;
  /**
   * Where the per-mailbox budget is kept. Default: in this process only. Pass a shared one
   * (e.g. Redis-backed) when several processes call Graph for the same mailboxes.
   */
  readonly mailboxSlots?: MailboxSlots;
  /** Replaceable for tests that record waits instead of sleeping; defaults to setTimeout. */
  readonly sleep?: (ms: number) => Promise<void>;
}

/** The resource every token in this package is for; also right for the emulator. */
export const GRAPH_DEFAULT_SCOPE = 'https://graph.microsoft.com/.default';

export const NOOP_LOGGER: GraphLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

export const NOOP_OBSERVER: GraphObserver = {
  onExchange: () => undefined,
  onTokenFailure: () => undefined,
};

/** Wraps an observer so that nothing it throws reaches a Graph request. */
export function safeObserver(observer: GraphObserver | undefined): GraphObserver {
  if (!observer) return NOOP_OBSERVER;
  return {
    onExchange: (exchange) => {
      try {
        observer.onExchange(exchange);
      } catch {
        // An observer's failure must never fail or slow the request it watches.
      }
    },
    onTokenFailure: (failure) => {
      try {
        observer.onTokenFailure(failure);
      } catch {
        // As above.
      }
    },
  };
}

export function defaultSleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function trimTrailingSlash(url: string): string {
  return url.replace(/\/+$/, '');
}
