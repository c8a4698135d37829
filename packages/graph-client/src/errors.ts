/** Codes Graph uses when a delta or sync token can no longer be used. */
const DELTA_EXPIRED_CODES = new Set(['syncstatenotfound', 'resyncrequired', 'syncstateinvalid']);
const NOT_FOUND_CODES = new Set([
  'Request_ResourceNotFound',
  'ResourceNotFound',
  'ErrorItemNotFound',
  'ErrorInvalidUser',
  'itemNotFound',
]);

/** What a failed Graph response carried. */
export interface GraphRequestErrorInit {
  readonly status: number;
  readonly code: string | null;
  readonly message: string;
  readonly innerCodes?: readonly string[];
  readonly requestId?: string | null;
  readonly clientRequestId?: string | null;
  readonly retryAfterMs?: number | null;
  readonly method: string;
  /** Path and query, without host; never contains credentials. */
  readonly path: string;
  /** The `Location` header (Graph puts the restart URL there on a directory 410). */
  readonly location?: string | null;
  readonly cause?: unknown;
}

/** A Graph call that ended with a non-success status (after the retries the policy allows). */
export class GraphRequestError extends Error {
  override readonly name: string = 'GraphRequestError';
  readonly status: number;
  /** `error.code` of the body, e.g. `ErrorAccessDenied`; null when the body had none. */
  readonly code: string | null;
  /** Codes of nested `innerError`s, outermost first. */
  readonly innerCodes: readonly string[];
  readonly requestId: string | null;
  readonly clientRequestId: string | null;
  /** Server-requested wait before retrying, when it sent Retry-After. */
  readonly retryAfterMs: number | null;
  readonly method: string;
  readonly path: string;
  readonly location: string | null;
  /** `error.message` of the body (for logs; never branch on it). */
  readonly graphMessage: string;

  constructor(init: GraphRequestErrorInit) {
    super(
      `Graph ${init.method} ${pathOnly(init.path)} failed: ${init.status} ${init.code ?? ''} ${init.message}`.trim(),
      {
        cause: init.cause,
      },
    );
    this.status = init.status;
    this.code = init.code;
    this.innerCodes = init.innerCodes ?? [];
    this.requestId = init.requestId ?? null;
    this.clientRequestId = init.clientRequestId ?? null;
    this.retryAfterMs = init.retryAfterMs ?? null;
    this.method = init.method;
    this.path = init.path;
    this.location = init.location ?? null;
    this.graphMessage = init.message;
  }

  /** 429, or a 503 that asked for a wait. */
  get isThrottled(): boolean {
    return this.status === 429 || (this.status === 503 && this.retryAfterMs !== null);
  }

  /**
   * 403 from the directory (`Authorization_RequestDenied`): the token lacks the role. On Outlook
   * paths a missing role shows as `ErrorAccessDenied`, indistinguishable from an access policy by
   * the response alone; compare with the token's roles (the mailbox probe does).
   */
  get isPermissionDenied(): boolean {
    return this.status === 403 && this.code === 'Authorization_RequestDenied';
  }

  /** 403 `ErrorAccessDenied` on a mailbox: outside the Exchange access policy / RBAC scope. */
  get isAccessPolicyDenied(): boolean {
    return this.status === 403 && this.code === 'ErrorAccessDenied';
  }

  /** 404 `MailboxNotEnabledForRESTAPI`: the user has no usable Exchange Online mailbox. */
  get isMailboxNotEnabled(): boolean {
    return this.code === 'MailboxNotEnabledForRESTAPI';
  }

  /** The user or item does not exist (directory or Outlook wording). */
  get isNotFound(): boolean {
    return (
      (this.status === 404 || this.status === 400) &&
      this.code !== null &&
      NOT_FOUND_CODES.has(this.code)
    );
  }

  /** The delta/sync token is dead: restart the round from the initial URL and reconcile. */
  get isDeltaExpired(): boolean {
    if (this.status === 410) return true;
    return [this.code, ...this.innerCodes].some(
      (c) => c !== null && DELTA_EXPIRED_CODES.has(c.toLowerCase()),
    );
  }

  /** 412: the If-Match etag no longer matches. */
  get isPreconditionFailed(): boolean {
    return this.status === 412;
  }

  /** Worth retrying later (throttling, a server-side hiccup, or no connection: status 0). */
  get isTransient(): boolean {
    return this.status === 0 || this.status === 429 || this.status >= 500;
  }
}

/** A delta round cannot continue; start again from the initial delta URL and reconcile. */
export class DeltaExpiredError extends GraphRequestError {
  override readonly name = 'DeltaExpiredError';

  constructor(from: GraphRequestError) {
    super({ ...from, message: from.graphMessage, cause: from });
  }
}

/** What a caller can do about an identity-platform failure. */
export type IdentityErrorKind =
  /** AADSTS700016/700011: the app has no service principal in the tenant (no admin consent yet). */
  | 'app_not_consented'
  /** AADSTS7000215/7000222/700027/700024/7000218/700025: the app's secret or certificate is wrong. */
  | 'invalid_client_credentials'
  /** AADSTS90002: no such tenant. */
  | 'tenant_not_found'
  /** AADSTS65001: the user or admin has not consented to the requested delegated scopes. */
  | 'consent_required'
  /** AADSTS65004 / access_denied on a consent redirect: the user or admin declined or cancelled. */
  | 'consent_declined'
  /** Refresh token expired or revoked, MFA or CA now required: the user must sign in again. */
  | 'interaction_required'
  /** Authorization code expired, reused, or PKCE verifier mismatch. */
  | 'invalid_authorization_code'
  /** Loop detection or tenant throttling: retry later. */
  | 'temporarily_unavailable'
  /** Token endpoint could not be reached. */
  | 'network'
  | 'unknown';

const AADSTS_KINDS: ReadonlyMap<number, IdentityErrorKind> = new Map<number, IdentityErrorKind>([
  [700016, 'app_not_consented'],
  [700011, 'app_not_consented'],
  [7000215, 'invalid_client_credentials'],
  [7000222, 'invalid_client_credentials'],
  [7000218, 'invalid_client_credentials'],
  [700027, 'invalid_client_credentials'],
  [700024, 'invalid_client_credentials'],
  [700025, 'invalid_client_credentials'],
  [700023, 'invalid_client_credentials'],
  [50012, 'invalid_client_credentials'],
  [90002, 'tenant_not_found'],
  [65001, 'consent_required'],
  [65004, 'consent_declined'],
  [700082, 'interaction_required'],
  [50173, 'interaction_required'],
  [70043, 'interaction_required'],
  [700084, 'interaction_required'],
  [50076, 'interaction_required'],
  [50079, 'interaction_required'],
  [53003, 'interaction_required'],
  [54005, 'invalid_authorization_code'],
  [70008, 'invalid_authorization_code'],
  [501481, 'invalid_authorization_code'],
  [700005, 'invalid_authorization_code'],
  [50196, 'temporarily_unavailable'],
  [90055, 'temporarily_unavailable'],
]);

/** What an identity failure carried. */
export interface IdentityErrorInit {
  /** OAuth `error`, e.g. `unauthorized_client`, or an MSAL error code. */
  readonly error: string;
  readonly description: string;
  /** First AADSTS number, from `error_codes` or the description. */
  readonly aadsts?: number | null;
  readonly subError?: string | null;
  readonly status?: number | null;
  readonly correlationId?: string | null;
  readonly traceId?: string | null;
  readonly cause?: unknown;
}

/** A failure of the Microsoft identity platform (token, discovery, consent). */
export class IdentityError extends Error {
  override readonly name = 'IdentityError';
  readonly error: string;
  readonly aadsts: number | null;
  readonly kind: IdentityErrorKind;
  readonly subError: string | null;
  readonly status: number | null;
  readonly correlationId: string | null;
  readonly traceId: string | null;

  constructor(init: IdentityErrorInit) {
    // Keep only the first line: the rest is trace/correlation noise.
    const firstLine = init.description.split(/\r?\n/)[0] ?? '';
    super(`${init.error}: ${firstLine}`, { cause: init.cause });
    this.error = init.error;
    this.aadsts = init.aadsts ?? parseAadsts(init.description);
    this.subError = init.subError ?? null;
    this.status = init.status ?? null;
    this.correlationId = init.correlationId ?? null;
    this.traceId = init.traceId ?? null;
    this.kind = classifyIdentityError(this.aadsts, this.error, this.subError);
  }

  /** The identity platform could not answer now (network, throttling, outage): try again later. */
  get isTransient(): boolean {
    return this.kind === 'network' || this.kind === 'temporarily_unavailable';
  }

  /** The delegated connection needs the user to sign in (and maybe consent) again. */
  get isReauthenticationRequired(): boolean {
    return this.kind === 'interaction_required' || this.kind === 'consent_required';
  }
}

/** The first `AADSTS<n>` in a text, or null. */
export function parseAadsts(text: string): number | null {
  const match = /AADSTS(\d+)/.exec(text);
  return match?.[1] ? Number(match[1]) : null;
}

function classifyIdentityError(
  aadsts: number | null,
  error: string,
  subError: string | null,
): IdentityErrorKind {
  const known = aadsts === null ? undefined : AADSTS_KINDS.get(aadsts);
  if (known) return known;
  if (error === 'invalid_tenant') return 'tenant_not_found';
  if (error === 'interaction_required' || error === 'login_required') return 'interaction_required';
  if (subError === 'consent_required' || error === 'consent_required') return 'consent_required';
  if (error === 'invalid_client') return 'invalid_client_credentials';
  if (error === 'temporarily_unavailable') return 'temporarily_unavailable';
  if (error === 'access_denied') return 'consent_declined';
  return 'unknown';
}

function pathOnly(path: string): string {
  const q = path.indexOf('?');
  return q === -1 ? path : path.slice(0, q);
}

/** True for a Graph error whose delta token is dead. */
export function isDeltaExpired(error: unknown): boolean {
  return error instanceof GraphRequestError && error.isDeltaExpired;
}

/** True for a Graph 429 (or 503 with Retry-After). */
export function isThrottled(error: unknown): boolean {
  return error instanceof GraphRequestError && error.isThrottled;
}

/** True for a directory 403 caused by a missing role. */
export function isPermissionDenied(error: unknown): boolean {
  return error instanceof GraphRequestError && error.isPermissionDenied;
}

/** True for a mailbox 403 caused by an Exchange access policy (or a missing Outlook role). */
export function isAccessPolicyDenied(error: unknown): boolean {
  return error instanceof GraphRequestError && error.isAccessPolicyDenied;
}

/** True for a 404 of a user without an Exchange Online mailbox. */
export function isMailboxNotEnabled(error: unknown): boolean {
  return error instanceof GraphRequestError && error.isMailboxNotEnabled;
}

/** True for a missing user or item. */
export function isNotFound(error: unknown): boolean {
  return error instanceof GraphRequestError && error.isNotFound;
}
