import { type ConfidentialClientApplication } from '@azure/msal-node';

import {
  GRAPH_DEFAULT_SCOPE,
  NOOP_LOGGER,
  safeObserver,
  type GraphClientConfig,
  type GraphObserver,
} from './config';
import { IdentityError } from './errors';
import { rolesOf } from './jwt';
import { createConfidentialClient, toIdentityError } from './msal';
import { OpenIdConfigurationCache } from './tenant';

/** An app-only access token for Microsoft Graph in one tenant. */
export interface AppToken {
  readonly accessToken: string;
  readonly expiresOn: Date | null;
  readonly tenantId: string;
  /** The `roles` claim: application permissions granted in this tenant (empty on partial consent). */
  readonly roles: readonly string[];
}

/** Options of {@link AppTokenProvider.getToken}. */
export interface GetAppTokenOptions {
  /** Skip MSAL's cache, e.g. right after admin consent so new roles show up. */
  readonly forceRefresh?: boolean;
}

/**
 * Client-credentials tokens, one MSAL confidential client per tenant, held in memory only.
 * MSAL reuses a token until shortly before expiry, which also keeps us clear of Entra's
 * loop detection (AADSTS50196). Tokens are never logged.
 */
export class AppTokenProvider {
  private readonly clients = new Map<string, Promise<ConfidentialClientApplication>>();
  private readonly discovery: OpenIdConfigurationCache;
  private readonly observer: GraphObserver;

  constructor(
    private readonly config: GraphClientConfig,
    discovery?: OpenIdConfigurationCache,
  ) {
    this.discovery = discovery ?? new OpenIdConfigurationCache(config.authorityHost);
    this.observer = safeObserver(config.observer);
  }

  /**
   * A Graph token for the tenant. Throws IdentityError: `app_not_consented` (AADSTS700016)
   * before admin consent, `tenant_not_found` (AADSTS90002), `invalid_client_credentials`, ...
   */
  async getToken(tenantId: string, options: GetAppTokenOptions = {}): Promise<AppToken> {
    const client = await this.clientFor(tenantId);
    try {
      const result = await client.acquireTokenByClientCredential({
        scopes: [GRAPH_DEFAULT_SCOPE],
        skipCache: options.forceRefresh === true,
      });
      if (!result?.accessToken) {
        throw new IdentityError({
          error: 'no_token',
          description: 'The token endpoint returned no access token',
        });
      }
      return {
        accessToken: result.accessToken,
        expiresOn: result.expiresOn ?? null,
        tenantId,
        roles: rolesOf(result.accessToken),
      };
    } catch (error) {
      const identityError = toIdentityError(error);
      this.observer.onTokenFailure({ flow: 'app', kind: identityError.kind });
      (this.config.logger ?? NOOP_LOGGER).warn('app token request failed', {
        tenantId,
        error: identityError.error,
        aadsts: identityError.aadsts,
        kind: identityError.kind,
      });
      throw identityError;
    }
  }

  /**
   * Application permissions granted in the tenant, read from a freshly issued token's `roles`
   * claim (fresh, because consent changes do not touch tokens already cached).
   */
  async grantedRoles(tenantId: string): Promise<string[]> {
    const token = await this.getToken(tenantId, { forceRefresh: true });
    return [...token.roles];
  }

  /** Drops the tenant's MSAL client and every token it cached (disconnect, credential change). */
  forget(tenantId: string): void {
    const key = tenantId.toLowerCase();
    const pending = this.clients.get(key);
    this.clients.delete(key);
    this.discovery.forget(tenantId);
    void pending?.then((client) => client.clearCache()).catch(() => undefined);
  }

  private clientFor(tenantId: string): Promise<ConfidentialClientApplication> {
    const key = tenantId.toLowerCase();
    let pending = this.clients.get(key);
    if (!pending) {
      pending = this.discovery
        .get(tenantId)
        .then((metadata) => createConfidentialClient(this.config, tenantId, metadata));
      this.clients.set(key, pending);
      void pending.catch(() => this.clients.delete(key));
    }
    return pending;
  }
}
