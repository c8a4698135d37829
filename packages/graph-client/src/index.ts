/**
 * @packageDocumentation
 * `@rox365/graph-client`: Microsoft identity platform + Microsoft Graph v1.0 for Rox, working the
 * same against Microsoft and the local emulator by configuration alone ({@link GraphClientConfig}).
 *
 * - {@link MicrosoftGraph}: the entry point. `appTokens` ({@link AppTokenProvider}: client
 *   credentials per tenant, in-memory MSAL cache, granted roles), `delegated`
 *   ({@link DelegatedAuth}: auth code + PKCE, refresh-token rotation exposed to the caller,
 *   admin-consent URL), `resolveTenantId`, `forTenant(tenantId)` / `forDelegatedToken(...)` →
 *   {@link BoundGraphClient}.
 * - {@link GraphClient}: requests through our middleware chain (auth → retry → per-mailbox limit →
 *   HTTP), `pages` / `listAll` following nextLinks verbatim, `deltaPages` / `deltaRound`
 *   ({@link DeltaExpiredError} on a dead token), `batch` (chunks of 20, per-item retry).
 * - Errors: {@link GraphRequestError} (status, code, request id, retryAfterMs and classifiers) and
 *   {@link IdentityError} (AADSTS number and a `kind` to branch on).
 * - Resources: directory (users delta), mailbox probe, calendar (calendarView delta, event
 *   writes with transactionId / If-Match), mail (folder delta, get, sendMail, drafts), attachment
 *   upload (one POST under 3 MB, an upload session with resumable ranges above).
 *
 * - Observer: {@link GraphObserver} hears of every Graph exchange (status, Retry-After) and every
 *   failed token request, so an app can count them without this package knowing how.
 *
 * Tokens live only in memory and are never logged. See docs/adr/0003-graph-client.md.
 */
export { type AppToken, AppTokenProvider, type GetAppTokenOptions } from './app-token-provider';
export {
  type BatchLimits,
  type BatchOptions,
  type BatchRequest,
  type BatchResult,
  chunkBatchRequests,
  MAX_BATCH_SIZE,
} from './batch';
export {
  type DeltaPage,
  type DeltaRound,
  GraphClient,
  type GraphMethod,
  type GraphPage,
  type GraphRequestOptions,
  type GraphResponse,
  mailboxKeyOf,
  type PagingOptions,
  type RemovedItem,
} from './client';
export {
  type AppCredential,
  type CertificateCredential,
  GRAPH_DEFAULT_SCOPE,
  type GraphClientConfig,
  type GraphExchange,
  type GraphLogger,
  type GraphObserver,
  type RetryOptions,
  type SecretCredential,
  type TokenFailure,
} from './config';
export {
  type AdminConsentUrlInput,
  type AuthorizeUrlInput,
  type CallbackResult,
  DelegatedAuth,
  type DelegatedTokens,
  parseCallback,
  type PkcePair,
  type RedeemCodeInput,
  type RefreshInput,
} from './delegated-auth';
export {
  DeltaExpiredError,
  GraphRequestError,
  IdentityError,
  type IdentityErrorKind,
  isAccessPolicyDenied,
  isDeltaExpired,
  isMailboxNotEnabled,
  isNotFound,
  isPermissionDenied,
  isThrottled,
} from './errors';
export { type AccessTokenClaims, decodeJwtPayload, rolesOf } from './jwt';
export { InProcessMailboxSlots, type MailboxLease, type MailboxSlots } from './mailbox-slots';
export { BoundGraphClient, MicrosoftGraph } from './microsoft-graph';
export { mailboxPauseMs, mailboxSlotKey } from './middleware';
export {
  canGrantApplicationPermissions,
  DIRECTORY_ROLE,
  type IdTokenProblem,
  IdTokenRejectedError,
  OidcSignIn,
  ROLES_THAT_GRANT_APP_PERMISSIONS,
  SIGN_IN_SCOPES,
  sha256Hex,
  type SignInUrlInput,
  type VerifiedIdToken,
} from './oidc-sign-in';
export {
  backoffDelayMs,
  DEFAULT_RETRY_POLICY,
  isRetryable,
  parseRetryAfter,
  type RetryPolicy,
} from './retry';
export * from './resources/applications';
export * from './resources/attachment-upload';
export * from './resources/calendar';
export * from './resources/directory';
export * from './resources/mail';
export * from './resources/mailbox-probe';
export * from './resources/subscriptions';
export { fetchOpenIdConfiguration, type OpenIdConfiguration, resolveTenantId } from './tenant';
export * from './types';
