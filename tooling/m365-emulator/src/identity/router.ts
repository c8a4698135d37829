import { randomUUID } from 'node:crypto';

import { html, json, redirect, type EmuReply, type EmuRequest } from '../http/types';
import { page } from '../portal/layout';
import type { EmulatorState } from '../state/emulator-state';
import { handleAdminConsent } from './admin-consent';
import { handleAuthorize } from './authorize';
import { instanceDiscovery, jwks, openIdConfiguration, unknownTenantDiscovery } from './discovery';
import { handleToken } from './token-endpoint';

const GENERIC = new Set(['common', 'organizations', 'consumers']);

/** Routes the login host's paths; undefined when the path is not one of them. */
export function routeIdentity(state: EmulatorState, req: EmuRequest): EmuReply | undefined {
  const parts = req.path
    .split('/')
    .filter(Boolean)
    .map((p) => decodeURIComponent(p));
  const [segment, ...rest] = parts;
  if (!segment) return undefined;
  const tail = rest.join('/');
  const tenant = state.findTenant(segment);
  const known = tenant !== undefined || GENERIC.has(segment.toLowerCase());
  const correlationId = req.headers['client-request-id'] ?? randomUUID();
  const method = req.method;
  if (tail === 'discovery/instance' && method === 'GET') {
    return json(200, instanceDiscovery(req.origin, req.query.get('authorization_endpoint')));
  }
  if (
    (tail === 'v2.0/.well-known/openid-configuration' ||
      tail === '.well-known/openid-configuration') &&
    method === 'GET'
  ) {
    if (!known) return unknownTenantDiscovery(segment, correlationId, state.now());
    return json(200, openIdConfiguration(req.origin, tenant, segment, tail.startsWith('v2.0')));
  }
  if ((tail === 'discovery/v2.0/keys' || tail === 'discovery/keys') && method === 'GET') {
    if (!known) return unknownTenantDiscovery(segment, correlationId, state.now());
    return json(200, jwks(state, req.origin, tenant));
  }
  if ((tail === 'oauth2/v2.0/token' || tail === 'oauth2/token') && method === 'POST') {
    return handleToken(state, req, segment);
  }
  if (tail === 'oauth2/v2.0/authorize' && (method === 'GET' || method === 'POST')) {
    return handleAuthorize(state, req, segment);
  }
  if (
    (tail === 'v2.0/adminconsent' || tail === 'adminconsent') &&
    (method === 'GET' || method === 'POST')
  ) {
    return handleAdminConsent(state, req, segment, tail.startsWith('v2.0'));
  }
  if (tail === 'oauth2/v2.0/logout' && (method === 'GET' || method === 'POST')) {
    const match = /(?:^|;\s*)emu_session=([^;]+)/.exec(req.headers.cookie ?? '');
    if (match?.[1]) state.sessions.delete(match[1]);
    const back = req.query.get('post_logout_redirect_uri');
    const cookie = { 'set-cookie': 'emu_session=; Path=/; Max-Age=0; SameSite=None; Secure' };
    if (back) return { ...redirect(back), headers: { location: back, ...cookie } };
    return html(
      200,
      page('Signed out', '<h1 id="signed-out">You signed out of your account</h1>'),
      cookie,
    );
  }
  return undefined;
}
