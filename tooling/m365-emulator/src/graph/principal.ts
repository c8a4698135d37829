import type { EmuRequest } from '../http/types';
import type { EmulatorState } from '../state/emulator-state';
import type { UserRecord } from '../state/model';
import { GRAPH_APP_ID, GRAPH_RESOURCE } from '../state/permissions';
import type { TenantState } from '../state/tenant';
import { decodeJwt, verifyJwtSignature } from '../util/jwt';
import { GraphHttpError, outlookAccessDenied } from './errors';

/** Who is calling Graph, from a verified access token. */
export interface Principal {
  kind: 'app' | 'user';
  tenant: TenantState;
  appId: string;
  roles: Set<string>;
  scopes: Set<string>;
  /** Signed-in user for delegated tokens. */
  user?: UserRecord;
}

const WWW_AUTH = {
  'www-authenticate':
    'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"',
};

function unauthorized(message: string): GraphHttpError {
  return new GraphHttpError(401, 'InvalidAuthenticationToken', message, WWW_AUTH);
}

/** Validates the bearer token the way Graph does (signature, audience, lifetime, tenant). */
export function authenticate(state: EmulatorState, req: EmuRequest): Principal {
  const header = req.headers.authorization ?? '';
  const token = header.toLowerCase().startsWith('bearer ') ? header.slice(7).trim() : '';
  if (!token) throw unauthorized('Access token is empty.');
  const jwt = decodeJwt(token);
  if (!jwt) throw unauthorized('IDX14100: JWT is not well formed, there are no dots (.).');
  if (!verifyJwtSignature(jwt, state.signingPublicKey))
    throw unauthorized('Access token validation failure.');
  const p = jwt.payload;
  if (p.aud !== GRAPH_RESOURCE && p.aud !== `${GRAPH_RESOURCE}/` && p.aud !== GRAPH_APP_ID) {
    throw unauthorized('Access token validation failure. Invalid audience.');
  }
  const nowS = state.nowMs() / 1000;
  if (
    typeof p.exp !== 'number' ||
    p.exp < nowS ||
    (typeof p.nbf === 'number' && p.nbf > nowS + 300)
  ) {
    throw unauthorized('Access token has expired or is not yet valid.');
  }
  const tenant = typeof p.tid === 'string' ? state.tenants.get(p.tid) : undefined;
  if (!tenant) throw unauthorized('Access token validation failure.');
  const appId = typeof p.appid === 'string' ? p.appid : '';
  if (p.idtyp === 'user') {
    const user = typeof p.oid === 'string' ? tenant.users.get(p.oid) : undefined;
    if (!user) throw unauthorized('Access token validation failure.');
    const scopes = new Set(typeof p.scp === 'string' ? p.scp.split(' ').filter(Boolean) : []);
    return { kind: 'user', tenant, appId, roles: new Set(), scopes, user };
  }
  const roles = new Set(
    Array.isArray(p.roles) ? p.roles.filter((r): r is string => typeof r === 'string') : [],
  );
  // Revoking consent takes effect for new tokens only, as in Entra; a removed service principal
  // however makes every token useless.
  if (!tenant.servicePrincipalOf(appId)) throw unauthorized('Access token validation failure.');
  return { kind: 'app', tenant, appId, roles, scopes: new Set() };
}

export interface PermissionRule {
  app?: string[];
  delegated?: string[];
}

/**
 * Checks the token carries one of the permissions an endpoint accepts. Directory endpoints answer
 * Authorization_RequestDenied, Outlook endpoints ErrorAccessDenied.
 */
export function requirePermission(
  principal: Principal,
  rule: PermissionRule,
  workload: 'directory' | 'outlook',
): void {
  const accepted = principal.kind === 'app' ? (rule.app ?? []) : (rule.delegated ?? []);
  const held = principal.kind === 'app' ? principal.roles : principal.scopes;
  if (accepted.some((p) => held.has(p))) return;
  if (workload === 'directory') {
    throw new GraphHttpError(
      403,
      'Authorization_RequestDenied',
      'Insufficient privileges to complete the operation.',
    );
  }
  throw outlookAccessDenied();
}

export function has(principal: Principal, ...permissions: string[]): boolean {
  const held = principal.kind === 'app' ? principal.roles : principal.scopes;
  return permissions.some((p) => held.has(p));
}
