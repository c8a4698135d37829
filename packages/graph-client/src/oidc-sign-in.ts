import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';

import {
  createRemoteJWKSet,
  importPKCS8,
  errors as joseErrors,
  jwtVerify,
  SignJWT,
  type JWTPayload,
} from 'jose';

import { trimTrailingSlash, type GraphClientConfig } from './config';
import { IdentityError } from './errors';
import { OpenIdConfigurationCache } from './tenant';

/** The scopes of a sign-in that only proves who the user is: no Graph permission at all. */
export const SIGN_IN_SCOPES = ['openid', 'profile'] as const;

/** Directory role template ids (the `wids` claim) that matter to Rox. */
export const DIRECTORY_ROLE = {
  globalAdministrator: '62e90394-69f5-4237-9190-012177145e10',
  privilegedRoleAdministrator: 'e8611ab8-c189-46e8-94e1-60213ab1f814',
  cloudApplicationAdministrator: '158c047a-c907-4556-b7ef-446551a6b5f7',
  applicationAdministrator: '9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3',
} as const;

/**
 * Roles that may grant Microsoft Graph application permissions tenant-wide. Cloud Application and
 * Application Administrators may consent to delegated permissions only.
 */
export const ROLES_THAT_GRANT_APP_PERMISSIONS: readonly string[] = [
  DIRECTORY_ROLE.globalAdministrator,
  DIRECTORY_ROLE.privilegedRoleAdministrator,
];

/** Input of {@link OidcSignIn.authorizeUrl}. */
export interface SignInUrlInput {
  /** The tenant GUID or verified domain the user must belong to. */
  readonly tenant: string;
  readonly redirectUri: string;
  readonly state: string;
  readonly nonce: string;
  readonly codeChallenge: string;
  readonly loginHint?: string;
}

/** The claims of a verified ID token that Rox decides on. */
export interface VerifiedIdToken {
  readonly tenantId: string;
  /** Object id of the user in `tenantId`. */
  readonly userId: string;
  readonly username: string | null;
  readonly name: string | null;
  /** Directory role template ids (`wids`); empty when the token carries none. */
  readonly roleTemplateIds: readonly string[];
  /** A guest (B2B) account in this tenant: `acct` = 1, or an `idp` other than the issuer. */
  readonly isGuest: boolean;
}

/** Why an ID token was refused; one code per check so callers and audits can tell them apart. */
export type IdTokenProblem =
  | 'malformed'
  | 'signature'
  | 'issuer'
  | 'audience'
  | 'expired'
  | 'not_yet_valid'
  | 'nonce'
  | 'tenant';

/** An ID token that failed verification. */
export class IdTokenRejectedError extends Error {
  override readonly name = 'IdTokenRejectedError';

  constructor(
    readonly problem: IdTokenProblem,
    detail: string,
  ) {
    super(`ID token rejected (${problem}): ${detail}`);
  }
}

// Microsoft's guidance allows some clock skew between the identity platform and the client.
const CLOCK_TOLERANCE_SECONDS = 120;
// A client assertion is used once, right away.
const CLIENT_ASSERTION_LIFETIME_SECONDS = 300;

/**
 * An OpenID Connect sign-in (authorization code + PKCE + nonce) whose only product is a verified
 * ID token. It proves who the user is and which directory roles they hold, signed by Microsoft.
 *
 * The code is redeemed with a plain token request rather than MSAL: MSAL always adds
 * `offline_access` (a refresh token this sign-in must not ask for) and does not check ID token
 * signatures, which is the whole point here. Signatures are checked with `jose` against the
 * keys the tenant's discovery document publishes.
 */
export class OidcSignIn {
  private readonly discovery: OpenIdConfigurationCache;
  private readonly keySets = new Map<string, ReturnType<typeof createRemoteJWKSet>>();
  private signingKey: ReturnType<typeof importPKCS8> | null = null;

  constructor(
    private readonly config: GraphClientConfig,
    discovery?: OpenIdConfigurationCache,
  ) {
    this.discovery = discovery ?? new OpenIdConfigurationCache(config.authorityHost);
  }

  /** The `/oauth2/v2.0/authorize` URL: scopes `openid profile`, and an account picker. */
  authorizeUrl(input: SignInUrlInput): string {
    const params = new URLSearchParams({
      client_id: this.config.clientId,
      response_type: 'code',
      redirect_uri: input.redirectUri,
      response_mode: 'query',
      scope: SIGN_IN_SCOPES.join(' '),
      state: input.state,
      nonce: input.nonce,
      code_challenge: input.codeChallenge,
      code_challenge_method: 'S256',
      prompt: 'select_account',
    });
    if (input.loginHint) params.set('login_hint', input.loginHint);
    const base = `${trimTrailingSlash(this.config.authorityHost)}/${encodeURIComponent(input.tenant)}`;
    return `${base}/oauth2/v2.0/authorize?${params.toString()}`;
  }

  /**
   * Redeems the code at the tenant's token endpoint and verifies the ID token it returns:
   * signature (the tenant's JWKS), issuer, audience (our client id), lifetime, nonce and tenant.
   * Identity platform failures throw IdentityError; a token that fails a check throws
   * IdTokenRejectedError.
   */
  async complete(input: {
    readonly tenantId: string;
    readonly code: string;
    readonly codeVerifier: string;
    readonly redirectUri: string;
    /** Hex SHA-256 of the nonce sent with the sign-in (callers keep only the hash). */
    readonly nonceSha256: string;
  }): Promise<VerifiedIdToken> {
    const idToken = await this.redeem(input);
    return this.verify(idToken, { tenantId: input.tenantId, nonceSha256: input.nonceSha256 });
  }

  /** Verifies an ID token issued to this app for a user of `tenantId`. */
  async verify(
    idToken: string,
    expected: { readonly tenantId: string; readonly nonceSha256: string },
  ): Promise<VerifiedIdToken> {
    const document = await this.discovery.get(expected.tenantId);
    if (!document.jwks_uri) {
      throw new IdentityError({
        error: 'invalid_discovery_document',
        description: 'The discovery document names no jwks_uri',
      });
    }
    // Multi-tenant documents say {tenantid}; a tenant's own document names it already.
    const issuer = document.issuer.replace('{tenantid}', expected.tenantId.toLowerCase());
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(idToken, this.keySet(document.jwks_uri), {
        algorithms: ['RS256'],
        audience: this.config.clientId,
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        requiredClaims: ['iss', 'aud', 'exp', 'iat', 'tid', 'oid', 'nonce'],
      }));
    } catch (error) {
      throw rejection(error);
    }
    const tenantId = stringClaim(payload.tid)?.toLowerCase() ?? '';
    if (payload.iss !== issuer && payload.iss !== issuerOf(document.issuer, tenantId)) {
      throw new IdTokenRejectedError('issuer', `unexpected issuer ${String(payload.iss)}`);
    }
    if (tenantId !== expected.tenantId.toLowerCase()) {
      throw new IdTokenRejectedError('tenant', `token for tenant ${tenantId}`);
    }
    if (!sha256Matches(stringClaim(payload.nonce), expected.nonceSha256)) {
      throw new IdTokenRejectedError('nonce', 'nonce does not match the sign-in request');
    }
    const userId = stringClaim(payload.oid);
    if (!userId) throw new IdTokenRejectedError('malformed', 'no oid claim');
    const wids = Array.isArray(payload.wids)
      ? payload.wids.filter((w): w is string => typeof w === 'string').map((w) => w.toLowerCase())
      : [];
    const idp = stringClaim(payload.idp);
    return {
      tenantId,
      userId: userId.toLowerCase(),
      username: stringClaim(payload.preferred_username),
      name: stringClaim(payload.name),
      roleTemplateIds: wids,
      isGuest: payload.acct === 1 || (idp !== null && !sameIssuerTenant(idp, tenantId)),
    };
  }

  private async redeem(input: {
    readonly tenantId: string;
    readonly code: string;
    readonly codeVerifier: string;
    readonly redirectUri: string;
  }): Promise<string> {
    const document = await this.discovery.get(input.tenantId);
    const body = new URLSearchParams({
      client_id: this.config.clientId,
      grant_type: 'authorization_code',
      code: input.code,
      redirect_uri: input.redirectUri,
      code_verifier: input.codeVerifier,
      scope: SIGN_IN_SCOPES.join(' '),
    });
    const credential = this.config.credential;
    if (credential.kind === 'secret') {
      body.set('client_secret', credential.secret);
    } else {
      body.set('client_assertion_type', 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
      body.set('client_assertion', await this.clientAssertion(document.token_endpoint));
    }
    let response: Response;
    try {
      response = await fetch(document.token_endpoint, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
        },
        body,
      });
    } catch (cause) {
      throw new IdentityError({
        error: 'network',
        description: 'Token endpoint unreachable',
        cause,
      });
    }
    const json = (await response.json().catch(() => null)) as Record<string, unknown> | null;
    if (!response.ok || !json) {
      const codes = Array.isArray(json?.error_codes) ? (json.error_codes as unknown[]) : [];
      throw new IdentityError({
        error: typeof json?.error === 'string' ? json.error : `http_${response.status}`,
        description:
          typeof json?.error_description === 'string'
            ? json.error_description
            : `Token endpoint answered ${response.status}`,
        aadsts: typeof codes[0] === 'number' ? codes[0] : null,
        status: response.status,
      });
    }
    if (typeof json.id_token !== 'string') {
      throw new IdentityError({ error: 'no_id_token', description: 'No id_token was returned' });
    }
    return json.id_token;
  }

  // RS256 assertion with the certificate's SHA-1 thumbprint (x5t), as Entra expects.
  private async clientAssertion(tokenEndpoint: string): Promise<string> {
    const credential = this.config.credential;
    if (credential.kind !== 'certificate') throw new Error('no certificate configured');
    this.signingKey ??= importPKCS8(credential.privateKeyPem, 'RS256');
    const x5t = Buffer.from(credential.thumbprintSha1.replace(/:/g, ''), 'hex').toString(
      'base64url',
    );
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({})
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', x5t })
      .setIssuer(this.config.clientId)
      .setSubject(this.config.clientId)
      .setAudience(tokenEndpoint)
      .setJti(randomUUID())
      .setNotBefore(now)
      .setIssuedAt(now)
      .setExpirationTime(now + CLIENT_ASSERTION_LIFETIME_SECONDS)
      .sign(await this.signingKey);
  }

  private keySet(jwksUri: string): ReturnType<typeof createRemoteJWKSet> {
    let keySet = this.keySets.get(jwksUri);
    if (!keySet) {
      keySet = createRemoteJWKSet(new URL(jwksUri));
      this.keySets.set(jwksUri, keySet);
    }
    return keySet;
  }
}

/** Whether the ID token's roles let the user grant Graph application permissions tenant-wide. */
export function canGrantApplicationPermissions(token: Pick<VerifiedIdToken, 'roleTemplateIds'>) {
  return token.roleTemplateIds.some((id) => ROLES_THAT_GRANT_APP_PERMISSIONS.includes(id));
}

function rejection(error: unknown): IdTokenRejectedError | IdentityError {
  if (error instanceof joseErrors.JWTExpired) return new IdTokenRejectedError('expired', 'expired');
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    const problem: IdTokenProblem =
      error.claim === 'aud' ? 'audience' : error.claim === 'nbf' ? 'not_yet_valid' : 'malformed';
    return new IdTokenRejectedError(problem, `${error.claim}: ${error.reason}`);
  }
  if (
    error instanceof joseErrors.JWSSignatureVerificationFailed ||
    error instanceof joseErrors.JWKSNoMatchingKey ||
    error instanceof joseErrors.JOSEAlgNotAllowed
  ) {
    return new IdTokenRejectedError('signature', error.message);
  }
  if (error instanceof joseErrors.JWKSTimeout || error instanceof joseErrors.JWKSInvalid) {
    return new IdentityError({
      error: 'network',
      description: 'Signing keys unavailable',
      cause: error,
    });
  }
  if (error instanceof joseErrors.JOSEError)
    return new IdTokenRejectedError('malformed', error.message);
  // fetch failures of the key set surface as plain errors.
  return new IdentityError({
    error: 'network',
    description: error instanceof Error ? error.message : String(error),
    cause: error,
  });
}

function issuerOf(template: string, tenantId: string): string {
  return template.replace('{tenantid}', tenantId);
}

// `idp` names the home tenant's issuer (v1 `https://sts.windows.net/{tid}/`) for guests.
function sameIssuerTenant(idp: string, tenantId: string): boolean {
  return idp.toLowerCase().includes(tenantId);
}

function stringClaim(value: unknown): string | null {
  return typeof value === 'string' && value.length > 0 ? value : null;
}

/** Hex SHA-256 of a value, as callers store nonces and states. */
export function sha256Hex(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

function sha256Matches(value: string | null, expectedHex: string): boolean {
  if (value === null || !/^[0-9a-f]{64}$/i.test(expectedHex)) return false;
  return timingSafeEqual(
    createHash('sha256').update(value).digest(),
    Buffer.from(expectedHex, 'hex'),
  );
}
