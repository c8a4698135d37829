import { expect } from 'vitest';

import { type PurgeReceipt } from '@rox365/contracts';
import { DEMO_TENANT } from '@rox365/m365-emulator';

import { driveAdminConsent, driveSignIn, followToApi, type ApiWithEmulator } from './emulator';

/** Bearer tokens of one test org. */
export interface OrgTokens {
  orgId: string;
  admin: string;
  member: string;
  service: string;
}

export async function orgTokens(env: ApiWithEmulator, orgId: string): Promise<OrgTokens> {
  return {
    orgId,
    admin: await env.api.tokenFor({ roxUserId: 'adm', orgId, role: 'admin' }),
    member: await env.api.tokenFor({ roxUserId: 'mem', orgId, role: 'member' }),
    service: await env.api.tokenFor({ roxUserId: 'svc', orgId, role: 'service' }),
  };
}

/** Creates Rox members through the members API, as the Rox platform does. */
export async function seedMembers(
  env: ApiWithEmulator,
  org: OrgTokens,
  members: { roxUserId: string; email: string; role?: 'admin' | 'member' }[],
): Promise<void> {
  for (const m of members) {
    const res = await env.api
      .http()
      .put(`/api/v1/members/${m.roxUserId}`)
      .set('authorization', `Bearer ${org.service}`)
      .send({ email: m.email, displayName: m.roxUserId, role: m.role ?? 'member' });
    expect(res.status).toBeLessThan(300);
  }
}

export async function saveSettings(
  env: ApiWithEmulator,
  org: OrgTokens,
  body: Record<string, unknown> = {},
): Promise<void> {
  const res = await env.api
    .http()
    .put('/api/v1/orgwide/settings')
    .set('authorization', `Bearer ${org.admin}`)
    .send({
      calendarAccess: 'read',
      emailAccess: 'metadata',
      tenant: DEMO_TENANT.initialDomain,
      ...body,
    });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
}

/** A started connect as the admin's browser holds it: Microsoft's sign-in link and the API cookie. */
export interface ConnectAttempt {
  /** Microsoft's sign-in page (the first leg). */
  consentUrl: string;
  state: string;
  /** The browser-binding cookie as a `Cookie` header value. */
  cookie: string;
}

// The orgs connected through these helpers, per test file.
const holders = new WeakMap<ApiWithEmulator, OrgTokens[]>();

function connectedOrgs(env: ApiWithEmulator): OrgTokens[] {
  let list = holders.get(env);
  if (!list) {
    list = [];
    holders.set(env, list);
  }
  return list;
}

function postConnect(env: ApiWithEmulator, org: OrgTokens) {
  return env.api.http().post('/api/v1/orgwide/connect').set('authorization', `Bearer ${org.admin}`);
}

/** Disconnects `org` (DELETE /orgwide/connection) and forgets it as its tenant's holder. */
export async function disconnectOrg(env: ApiWithEmulator, org: OrgTokens): Promise<PurgeReceipt> {
  const list = connectedOrgs(env);
  const index = list.findIndex((o) => o.orgId === org.orgId);
  if (index >= 0) list.splice(index, 1);
  const res = await env.api
    .http()
    .delete('/api/v1/orgwide/connection')
    .set('authorization', `Bearer ${org.admin}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as PurgeReceipt;
}

/** POST /orgwide/connect; returns the sign-in URL, the state inside it and the cookie it set. */
export async function startConnect(env: ApiWithEmulator, org: OrgTokens): Promise<ConnectAttempt> {
  const res = await postConnect(env, org);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  const consentUrl = res.body.consentUrl as string;
  const setCookie = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
  const cookie = setCookie.map((c) => c.split(';')[0]).join('; ');
  return { consentUrl, state: new URL(consentUrl).searchParams.get('state') ?? '', cookie };
}

/** The outcome code the API hands the SPA after the callback (null when it did not redirect there). */
export function outcomeOf(location: URL | null): string | null {
  if (!location || location.pathname !== '/integrations/microsoft/result') return null;
  return location.searchParams.get('outcome');
}

/** Calls the callback with a hand-made query, as a forged or replayed redirect would. */
export async function callCallback(
  env: ApiWithEmulator,
  query: Record<string, string>,
  cookie?: string,
): Promise<{ status: number; outcome: string | null; location: URL | null }> {
  const url = new URL(`${env.apiUrl}/api/v1/orgwide/consent/callback`);
  for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
  const res = await followToApi(url, cookie);
  return { status: res.status, outcome: outcomeOf(res.location), location: res.location };
}

/**
 * Leg 1 as the admin's browser: signs in on Microsoft's page as `user` and follows the redirect
 * to the API. Returns where the API sends the browser: Microsoft's admin-consent page when the
 * sign-in proved an administrator, the SPA's result page otherwise.
 */
export async function signInLeg(
  attempt: ConnectAttempt,
  user: string,
  cookie: string = attempt.cookie,
): Promise<{ location: URL | null; outcome: string | null }> {
  const callback = await driveSignIn(attempt.consentUrl, user);
  const res = await followToApi(callback, cookie);
  expect(res.status).toBe(302);
  return { location: res.location, outcome: outcomeOf(res.location) };
}

/**
 * Both legs of `org`'s connect: sign-in as `user`, then `action` on the admin-consent page.
 * Returns the outcome code.
 */
export async function completeConnect(
  env: ApiWithEmulator,
  org: OrgTokens,
  attempt: ConnectAttempt,
  user: string = DEMO_TENANT.users.admin,
  action: 'accept' | 'cancel' = 'accept',
): Promise<string | null> {
  const signedIn = await signInLeg(attempt, user);
  if (signedIn.outcome !== null || !signedIn.location) return signedIn.outcome;
  const callback = await driveAdminConsent(signedIn.location.toString(), user, action);
  const res = await followToApi(callback, attempt.cookie);
  expect(res.status).toBe(302);
  const outcome = outcomeOf(res.location);
  if (outcome === 'connected' || outcome === 'connected_with_missing_permissions') {
    connectedOrgs(env).push(org);
  }
  return outcome;
}

/** Saves settings if asked, then runs the whole connect (sign-in, admin consent) as the demo admin. */
export async function connectOrg(
  env: ApiWithEmulator,
  org: OrgTokens,
  options: { user?: string; settings?: Record<string, unknown> } = {},
): Promise<string | null> {
  if (options.settings) await saveSettings(env, org, options.settings);
  // A tenant holds one org at a time, and the tests of a file share its Contoso: when an org an
  // earlier test connected still holds it, that org disconnects first, as its admin would.
  const first = await postConnect(env, org);
  if (first.status === 409 && first.body.code === 'ORGWIDE_TENANT_TAKEN') {
    const settings = await env.api
      .http()
      .get('/api/v1/orgwide/settings')
      .set('authorization', `Bearer ${org.admin}`);
    const tenantId = settings.body.tenantId as string;
    for (const holder of [...connectedOrgs(env)]) {
      if (holder.orgId !== org.orgId && (await status(env, holder.admin)).tenantId === tenantId) {
        await disconnectOrg(env, holder);
      }
    }
  }
  return completeConnect(env, org, await startConnect(env, org), options.user);
}

export async function status(env: ApiWithEmulator, token: string) {
  const res = await env.api
    .http()
    .get('/api/v1/orgwide/status')
    .set('authorization', `Bearer ${token}`);
  expect(res.status).toBe(200);
  return res.body as {
    state: string;
    tenantId: string | null;
    lastOutcome: string | null;
    degradedReasons: { code: string; message: string; nextAction: string }[];
    capabilities: string[];
    connectedBy: string | null;
    permissionsCheckedAt: string | null;
  };
}

export async function auditActions(
  env: ApiWithEmulator,
  org: OrgTokens,
  action: string,
): Promise<
  {
    action: string;
    target: { type: string; id: string | null };
    details: Record<string, unknown>;
  }[]
> {
  const res = await env.api
    .http()
    .get(`/api/v1/audit?action=${encodeURIComponent(action)}&limit=200`)
    .set('authorization', `Bearer ${org.admin}`);
  expect(res.status).toBe(200);
  return res.body.items;
}
