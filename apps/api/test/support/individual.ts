import { expect } from 'vitest';

import { followToApi, type ApiWithEmulator } from './emulator';

/** A member of a test org: their bearer token and Rox email. */
export interface TestMember {
  orgId: string;
  roxUserId: string;
  email: string;
  token: string;
}

/** Creates the member through the members API (as the Rox platform does) and signs a token. */
export async function addMember(
  env: ApiWithEmulator,
  orgId: string,
  roxUserId: string,
  email: string,
  role: 'admin' | 'member' = 'member',
): Promise<TestMember> {
  const service = await env.api.tokenFor({ roxUserId: 'svc', orgId, role: 'service' });
  const res = await env.api
    .http()
    .put(`/api/v1/members/${roxUserId}`)
    .set('authorization', `Bearer ${service}`)
    .send({ email, displayName: roxUserId, role });
  expect(res.status, JSON.stringify(res.body)).toBeLessThan(300);
  return {
    orgId,
    roxUserId,
    email,
    token: await env.api.tokenFor({ roxUserId, orgId, role, email }),
  };
}

/** A started Connect as the member's browser holds it. */
export interface IndividualStart {
  status: number;
  body: Record<string, unknown> & {
    authorizeUrl: string;
    connection: { id: string; status: string };
  };
  authorizeUrl: string;
  /** The browser-binding cookie as a `Cookie` header value. */
  cookie: string;
}

export async function startIndividual(
  env: ApiWithEmulator,
  member: TestMember,
  kind: 'calendar' | 'mail' = 'calendar',
  level?: string,
): Promise<IndividualStart> {
  const res = await env.api
    .http()
    .post('/api/v1/individual-connections')
    .set('authorization', `Bearer ${member.token}`)
    .send({ provider: 'microsoft', kind, ...(level ? { level } : {}) });
  const setCookie = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
  return {
    status: res.status,
    body: res.body as IndividualStart['body'],
    authorizeUrl: (res.body as { authorizeUrl?: string }).authorizeUrl ?? '',
    cookie: setCookie.map((c) => c.split(';')[0]).join('; '),
  };
}

/** What the member does on Microsoft's pages after picking their account. */
export type MicrosoftStep =
  | { action: 'accept' }
  | { action: 'cancel' }
  | { action: 'request-approval'; justification: string }
  | { action: 'back' };

/**
 * Walks Microsoft's pages like the member's browser: the account picker, then (if a page is
 * shown) the step given. Returns the redirect to the API's callback, not yet followed, and the
 * HTML of the page Microsoft showed, if any.
 */
export async function microsoftSignIn(
  authorizeUrl: string,
  user: string,
  step: MicrosoftStep = { action: 'accept' },
): Promise<{ callback: URL; page: string }> {
  const picker = await fetch(authorizeUrl, { redirect: 'manual' });
  expect(picker.status, 'account picker').toBe(200);
  await picker.text();
  const post = (form: Record<string, string>) =>
    fetch(authorizeUrl, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form).toString(),
    });
  let res = await post({ action: 'signin', user });
  let page = '';
  if (res.status === 200) {
    page = await res.text();
    if (step.action === 'request-approval') {
      const sent = await post({ action: 'request', user, justification: step.justification });
      expect(await sent.text()).toContain('id="request-sent"');
      res = await post({ action: 'back-approval-required', user });
    } else if (step.action === 'back') {
      const back = page.includes('id="need-admin-approval"')
        ? 'back-need-admin'
        : 'back-approval-required';
      res = await post({ action: back, user });
    } else {
      res = await post({ action: step.action, user });
    }
  }
  const body = res.status === 302 ? '' : await res.text();
  const location = res.headers.get('location');
  if (res.status !== 302 || !location) {
    throw new Error(`expected a redirect to the app, got ${res.status}: ${body.slice(0, 300)}`);
  }
  return { callback: new URL(location), page };
}

/** The SPA result the API redirected to: outcome, kind, ref and Microsoft's code. */
export interface IndividualResult {
  status: number;
  outcome: string | null;
  kind: string | null;
  ref: string | null;
  code: string | null;
  location: URL | null;
}

/** Follows Microsoft's redirect to the API's callback with the browser's cookie. */
export async function finishAtApi(
  callback: URL | string,
  cookie?: string,
): Promise<IndividualResult> {
  const res = await followToApi(callback, cookie);
  const isResult = res.location?.pathname === '/integrations/outlook/result';
  const param = (name: string) =>
    isResult ? (res.location?.searchParams.get(name) ?? null) : null;
  return {
    status: res.status,
    outcome: param('outcome'),
    kind: param('kind'),
    ref: param('ref'),
    code: param('code'),
    location: res.location,
  };
}

/** Connect → Microsoft → callback in one go. */
export async function connectIndividual(
  env: ApiWithEmulator,
  member: TestMember,
  user: string,
  step: MicrosoftStep = { action: 'accept' },
  kind: 'calendar' | 'mail' = 'calendar',
): Promise<IndividualResult & { page: string; connectionId: string }> {
  const start = await startIndividual(env, member, kind);
  expect(start.status, JSON.stringify(start.body)).toBe(200);
  const { callback, page } = await microsoftSignIn(start.authorizeUrl, user, step);
  return {
    ...(await finishAtApi(callback, start.cookie)),
    page,
    connectionId: start.body.connection.id,
  };
}

export async function myConnections(
  env: ApiWithEmulator,
  member: TestMember,
  all = false,
): Promise<Record<string, unknown>[]> {
  const res = await env.api
    .http()
    .get(`/api/v1/individual-connections${all ? '?all=true' : ''}`)
    .set('authorization', `Bearer ${member.token}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return (res.body as { items: Record<string, unknown>[] }).items;
}
