import { expect } from 'vitest';

import { DEMO_TENANT } from '@rox365/m365-emulator';

import { driveAdminConsent, followToApi, type ApiWithEmulator } from './emulator';

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

/** POST /orgwide/connect; returns the consent URL and the state inside it. */
export async function startConnect(
  env: ApiWithEmulator,
  org: OrgTokens,
): Promise<{ consentUrl: string; state: string }> {
  const res = await env.api
    .http()
    .post('/api/v1/orgwide/connect')
    .set('authorization', `Bearer ${org.admin}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  const consentUrl = res.body.consentUrl as string;
  return { consentUrl, state: new URL(consentUrl).searchParams.get('state') ?? '' };
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
): Promise<{ status: number; outcome: string | null; location: URL | null }> {
  const url = new URL(`${env.apiUrl}/api/v1/orgwide/consent/callback`);
  for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
  const res = await followToApi(url);
  return { status: res.status, outcome: outcomeOf(res.location), location: res.location };
}

/** Saves settings if asked, then runs the whole admin consent as the demo admin. */
export async function connectOrg(
  env: ApiWithEmulator,
  org: OrgTokens,
  options: { user?: string; settings?: Record<string, unknown> } = {},
): Promise<string | null> {
  if (options.settings) await saveSettings(env, org, options.settings);
  const { consentUrl } = await startConnect(env, org);
  const callback = await driveAdminConsent(
    consentUrl,
    options.user ?? DEMO_TENANT.users.admin,
    'accept',
  );
  const res = await followToApi(callback);
  expect(res.status).toBe(302);
  return outcomeOf(res.location);
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
): Promise<{ action: string; details: Record<string, unknown> }[]> {
  const res = await env.api
    .http()
    .get(`/api/v1/audit?action=${encodeURIComponent(action)}&limit=200`)
    .set('authorization', `Bearer ${org.admin}`);
  expect(res.status).toBe(200);
  return res.body.items;
}
