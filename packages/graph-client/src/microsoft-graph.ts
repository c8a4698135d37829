import { Client, HTTPMessageHandler } from '@microsoft/microsoft-graph-client';

import { AppTokenProvider } from './app-token-provider';
import {
  runBatch,
  type BatchLimits,
  type BatchOptions,
  type BatchRequest,
  type BatchResult,
} from './batch';
import { GraphClient } from './client';
import {
  defaultSleep,
  NOOP_LOGGER,
  safeObserver,
  type GraphClientConfig,
  type GraphLogger,
  type GraphObserver,
} from './config';
import { DelegatedAuth } from './delegated-auth';
import { InProcessMailboxSlots, type MailboxSlots } from './mailbox-slots';
import { AuthMiddleware, MailboxConcurrencyMiddleware, RetryMiddleware } from './middleware';
import { OidcSignIn } from './oidc-sign-in';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry';
import { OpenIdConfigurationCache, resolveTenantId } from './tenant';

/** A GraphClient plus the $batch helper, bound to one token source. */
export class BoundGraphClient extends GraphClient {
  constructor(
    sdk: Client,
    graphBaseUrl: string,
    logger: GraphLogger,
    private readonly policy: RetryPolicy,
    private readonly sleep: (ms: number) => Promise<void>,
    private readonly batchLogger: GraphLogger,
    private readonly limits: BatchLimits,
    private readonly observer: GraphObserver,
  ) {
    super(sdk, graphBaseUrl, logger);
  }

  /**
   * `POST /$batch` in chunks of 20 with per-item retry (unless `retryItems: false`); each item
   * takes one of its mailbox's slots while the chunk is out. See {@link runBatch}.
   */
  batch(requests: readonly BatchRequest[], options: BatchOptions = {}): Promise<BatchResult[]> {
    const policy = options.retryItems === false ? { ...this.policy, maxRetries: 0 } : this.policy;
    return runBatch(
      this,
      requests,
      policy,
      this.sleep,
      this.batchLogger,
      this.limits,
      this.observer,
    );
  }
}

/**
 * Entry point: tokens, delegated OAuth and Graph clients for one app registration, configured for
 * Microsoft or the emulator. Create one per process and share it.
 */
export class MicrosoftGraph {
  /** App-only tokens per tenant. */
  readonly appTokens: AppTokenProvider;
  /** Per-user OAuth (auth code + PKCE, refresh, admin-consent URL). */
  readonly delegated: DelegatedAuth;
  /** OpenID Connect sign-in that proves who the user is (verified ID token, no Graph scope). */
  readonly signIn: OidcSignIn;
  private readonly logger: GraphLogger;
  private readonly policy: RetryPolicy;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly observer: GraphObserver;
  /** The per-mailbox budget every client of this graph shares (see {@link MailboxSlots}). */
  readonly mailboxSlots: MailboxSlots;

  constructor(private readonly config: GraphClientConfig) {
    const discovery = new OpenIdConfigurationCache(config.authorityHost);
    this.appTokens = new AppTokenProvider(config, discovery);
    this.delegated = new DelegatedAuth(config, discovery);
    this.signIn = new OidcSignIn(config, discovery);
    this.logger = config.logger ?? NOOP_LOGGER;
    this.policy = { ...DEFAULT_RETRY_POLICY, ...config.retry };
    this.sleep = config.sleep ?? defaultSleep;
    this.observer = safeObserver(config.observer);
    this.mailboxSlots =
      config.mailboxSlots ?? new InProcessMailboxSlots(config.maxConcurrentPerMailbox ?? 4);
  }

  /** Tenant GUID for a verified domain or GUID; unknown → IdentityError `tenant_not_found`. */
  resolveTenantId(domainOrGuid: string): Promise<string> {
    return resolveTenantId(this.config.authorityHost, domainOrGuid);
  }

  /** A client using the app's own (client-credentials) token in a tenant. */
  forTenant(tenantId: string): BoundGraphClient {
    return this.build(
      async () => (await this.appTokens.getToken(tenantId)).accessToken,
      `app:${this.config.clientId}|tenant:${tenantId.toLowerCase()}`,
    );
  }

  /**
   * A client using a delegated token. `ownerKey` identifies the user (e.g. `tid:oid`) so the
   * per-mailbox limit is shared by every client of that user.
   */
  forDelegatedToken(getAccessToken: () => Promise<string>, ownerKey: string): BoundGraphClient {
    return this.build(getAccessToken, `app:${this.config.clientId}|user:${ownerKey.toLowerCase()}`);
  }

  private build(getAccessToken: () => Promise<string>, limiterPrefix: string): BoundGraphClient {
    const sdk = Client.initWithMiddleware({
      middleware: [
        new AuthMiddleware(getAccessToken),
        new RetryMiddleware(this.policy, this.sleep, this.logger, this.observer),
        new MailboxConcurrencyMiddleware(this.mailboxSlots, limiterPrefix),
        new HTTPMessageHandler(),
      ],
      baseUrl: this.config.graphBaseUrl,
      defaultVersion: 'v1.0',
    });
    return new BoundGraphClient(
      sdk,
      this.config.graphBaseUrl,
      this.logger,
      this.policy,
      this.sleep,
      this.logger,
      { slots: this.mailboxSlots, keyPrefix: limiterPrefix },
      this.observer,
    );
  }
}
