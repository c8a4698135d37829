import { createHash, randomUUID } from 'node:crypto';

import { formBody, json, type EmuReply, type EmuRequest } from '../http/types';
import type { AppRegistration } from '../state/app';
import type { EmulatorState, RefreshTokenRecord } from '../state/emulator-state';
import {
  canonicalDelegatedScope,
  GRAPH_RESOURCE,
  graphScopeName,
  isGraphDefaultScope,
  OIDC_SCOPES,
} from '../state/permissions';
import type { TenantState } from '../state/tenant';
import { toBase64Url } from '../util/base64url';
import { aadError, consentRequiredMessage } from './aad-errors';
import { authenticateClient, requestClientId } from './client-auth';
import { clientInfo, mintAppToken, mintIdToken, mintUserToken, newOpaqueToken } from './mint';

const GENERIC_TENANTS = new Set(['common', 'organizations', 'consumers']);

export function appNotFoundMessage(appId: string, tenant: string): string {
  return `Application with identifier '${appId}' was not found in the directory '${tenant}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`;
}

interface Ctx {
  state: EmulatorState;
  /** The authenticated client (set once client authentication succeeded). */
  app: AppRegistration;
  req: EmuRequest;
  params: URLSearchParams;
  tenant: TenantState | undefined;
  segment: string;
  correlationId: string;
}

function err(
  ctx: Ctx,
  status: number,
  error: string,
  code: number,
  message: string,
  suberror?: string,
): EmuReply {
  return aadError({
    status,
    error,
    code,
    message,
    correlationId: ctx.correlationId,
    now: ctx.state.now(),
    ...(suberror ? { suberror } : {}),
  });
}

/** AADSTS900144: a required form parameter is absent. */
function missingParameter(ctx: Ctx, name: string): EmuReply {
  return err(
    ctx,
    400,
    'invalid_request',
    900144,
    `The request body must contain the following parameter: '${name}'.`,
  );
}

/** AADSTS70000: a code or refresh token issued to another client. */
function grantOfOtherClient(ctx: Ctx): EmuReply {
  return err(ctx, 400, 'invalid_grant', 70000, 'Provided grant is invalid or malformed.');
}

/** AADSTS9002313: a refresh token the emulator never issued, or whose tenant is gone. */
function malformedGrant(ctx: Ctx): EmuReply {
  return err(
    ctx,
    400,
    'invalid_grant',
    9002313,
    'Invalid request. Request is malformed or invalid.',
  );
}

/** Entra's date format inside AADSTS50173: seven fractional digits. */
function aadDateTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 23)}0000Z`;
}

function splitScopes(raw: string | null): string[] {
  return (raw ?? '').split(/\s+/).filter(Boolean);
}

/** POST /{tenant}/oauth2/v2.0/token */
export function handleToken(state: EmulatorState, req: EmuRequest, segment: string): EmuReply {
  const params = formBody(req);
  const correlationId = req.headers['client-request-id'] ?? randomUUID();
  const tenant = state.findTenant(segment);
  const ctx: Ctx = { state, app: state.apps.orgwide, req, params, tenant, segment, correlationId };
  if (!tenant && !GENERIC_TENANTS.has(segment.toLowerCase())) {
    return err(
      ctx,
      400,
      'invalid_request',
      90002,
      `Tenant '${segment}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.`,
    );
  }
  const grantType = params.get('grant_type');
  if (!grantType) return missingParameter(ctx, 'grant_type');
  const clientId = requestClientId(req, params);
  if (clientId && !state.findApp(clientId)) {
    return err(
      ctx,
      400,
      'unauthorized_client',
      700016,
      appNotFoundMessage(clientId, tenant?.id ?? segment),
    );
  }
  const origin = req.origin;
  const audiences = [
    `${origin}/${segment}/oauth2/v2.0/token`,
    ...(tenant
      ? [tenant.id, ...tenant.domains].map((t) => `${origin}/${t}/oauth2/v2.0/token`)
      : []),
    ...(tenant
      ? [tenant.id, ...tenant.domains].map(
          (t) => `https://login.microsoftonline.com/${t}/oauth2/v2.0/token`,
        )
      : []),
  ];
  const auth = authenticateClient(state, req, params, audiences, correlationId);
  if (!auth.ok) return auth.reply;
  ctx.app = auth.app;
  switch (grantType) {
    case 'client_credentials':
      return clientCredentials(ctx, auth.appidacr);
    case 'authorization_code':
      return authorizationCode(ctx, auth.appidacr);
    case 'refresh_token':
      return refreshToken(ctx, auth.appidacr);
    default:
      return err(
        ctx,
        400,
        'unsupported_grant_type',
        70003,
        `The app requested an unsupported grant type '${grantType}'.`,
      );
  }
}

function clientCredentials(ctx: Ctx, appidacr: '1' | '2'): EmuReply {
  const { state, tenant, params, app } = ctx;
  if (!tenant) {
    return err(
      ctx,
      400,
      'invalid_request',
      9001023,
      'The grant type is not supported over the /common or /consumers endpoints. Please use the /organizations or tenant-specific endpoint.',
    );
  }
  const scopeRaw = params.get('scope');
  if (!scopeRaw) return missingParameter(ctx, 'scope');
  const scopes = splitScopes(scopeRaw);
  if (scopes.some((s) => !s.toLowerCase().endsWith('/.default'))) {
    return err(
      ctx,
      400,
      'invalid_scope',
      1002012,
      `The provided value for scope ${scopeRaw} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
    );
  }
  if (scopes.length > 1) {
    return err(
      ctx,
      400,
      'invalid_scope',
      700022,
      `The provided value for the input parameter scope is not valid because it contains more than one resource. Scope ${scopeRaw} is not valid.`,
    );
  }
  if (!scopes.every(isGraphDefaultScope)) {
    const resource = scopeRaw.slice(0, -'/.default'.length);
    return err(
      ctx,
      400,
      'invalid_resource',
      500011,
      `The resource principal named ${resource} was not found in the tenant named ${tenant.displayName}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.`,
    );
  }
  const sp = tenant.servicePrincipalOf(app.clientId);
  if (!sp) {
    return err(
      ctx,
      400,
      'unauthorized_client',
      700016,
      appNotFoundMessage(app.clientId, tenant.id),
    );
  }
  const lifetime = state.settings.accessTokenLifetimeSeconds;
  return json(200, {
    token_type: 'Bearer',
    expires_in: lifetime,
    ext_expires_in: lifetime,
    access_token: mintAppToken(state, tenant, app, sp, appidacr),
  });
}

/** Graph scopes the user has granted the app, minus offline_access. */
function consentedGraphScopes(tenant: TenantState, appId: string, userId: string): string[] {
  return [...tenant.delegatedScopesFor(appId, userId)].filter((s) => s !== 'offline_access').sort();
}

function issueUserTokens(
  ctx: Ctx,
  tenant: TenantState,
  userId: string,
  requested: string[],
  appidacr: '1' | '2',
  nonce: string | undefined,
): EmuReply {
  const { state, app } = ctx;
  const user = tenant.users.get(userId);
  if (!user)
    return err(
      ctx,
      400,
      'invalid_grant',
      50034,
      `The user account ${userId} does not exist in the ${tenant.id} directory.`,
    );
  if (!user.accountEnabled)
    return err(ctx, 400, 'invalid_grant', 50057, 'The user account is disabled.');
  const granted = consentedGraphScopes(tenant, app.clientId, user.id);
  const lifetime = state.settings.accessTokenLifetimeSeconds;
  const lower = requested.map((s) => s.toLowerCase());
  const hasDefault = requested.some(isGraphDefaultScope);
  const responseScopes = hasDefault
    ? granted.filter((s) => !OIDC_SCOPES.has(s)).map((s) => `${GRAPH_RESOURCE}/${s}`)
    : requested.filter((s) => s.toLowerCase() !== 'offline_access');
  const body: Record<string, unknown> = {
    token_type: 'Bearer',
    scope: responseScopes.join(' '),
    expires_in: lifetime,
    ext_expires_in: lifetime,
    access_token: mintUserToken(state, tenant, user, granted, app, appidacr),
  };
  if (lower.includes('offline_access')) {
    const rt: RefreshTokenRecord = {
      token: newOpaqueToken('1.AR'),
      tenantId: tenant.id,
      clientId: app.clientId,
      userId: user.id,
      scopes: requested,
      issuedMs: state.nowMs(),
      lastUsedMs: state.nowMs(),
      revoked: false,
    };
    state.refreshTokens.set(rt.token, rt);
    body.refresh_token = rt.token;
  }
  if (lower.includes('openid'))
    body.id_token = mintIdToken(state, ctx.req.origin, tenant, user, app, {
      ...(nonce ? { nonce } : {}),
      withEmail: lower.includes('email'),
    });
  if (ctx.params.get('client_info') === '1') body.client_info = clientInfo(user, tenant);
  return json(200, body, { 'cache-control': 'no-store, no-cache', pragma: 'no-cache' });
}

/** Requested Graph scopes that are not consented for the user (OIDC scopes never need consent). */
function missingConsent(
  tenant: TenantState,
  appId: string,
  userId: string,
  requested: string[],
): string[] {
  const granted = new Set(
    [...tenant.delegatedScopesFor(appId, userId)].map((s) => s.toLowerCase()),
  );
  const missing: string[] = [];
  for (const s of requested) {
    if (isGraphDefaultScope(s)) continue;
    const name = graphScopeName(s);
    if (!name) continue;
    const canonical = canonicalDelegatedScope(name) ?? name;
    if (OIDC_SCOPES.has(canonical)) continue;
    if (!granted.has(canonical.toLowerCase())) missing.push(canonical);
  }
  return missing;
}

function authorizationCode(ctx: Ctx, appidacr: '1' | '2'): EmuReply {
  const { state, params } = ctx;
  const codeValue = params.get('code');
  if (!codeValue) return missingParameter(ctx, 'code');
  const code = state.authCodes.get(codeValue);
  const expired =
    'The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.';
  if (!code) return err(ctx, 400, 'invalid_grant', 70008, expired);
  if (code.redeemed) {
    return err(
      ctx,
      400,
      'invalid_grant',
      54005,
      'OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.',
    );
  }
  if (code.expiresAtMs < state.nowMs()) return err(ctx, 400, 'invalid_grant', 70008, expired);
  if (code.clientId !== ctx.app.clientId) return grantOfOtherClient(ctx);
  const tenant = state.tenants.get(code.tenantId);
  if (!tenant) return err(ctx, 400, 'invalid_grant', 70008, expired);
  if (ctx.tenant && ctx.tenant.id !== tenant.id) {
    return err(
      ctx,
      400,
      'invalid_grant',
      700005,
      'Provided Authorization Code is intended to use against other tenant, thus rejected.',
    );
  }
  if (params.get('redirect_uri') !== code.redirectUri) {
    return err(
      ctx,
      400,
      'invalid_grant',
      50148,
      'The redirect_uri specified in the token request does not match the redirect_uri used to obtain the authorization code.',
    );
  }
  if (code.codeChallenge) {
    const verifier = params.get('code_verifier');
    const method = code.codeChallengeMethod ?? 'plain';
    const computed =
      verifier === null
        ? undefined
        : method === 'S256'
          ? toBase64Url(createHash('sha256').update(verifier).digest())
          : verifier;
    if (computed !== code.codeChallenge) {
      return err(
        ctx,
        400,
        'invalid_grant',
        501481,
        "The Code_Verifier doesn't match the code_challenge supplied in the authorization request.",
      );
    }
  }
  code.redeemed = true;
  return issueUserTokens(ctx, tenant, code.userId, code.scopes, appidacr, code.nonce);
}

function refreshToken(ctx: Ctx, appidacr: '1' | '2'): EmuReply {
  const { state, params } = ctx;
  const raw = params.get('refresh_token');
  if (!raw) return missingParameter(ctx, 'refresh_token');
  const record = state.refreshTokens.get(raw);
  if (!record) return malformedGrant(ctx);
  if (record.clientId !== ctx.app.clientId) return grantOfOtherClient(ctx);
  const validFromMs = state.tokensValidFrom.get(`${record.tenantId}|${record.userId}`);
  if (record.revoked || (validFromMs !== undefined && record.issuedMs < validFromMs)) {
    return err(
      ctx,
      400,
      'invalid_grant',
      50173,
      `The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password. The grant was issued on '${aadDateTime(record.issuedMs)}' and the TokensValidFrom date (before which tokens are not valid) for this user is '${aadDateTime(validFromMs ?? state.nowMs())}'.`,
    );
  }
  const idleMs = state.nowMs() - record.lastUsedMs;
  if (idleMs > state.settings.refreshTokenLifetimeSeconds * 1000) {
    return err(
      ctx,
      400,
      'invalid_grant',
      700082,
      `The refresh token has expired due to inactivity. The token was issued on ${new Date(record.lastUsedMs).toISOString()} and was inactive for ${Math.round(idleMs / 86_400_000)}.00:00:00.`,
    );
  }
  const tenant = state.tenants.get(record.tenantId);
  if (!tenant) return malformedGrant(ctx);
  const requested = splitScopes(params.get('scope'));
  const scopes = requested.length > 0 ? requested : record.scopes;
  const missing = missingConsent(tenant, ctx.app.clientId, record.userId, scopes);
  if (missing.length > 0) {
    return err(
      ctx,
      400,
      'invalid_grant',
      65001,
      consentRequiredMessage(ctx.app),
      'consent_required',
    );
  }
  record.lastUsedMs = state.nowMs();
  if (state.settings.refreshTokenReuse === 'reject') record.revoked = true;
  const withOffline = scopes.some((s) => s.toLowerCase() === 'offline_access')
    ? scopes
    : [...scopes, 'offline_access'];
  return issueUserTokens(ctx, tenant, record.userId, withOffline, appidacr, undefined);
}

export { missingConsent };
