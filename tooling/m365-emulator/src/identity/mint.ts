import { randomBytes, randomUUID } from 'node:crypto';

import type { EmulatorState } from '../state/emulator-state';
import type { UserRecord } from '../state/model';
import { GRAPH_RESOURCE } from '../state/permissions';
import type { TenantState } from '../state/tenant';
import { toBase64Url } from '../util/base64url';
import { signJwt } from '../util/jwt';
import { hashHex } from '../util/prng';

export const GLOBAL_ADMIN_ROLE = '62e90394-69f5-4237-9190-012177145e10';

function header(state: EmulatorState): Record<string, unknown> {
  // Graph access tokens carry a "nonce" header, which is why third parties cannot validate them.
  return { kid: state.signingKid, x5t: state.signingKid, nonce: toBase64Url(randomBytes(16)) };
}

function common(
  state: EmulatorState,
  tenant: TenantState,
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
    app_displayname: state.app.displayName,
    appid: state.app.clientId,
    idp: `https://sts.windows.net/${tenant.id}/`,
    rh: `0.${toBase64Url(randomBytes(18))}.`,
    tid: tenant.id,
    uti: toBase64Url(randomBytes(16)),
    ver: '1.0',
    xms_tcdt: 1_600_000_000,
  };
}

/** App-only Graph token: roles only when some were granted. */
export function mintAppToken(
  state: EmulatorState,
  tenant: TenantState,
  appidacr: '1' | '2',
): string {
  const sp = tenant.servicePrincipal;
  const roles = sp ? [...sp.grantedRoles].sort() : [];
  const payload: Record<string, unknown> = {
    ...common(state, tenant, state.settings.accessTokenLifetimeSeconds + 300),
    appidacr,
    idtyp: 'app',
    oid: sp?.id,
    sub: sp?.id,
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
  appidacr: '0' | '1' | '2',
): string {
  const payload: Record<string, unknown> = {
    ...common(state, tenant, state.settings.accessTokenLifetimeSeconds + 300),
    acct: 0,
    acr: '1',
    amr: ['pwd'],
    appidacr,
    family_name: user.surname ?? undefined,
    given_name: user.givenName ?? undefined,
    idtyp: 'user',
    ipaddr: '127.0.0.1',
    name: user.displayName,
    oid: user.id,
    platf: '3',
    puid: hashHex(user.id).slice(0, 16).toUpperCase(),
    scp: scopes.join(' '),
    sub: toBase64Url(Buffer.from(hashHex(user.id, state.app.clientId), 'hex')).slice(0, 43),
    unique_name: user.userPrincipalName,
    upn: user.userPrincipalName,
    wids: user.isAdmin ? [GLOBAL_ADMIN_ROLE] : ['b79fbf4d-3ef9-4689-8143-76b194e85509'],
  };
  return signJwt(header(state), payload, state.signingKey);
}

/** v2 ID token for the app. */
export function mintIdToken(
  state: EmulatorState,
  origin: string,
  tenant: TenantState,
  user: UserRecord,
  nonce: string | undefined,
  withEmail: boolean,
): string {
  const now = Math.floor(state.nowMs() / 1000);
  const payload: Record<string, unknown> = {
    aud: state.app.clientId,
    iss: `${origin}/${tenant.id}/v2.0`,
    iat: now,
    nbf: now,
    exp: now + 3600,
    aio: toBase64Url(randomBytes(24)),
    name: user.displayName,
    oid: user.id,
    preferred_username: user.userPrincipalName,
    rh: `0.${toBase64Url(randomBytes(18))}.`,
    sub: toBase64Url(Buffer.from(hashHex(user.id, state.app.clientId, 'id'), 'hex')).slice(0, 43),
    tid: tenant.id,
    uti: toBase64Url(randomBytes(16)),
    ver: '2.0',
  };
  if (nonce) payload.nonce = nonce;
  if (withEmail && user.mail) payload.email = user.mail;
  return signJwt({ kid: state.signingKid }, payload, state.signingKey);
}

export function clientInfo(user: UserRecord, tenant: TenantState): string {
  return toBase64Url(JSON.stringify({ uid: user.id, utid: tenant.id }));
}

export function newOpaqueToken(prefix: string): string {
  return `${prefix}${toBase64Url(randomBytes(48))}${randomUUID().replace(/-/g, '')}`;
}
