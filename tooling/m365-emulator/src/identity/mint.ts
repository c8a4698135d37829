import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';

import { emitsDirectoryRoles, type AppRegistration } from '../state/app';
import { widsOf } from '../state/directory-roles';
import type { EmulatorState } from '../state/emulator-state';
import type { UserRecord } from '../state/model';
import { GRAPH_RESOURCE } from '../state/permissions';
import type { ServicePrincipal, TenantState } from '../state/tenant';
import { toBase64Url } from '../util/base64url';
import { signJwt } from '../util/jwt';
import { guidFrom, hashHex } from '../util/prng';

/** The v1 issuer of a tenant, which is also how tokens name an identity provider. */
function stsIssuer(tenantId: string): string {
  return `https://sts.windows.net/${tenantId}/`;
}

/**
 * The identity provider a user signs in with: their own tenant for members, the home tenant for
 * guests (the seeded one, the tenant owning their mail domain, or a stable stand-in).
 */
export function identityProviderOf(
  state: EmulatorState,
  tenant: TenantState,
  user: UserRecord,
): string {
  if (user.userType !== 'Guest') return stsIssuer(tenant.id);
  if (user.homeTenantId) return stsIssuer(user.homeTenantId);
  const domain = (user.mail ?? '').split('@')[1] ?? '';
  return stsIssuer(state.findTenant(domain)?.id ?? guidFrom('home-tenant', domain.toLowerCase()));
}

function header(state: EmulatorState): Record<string, unknown> {
  // Graph access tokens carry a "nonce" header, which is why third parties cannot validate them.
  return { kid: state.signingKid, x5t: state.signingKid, nonce: toBase64Url(randomBytes(16)) };
}

function common(
  state: EmulatorState,
  tenant: TenantState,
  app: AppRegistration,
  lifetime: number,
): Record<string, unknown> {
  const now = Math.floor(state.nowMs() / 1000);
  return {
    aud: GRAPH_RESOURCE,
    iss: `https://sts.windows.net/${tenant.id}/`,
    iat: now,
    nbf: now,
    exp: now + lifetime,
    aio: toBase64Url(randomBytes(24)),
    app_displayname: app.displayName,
    appid: app.clientId,
    idp: stsIssuer(tenant.id),
    rh: `0.${toBase64Url(randomBytes(18))}.`,
    tid: tenant.id,
    uti: toBase64Url(randomBytes(16)),
    ver: '1.0',
    xms_tcdt: 1_600_000_000,
  };
}

/** App-only Graph token: the roles granted to this app's service principal, only when there are some. */
export function mintAppToken(
  state: EmulatorState,
  tenant: TenantState,
  app: AppRegistration,
  sp: ServicePrincipal,
  appidacr: '1' | '2',
): string {
  const roles = [...sp.grantedRoles].sort();
  const payload: Record<string, unknown> = {
    ...common(state, tenant, app, state.settings.accessTokenLifetimeSeconds + 300),
    appidacr,
    idtyp: 'app',
    oid: sp.id,
    sub: sp.id,
  };
  if (roles.length > 0) payload.roles = roles;
  return signJwt(header(state), payload, state.signingKey);
}

/** Delegated Graph token. */
export function mintUserToken(
  state: EmulatorState,
  tenant: TenantState,
  user: UserRecord,
  scopes: string[],
  app: AppRegistration,
  appidacr: '0' | '1' | '2',
): string {
  const payload: Record<string, unknown> = {
    ...common(state, tenant, app, state.settings.accessTokenLifetimeSeconds + 300),
    acct: user.userType === 'Guest' ? 1 : 0,
    acr: '1',
    amr: ['pwd'],
    appidacr,
    family_name: user.surname ?? undefined,
    given_name: user.givenName ?? undefined,
    idp: identityProviderOf(state, tenant, user),
    idtyp: 'user',
    ipaddr: '127.0.0.1',
    name: user.displayName,
    oid: user.id,
    platf: '3',
    puid: hashHex(user.id).slice(0, 16).toUpperCase(),
    scp: scopes.join(' '),
    sub: toBase64Url(Buffer.from(hashHex(user.id, app.clientId), 'hex')).slice(0, 43),
    unique_name: user.userPrincipalName,
    upn: user.userPrincipalName,
    wids: widsOf(user),
  };
  return signJwt(header(state), payload, state.signingKey);
}

export interface IdTokenOptions {
  /** The authorize request's nonce, echoed. */
  nonce?: string;
  /** Whether the `email` scope was asked for. */
  withEmail: boolean;
}

/**
 * v2 ID token for the app, signed with the tenant's published key. `wids` appears when the app's
 * manifest asks for directory roles, `acct` when configured as an optional claim, and `idp` when
 * the user signed in with another tenant's account (guests).
 */
export function mintIdToken(
  state: EmulatorState,
  origin: string,
  tenant: TenantState,
  user: UserRecord,
  app: AppRegistration,
  opts: IdTokenOptions,
): string {
  const now = Math.floor(state.nowMs() / 1000);
  const isGuest = user.userType === 'Guest';
  const payload: Record<string, unknown> = {
    aud: app.clientId,
    iss: `${origin}/${tenant.id}/v2.0`,
    iat: now,
    nbf: now,
    exp: now + 3600,
    aio: toBase64Url(randomBytes(24)),
    ...(isGuest ? { idp: identityProviderOf(state, tenant, user) } : {}),
    name: user.displayName,
    ...(opts.nonce ? { nonce: opts.nonce } : {}),
    oid: user.id,
    // Guests sign in with their home address, which is what Entra reports here.
    preferred_username: isGuest ? (user.mail ?? user.userPrincipalName) : user.userPrincipalName,
    rh: `0.${toBase64Url(randomBytes(18))}.`,
    sub: toBase64Url(Buffer.from(hashHex(user.id, app.clientId, 'id'), 'hex')).slice(0, 43),
    tid: tenant.id,
    uti: toBase64Url(randomBytes(16)),
    ver: '2.0',
  };
  if (emitsDirectoryRoles(app)) payload.wids = widsOf(user);
  if (app.optionalIdTokenClaims.includes('acct')) payload.acct = isGuest ? 1 : 0;
  if (opts.withEmail && user.mail) payload.email = user.mail;
  return spoilIdToken(state, app, payload) ?? rememberIdToken(state, app, payload);
}

function rememberIdToken(
  state: EmulatorState,
  app: AppRegistration,
  payload: Record<string, unknown>,
): string {
  const token = signJwt({ kid: state.signingKid }, payload, state.signingKey);
  state.lastIdTokens.set(app.clientId, token);
  return token;
}

// Applies a pending ID token fault; undefined when none is set (or a replay has nothing to replay).
function spoilIdToken(
  state: EmulatorState,
  app: AppRegistration,
  payload: Record<string, unknown>,
): string | undefined {
  const fault = state.idTokenFault;
  if (!fault) return undefined;
  fault.remaining -= 1;
  if (fault.remaining <= 0) state.idTokenFault = undefined;
  const now = Math.floor(state.nowMs() / 1000);
  switch (fault.kind) {
    case 'replay':
      return state.lastIdTokens.get(app.clientId);
    case 'expired':
      return sign(state, { ...payload, iat: now - 7200, nbf: now - 7200, exp: now - 3600 });
    case 'wrong_audience':
      return sign(state, { ...payload, aud: randomUUID() });
    case 'wrong_nonce':
      return sign(state, { ...payload, nonce: toBase64Url(randomBytes(32)) });
    case 'foreign_signature': {
      // Same key id, another key: what a forger without Microsoft's key can produce.
      const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      return signJwt({ kid: state.signingKid }, payload, privateKey);
    }
  }
}

function sign(state: EmulatorState, payload: Record<string, unknown>): string {
  return signJwt({ kid: state.signingKid }, payload, state.signingKey);
}

export function clientInfo(user: UserRecord, tenant: TenantState): string {
  return toBase64Url(JSON.stringify({ uid: user.id, utid: tenant.id }));
}

export function newOpaqueToken(prefix: string): string {
  return `${prefix}${toBase64Url(randomBytes(48))}${randomUUID().replace(/-/g, '')}`;
}
