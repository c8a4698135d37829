import { createHash, randomBytes } from 'node:crypto';

import { type AuthenticationResult, type ConfidentialClientApplication } from '@azure/msal-node';

import {
  GRAPH_DEFAULT_SCOPE,
  NOOP_LOGGER,
  safeObserver,
  trimTrailingSlash,
  type GraphClientConfig,
  type GraphObserver,
} from './config';
import { IdentityError } from './errors';
import { createConfidentialClient, toIdentityError } from './msal';
import { OpenIdConfigurationCache } from './tenant';

/** A PKCE verifier and its S256 challenge. */
export interface PkcePair {
  readonly codeVerifier: string;
  readonly codeChallenge: string;
  readonly codeChallengeMethod: 'S256';
}

/** Input of {@link DelegatedAuth.authorizeUrl}. */
export interface AuthorizeUrlInput {
  /** Tenant GUID or domain, or `organizations` for any work account. */
  readonly tenant: string;
  readonly scopes: readonly string[];
  readonly redirectUri: string;
  readonly state: string;
  readonly codeChallenge: string;
  readonly prompt?: 'login' | 'none' | 'consent' | 'select_account';
  readonly loginHint?: string;
  /** OIDC nonce echoed in the ID token; keep its hash and check it with OidcSignIn.verify. */
  readonly nonce?: string;
}

/** Input of {@link DelegatedAuth.redeemCode}. */
export interface RedeemCodeInput {
  readonly tenant: string;
  readonly code: string;
  readonly codeVerifier: string;
  readonly redirectUri: string;
  readonly scopes: readonly string[];
  /** The nonce sent with the authorize request; MSAL refuses an ID token whose nonce differs. */
  readonly nonce?: string;
}

/** Input of {@link DelegatedAuth.refresh}. */
export interface RefreshInput {
  readonly tenant: string;
  readonly refreshToken: string;
  readonly scopes: readonly string[];
}

/** Input of {@link DelegatedAuth.adminConsentUrl}. */
export interface AdminConsentUrlInput {
  /** Tenant GUID or domain (or `organizations`); not `common`. */
  readonly tenant: string;
  readonly redirectUri: string;
  readonly state: string;
}

/** What came back on the redirect URI after admin consent or sign-in. */
export type CallbackResult =
  | {
      readonly ok: true;
      readonly state: string | null;
      /** Admin consent: the tenant GUID (not to be trusted until a token for it is obtained). */
      readonly tenant: string | null;
      /** Sign-in: the authorization code to redeem. */
      readonly code: string | null;
      /** Admin consent (v2): the permissions consented to. */
      readonly scope: string | null;
    }
  | {
      readonly ok: false;
      readonly state: string | null;
      /** `access_denied` with sub-error `cancel` when the user pressed Cancel. */
      readonly error: IdentityError;
      readonly isCancelled: boolean;
    };

/**
 * Parses the query of the redirect back from `/adminconsent` or `/authorize`. Entra reports
 * failures there (`error`, `error_description` with an AADSTS number, `error_subcode=cancel`).
 */
export function parseCallback(
  query: URLSearchParams | Readonly<Record<string, string | undefined>>,
): CallbackResult {
  const params =
    query instanceof URLSearchParams
      ? query
      : new URLSearchParams(
          Object.entries(query).filter(
            (entry): entry is [string, string] => entry[1] !== undefined,
          ),
        );
  const state = params.get('state');
  const error = params.get('error');
  if (error) {
    const subError = params.get('error_subcode');
    return {
      ok: false,
      state,
      error: new IdentityError({
        error,
        description: params.get('error_description') ?? error,
        subError,
      }),
      isCancelled: subError === 'cancel',
    };
  }
  return {
    ok: true,
    state,
    tenant: params.get('tenant'),
    code: params.get('code'),
    scope: params.get('scope'),
  };
}

/** Tokens of a delegated sign-in. The caller encrypts and stores `refreshToken`; nothing else keeps it. */
export interface DelegatedTokens {
  readonly accessToken: string;
  readonly expiresOn: Date | null;
  /** The refresh token issued with this response (rotated on every refresh); null without offline_access. */
  readonly refreshToken: string | null;
  /** Granted scopes as Entra reported them. */
  readonly scopes: readonly string[];
  /** Directory object id of the user (`oid`), the key for the user in their tenant. */
  readonly userId: string | null;
  readonly tenantId: string | null;
  readonly username: string | null;
  readonly name: string | null;
  /** The raw ID token (unverified here: verify it with OidcSignIn.verify before trusting a claim). */
  readonly idToken: string | null;
}

/**
 * Delegated (per-user) OAuth: auth code + PKCE, refresh with rotation, and the admin-consent URL.
 *
 * MSAL keeps refresh tokens inside its cache and never returns them. Each redeem/refresh runs on a
 * throwaway MSAL client with an empty in-memory cache; afterwards the cache is serialized and the
 * single refresh token is read out and returned, and the client is dropped. So nothing is shared
 * between users and no token outlives the call in this process.
 */
export class DelegatedAuth {
  private readonly discovery: OpenIdConfigurationCache;
  private readonly observer: GraphObserver;

  constructor(
    private readonly config: GraphClientConfig,
    discovery?: OpenIdConfigurationCache,
  ) {
    this.discovery = discovery ?? new OpenIdConfigurationCache(config.authorityHost);
    this.observer = safeObserver(config.observer);
  }

  /** A fresh PKCE pair (43-character verifier, S256 challenge). */
  static createPkce(): PkcePair {
    const codeVerifier = randomBytes(32).toString('base64url');
    const codeChallenge = createHash('sha256').update(codeVerifier).digest('base64url');
    return { codeVerifier, codeChallenge, codeChallengeMethod: 'S256' };
  }

  /** The `/oauth2/v2.0/authorize` URL to send the user's browser to. */
  authorizeUrl(input: AuthorizeUrlInput): string {
    const params = new URLSearchParams({
      client_id: this.config.clientId,
      response_type: 'code',
      redirect_uri: input.redirectUri,
      response_mode: 'query',
      scope: input.scopes.join(' '),
      state: input.state,
      code_challenge: input.codeChallenge,
      code_challenge_method: 'S256',
    });
    if (input.prompt) params.set('prompt', input.prompt);
    if (input.loginHint) params.set('login_hint', input.loginHint);
    if (input.nonce) params.set('nonce', input.nonce);
    return `${this.tenantBase(input.tenant)}/oauth2/v2.0/authorize?${params.toString()}`;
  }

  /** The v2 admin-consent URL granting every permission configured on the app registration. */
  adminConsentUrl(input: AdminConsentUrlInput): string {
    const params = new URLSearchParams({
      client_id: this.config.clientId,
      scope: GRAPH_DEFAULT_SCOPE,
      redirect_uri: input.redirectUri,
      state: input.state,
    });
    return `${this.tenantBase(input.tenant)}/v2.0/adminconsent?${params.toString()}`;
  }

  /** Redeems an authorization code (with the PKCE verifier). */
  async redeemCode(input: RedeemCodeInput): Promise<DelegatedTokens> {
    return this.withThrowawayClient(input.tenant, (client) =>
      client.acquireTokenByCode({
        code: input.code,
        codeVerifier: input.codeVerifier,
        redirectUri: input.redirectUri,
        scopes: [...input.scopes],
        ...(input.nonce ? { nonce: input.nonce } : {}),
      }),
    );
  }

  /**
   * Redeems a refresh token. Entra rotates refresh tokens: store the returned `refreshToken`
   * in place of the old one. `interaction_required` / `consent_required` IdentityErrors mean the
   * user must connect again; do not retry them.
   */
  async refresh(input: RefreshInput): Promise<DelegatedTokens> {
    return this.withThrowawayClient(input.tenant, (client) =>
      client.acquireTokenByRefreshToken({
        refreshToken: input.refreshToken,
        scopes: [...input.scopes],
        forceCache: true,
      }),
    );
  }

  private async withThrowawayClient(
    tenant: string,
    call: (client: ConfidentialClientApplication) => Promise<AuthenticationResult | null>,
  ): Promise<DelegatedTokens> {
    try {
      const metadata = await this.discovery.get(tenant);
      const client = createConfidentialClient(this.config, tenant, metadata);
      const result = await call(client);
      if (!result?.accessToken) {
        throw new IdentityError({
          error: 'no_token',
          description: 'The token endpoint returned no access token',
        });
      }
      const refreshToken = readRefreshToken(client.getTokenCache().serialize());
      const claims = result.idTokenClaims as Record<string, unknown> | undefined;
      return {
        accessToken: result.accessToken,
        expiresOn: result.expiresOn ?? null,
        refreshToken,
        scopes: result.scopes,
        userId: stringOrNull(claims?.oid) ?? stringOrNull(result.uniqueId),
        tenantId: stringOrNull(claims?.tid) ?? stringOrNull(result.tenantId),
        username:
          stringOrNull(claims?.preferred_username) ?? stringOrNull(result.account?.username),
        name: stringOrNull(claims?.name),
        idToken: stringOrNull(result.idToken),
      };
    } catch (error) {
      const identityError = toIdentityError(error);
      this.observer.onTokenFailure({ flow: 'delegated', kind: identityError.kind });
      (this.config.logger ?? NOOP_LOGGER).warn('delegated token request failed', {
        tenant,
        error: identityError.error,
        aadsts: identityError.aadsts,
        kind: identityError.kind,
      });
      throw identityError;
    }
  }

  private tenantBase(tenant: string): string {
    return `${trimTrailingSlash(this.config.authorityHost)}/${encodeURIComponent(tenant)}`;
  }
}

// MSAL's serialized cache: { RefreshToken: { <key>: { secret, ... } }, ... }.
function readRefreshToken(serializedCache: string): string | null {
  const cache = JSON.parse(serializedCache) as {
    RefreshToken?: Record<string, { secret?: unknown }>;
  };
  const secrets = Object.values(cache.RefreshToken ?? {})
    .map((entry) => entry.secret)
    .filter((secret): secret is string => typeof secret === 'string' && secret.length > 0);
  return secrets[0] ?? null;
}

function stringOrNull(value: unknown): string | null {
  return typeof value === 'string' && value.length > 0 ? value : null;
}
