import { createHash, randomBytes } from 'node:crypto';

import { ConfidentialClientApplication } from '@azure/msal-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  DEMO_FABRIKAM_TENANT,
  DEMO_TENANT,
  startEmulator,
  type RunningEmulator,
  type TenantSpec,
} from '../src/index';
import { decodePayload, driveSignIn, postForm } from './helpers';

// Seed 001's individual connect, as the API will drive it: auth code + PKCE + state + nonce,
// prompt=select_account and a login_hint, against the "Rox 365 Integration" registration.
const REDIRECT = 'http://localhost:3000/api/v1/individual-connections/callback';
const CALENDAR = ['Calendars.Read', 'Calendars.ReadWrite', 'User.Read', 'offline_access'];
const SEED_DESCRIPTIONS = [
  'Read user calendars',
  'Have full access to user calendars',
  "View users' basic profile",
  'Maintain access to data you have given it access to',
];
let emu: RunningEmulator;

beforeAll(async () => {
  emu = await startEmulator({ seed: 'demo', apps: { individual: { redirectUris: [REDIRECT] } } });
});

afterAll(async () => {
  await emu.stop();
});

/** A tenant of its own with Contoso's people under `{domain}.com`. */
async function freshTenant(
  domain: string,
  consentPolicy?: TenantSpec['consentPolicy'],
): Promise<string> {
  await emu.control.createTenant({
    domain,
    people: 'contoso',
    users: 29,
    ...(consentPolicy ? { consentPolicy } : {}),
  });
  return `${domain}.com`;
}

const NO_USER_CONSENT = { userConsent: 'notAllowed', adminConsentWorkflow: true } as const;

function individualApp(authority = 'organizations'): ConfidentialClientApplication {
  return new ConfidentialClientApplication({
    auth: {
      clientId: emu.apps.individual.clientId,
      clientSecret: emu.apps.individual.clientSecret,
      authority: `${emu.authorityHost}/${authority}`,
      knownAuthorities: [new URL(emu.authorityHost).host],
    },
  });
}

interface Connect {
  url: string;
  verifier: string;
  app: ConfidentialClientApplication;
}

/** The authorize URL Connect sends the member to, with its PKCE verifier. */
async function connectUrl(
  upn: string,
  opts: { scopes?: string[]; state?: string; authority?: string } = {},
): Promise<Connect> {
  const app = individualApp(opts.authority);
  const verifier = randomBytes(32).toString('base64url');
  const url = await app.getAuthCodeUrl({
    scopes: opts.scopes ?? CALENDAR,
    redirectUri: REDIRECT,
    codeChallenge: createHash('sha256').update(verifier).digest('base64url'),
    codeChallengeMethod: 'S256',
    state: opts.state ?? 'st-1',
    nonce: 'n-1',
    prompt: 'select_account',
    loginHint: upn,
  });
  return { url, verifier, app };
}

/** Posts one more step of the sign-in pages (the browser session is carried by the form's user). */
async function step(url: string, form: Record<string, string>): Promise<Response> {
  return fetch(url, { method: 'POST', body: new URLSearchParams(form), redirect: 'manual' });
}

function redirectParams(res: Response): URLSearchParams {
  const location = res.headers.get('location') ?? '';
  expect(location.startsWith(`${REDIRECT}?`)).toBe(true);
  return new URL(location).searchParams;
}

/** Redeems a code at the token endpoint as the API will, returning the raw token response. */
async function redeem(
  tenant: string,
  code: string,
  verifier: string,
): Promise<Record<string, unknown>> {
  const res = await postForm(`${emu.authorityHost}/${tenant}/oauth2/v2.0/token`, {
    grant_type: 'authorization_code',
    client_id: emu.apps.individual.clientId,
    client_secret: emu.apps.individual.clientSecret,
    code,
    redirect_uri: REDIRECT,
    code_verifier: verifier,
    scope: [...CALENDAR, 'openid', 'profile'].join(' '),
  });
  expect(res.status).toBe(200);
  return res.body;
}

function refresh(
  tenant: string,
  refreshToken: string,
): Promise<{ status: number; body: Record<string, unknown> }> {
  return postForm(`${emu.authorityHost}/${tenant}/oauth2/v2.0/token`, {
    grant_type: 'refresh_token',
    client_id: emu.apps.individual.clientId,
    client_secret: emu.apps.individual.clientSecret,
    refresh_token: refreshToken,
    scope: CALENDAR.join(' '),
  });
}

describe('admin consent request workflow (seed 001 steps 2–7)', () => {
  it('asks for approval with the seed’s wording, files the request, and lets the admin approve it in the portal', async () => {
    const tenant = await freshTenant('approvals', NO_USER_CONSENT);
    const member = `megan.bowen@${tenant}`;
    const connect = await connectUrl(member);

    // Step 2: "Approval required" with the permissions in plain words and a justification box.
    const approval = await driveSignIn(connect.url, member);
    expect(approval.status).toBe(200);
    expect(approval.html).toContain('id="approval-required"');
    expect(approval.html).toContain('id="app-name">Rox 365 Integration<');
    expect(approval.html).toContain('id="app-publisher" class="muted">Rox Data Corp.<');
    expect(approval.html).toContain('id="publisher-verified"');
    for (const text of SEED_DESCRIPTIONS) expect(approval.html).toContain(esc(text));
    expect(approval.html).toContain('id="justification"');
    expect(approval.html).toContain('id="request-approval"');

    // Step 3: "Request sent".
    const sent = await step(connect.url, {
      action: 'request',
      user: member,
      justification: 'I want to sync my data to Rox',
    });
    expect(await sent.text()).toContain('id="request-sent"');
    const [request, ...others] = await emu.control.consentRequests(tenant);
    expect(others).toEqual([]);
    expect(request).toMatchObject({
      appId: emu.apps.individual.clientId,
      requestedByUpn: member,
      justification: 'I want to sync my data to Rox',
      status: 'InProgress',
    });
    expect(request?.scopes).toEqual(expect.arrayContaining(CALENDAR));
    expect(await emu.control.consentNotifications(tenant)).toMatchObject([
      { kind: 'requestFiled', to: 'reviewers', requestId: request?.id },
    ]);

    // Signing in again while the request is pending says so, files nothing new, and returning to
    // the app gives AADSTS90095.
    const again = await driveSignIn(connect.url, member);
    expect(again.html).toContain('id="request-pending"');
    expect(again.html).not.toContain('id="request-approval"');
    const back = redirectParams(
      await step(connect.url, { action: 'back-approval-required', user: member }),
    );
    expect(back.get('error')).toBe('access_denied');
    expect(back.get('error_description')).toMatch(/^AADSTS90095: /);
    expect(back.get('state')).toBe('st-1');
    expect(back.get('code')).toBeNull();
    expect(await emu.control.consentRequests(tenant)).toHaveLength(1);

    // Step 4: Entra ID > Enterprise apps > Admin consent requests > My Pending.
    const portal = `${emu.baseUrl}/portal/${tenant}/consent-requests`;
    const pending = await (await fetch(portal)).text();
    expect(pending).toContain(`id="review-${request?.id ?? ''}"`);
    expect(pending).toContain(`<td class="requested-by">${member}</td>`);
    const details = await (await fetch(`${portal}/${request?.id ?? ''}`)).text();
    expect(details).toContain(`id="requested-by">${member}<`);
    expect(details).toContain('id="justification">I want to sync my data to Rox<');
    expect(details).toContain('id="review-permissions-consent"');

    // Step 5: "Review permissions and consent" opens the consent dialog.
    const dialog = await (await fetch(`${portal}/${request?.id ?? ''}/consent`)).text();
    expect(dialog).toContain('id="consent-title">Permissions requested<');
    expect(dialog).toContain('id="app-publisher" class="muted">Rox Data Corp.<');
    expect(dialog).toContain('id="publisher-verified"');
    for (const text of SEED_DESCRIPTIONS) expect(dialog).toContain(esc(text));
    expect(dialog).toContain(
      `id="signed-in-user">admin@${tenant.replace('.com', '.onmicrosoft.com')}<`,
    );
    const accepted = await step(`${portal}/${request?.id ?? ''}/consent`, { action: 'accept' });
    expect(accepted.status).toBe(303);

    // Tenant-wide delegated grant, the request completed, the requester notified.
    const summary = await emu.control.tenant(tenant);
    expect(summary.delegatedGrantsByApp[emu.apps.individual.clientId]?.['AllPrincipals']).toEqual(
      expect.arrayContaining(CALENDAR),
    );
    expect(summary.servicePrincipals.map((sp) => sp.appId)).toEqual([emu.apps.individual.clientId]);
    const [done] = await emu.control.consentRequests(tenant);
    expect(done).toMatchObject({
      status: 'Completed',
      reviewedBy: `admin@${tenant.replace('.com', '.onmicrosoft.com')}`,
    });
    expect(await emu.control.consentNotifications(tenant, { to: member })).toMatchObject([
      { kind: 'requestApproved', to: member, requestId: request?.id },
    ]);
    expect(await (await fetch(portal)).text()).toContain('id="no-consent-requests"');
    expect(await (await fetch(`${portal}?tab=all`)).text()).toContain(
      '<td class="status">Approved</td>',
    );

    // Step 7: Connect again. prompt=select_account shows the account picker only, then the code.
    const final = await connectUrl(member, { state: 'st-2' });
    const signedIn = await driveSignIn(final.url, member);
    expect(signedIn.status).toBe(302);
    const params = redirectParams(await step(final.url, { action: 'signin', user: member }));
    expect(params.get('state')).toBe('st-2');
    const result = await final.app.acquireTokenByCode({
      code: params.get('code') ?? '',
      scopes: CALENDAR,
      redirectUri: REDIRECT,
      codeVerifier: final.verifier,
      nonce: 'n-1',
    });
    expect(String(decodePayload(result.accessToken).scp).split(' ')).toEqual(
      expect.arrayContaining(['Calendars.Read', 'Calendars.ReadWrite', 'User.Read']),
    );
    expect(result.idTokenClaims).toMatchObject({ nonce: 'n-1', preferred_username: member });

    // Tenant-wide: a colleague who never asked gets a code without any prompt too.
    const colleague = `alex.wilber@${tenant}`;
    const theirs = await driveSignIn((await connectUrl(colleague)).url, colleague);
    expect(theirs.location?.searchParams.get('code')).toBeTruthy();
  });

  it('records a denial with the reviewer’s reason, grants nothing, and lets the member ask again', async () => {
    const tenant = await freshTenant('denials', NO_USER_CONSENT);
    const member = `adele.vance@${tenant}`;
    const connect = await connectUrl(member);
    await driveSignIn(connect.url, member);
    await step(connect.url, { action: 'request', user: member, justification: 'please' });
    const [request] = await emu.control.consentRequests(tenant);
    const review = `${emu.baseUrl}/portal/${tenant}/consent-requests/${request?.id ?? ''}`;

    // Entra requires a reason to deny.
    const noReason = await step(review, { action: 'deny', reason: ' ' });
    expect(noReason.status).toBe(200);
    expect(await noReason.text()).toContain('id="deny-reason-required"');
    expect((await emu.control.consentRequests(tenant))[0]?.status).toBe('InProgress');

    const denied = await step(review, { action: 'deny', reason: 'Use the org-wide connection' });
    expect(denied.status).toBe(303);
    expect((await emu.control.consentRequests(tenant))[0]).toMatchObject({
      status: 'Denied',
      reviewReason: 'Use the org-wide connection',
    });
    expect(await emu.control.consentNotifications(tenant, { to: member })).toMatchObject([
      { kind: 'requestDenied', reason: 'Use the org-wide connection' },
    ]);
    const summary = await emu.control.tenant(tenant);
    expect(summary.servicePrincipals).toEqual([]);
    expect(summary.delegatedGrantsByApp[emu.apps.individual.clientId]).toBeUndefined();
    expect(await (await fetch(review)).text()).toContain(
      'id="review-reason">Use the org-wide connection<',
    );

    // A denial does not block: the member sees "Approval required" again and may ask again. The
    // redirect is the same as before any request — Microsoft tells the app nothing about a denial.
    const again = await driveSignIn(connect.url, member);
    expect(again.html).toContain('id="request-approval"');
    const back = redirectParams(
      await step(connect.url, { action: 'back-approval-required', user: member }),
    );
    expect(back.get('error')).toBe('access_denied');
    expect(back.get('error_description')).toMatch(/^AADSTS90095: /);
  });

  it('approves and denies through the control API as the portal does', async () => {
    const tenant = await freshTenant('controlreview', NO_USER_CONSENT);
    for (const local of ['lee.gu', 'lidia.holloway']) {
      const upn = `${local}@${tenant}`;
      const { url } = await connectUrl(upn);
      await driveSignIn(url, upn);
      await step(url, { action: 'request', user: upn, justification: local });
    }
    const [first] = await emu.control.consentRequests(tenant);
    // One Entra request per app: approving covers both requesters.
    const approved = await emu.control.approveConsentRequest(tenant, first?.id ?? '', {
      reviewer: `cameron.white@${tenant}`,
    });
    expect(approved.map((r) => r.requestedByUpn)).toEqual([
      `lee.gu@${tenant}`,
      `lidia.holloway@${tenant}`,
    ]);
    expect(approved.every((r) => r.reviewedBy === `cameron.white@${tenant}`)).toBe(true);
    await expect(emu.control.denyConsentRequest(tenant, first?.id ?? '', 'late')).rejects.toThrow(
      /409/,
    );
    const notified = await emu.control.consentNotifications(tenant);
    expect(notified.filter((n) => n.kind === 'requestApproved')).toHaveLength(2);
  });
});

describe('the admin-consent link an admin can be sent', () => {
  it('shows the individual app’s permissions in words with the verified publisher, and grants them tenant-wide', async () => {
    const tenant = await freshTenant('adminlink', NO_USER_CONSENT);
    const url = `${emu.authorityHost}/${tenant}/v2.0/adminconsent?${new URLSearchParams({
      client_id: emu.apps.individual.clientId,
      scope: 'https://graph.microsoft.com/.default',
      redirect_uri: REDIRECT,
      state: 'al',
    }).toString()}`;
    const admin = `isaiah.langer@${tenant}`;
    const dialog = await driveSignIn(url, admin);
    expect(dialog.html).toContain('id="publisher-verified"');
    for (const text of SEED_DESCRIPTIONS) expect(dialog.html).toContain(esc(text));
    const done = await driveSignIn(url, admin, { action: 'accept' });
    expect(done.location?.searchParams.get('admin_consent')).toBe('True');
    const member = `megan.bowen@${tenant}`;
    const signedIn = await driveSignIn((await connectUrl(member)).url, member);
    expect(signedIn.location?.searchParams.get('code')).toBeTruthy();
  });
});

describe('outcomes on the redirect URI', () => {
  it('a user cancelling the consent prompt: access_denied, error_subcode=cancel, AADSTS65004', async () => {
    const member = 'diego.siciliani@contoso.com';
    const { url } = await connectUrl(member, { state: 'cancel-me' });
    const prompt = await driveSignIn(url, member);
    // The user's own prompt speaks to the user.
    expect(prompt.html).toContain('Read your calendars');
    expect(prompt.html).toContain('Have full access to your calendars');
    expect(prompt.html).toContain('id="publisher-verified"');
    const params = redirectParams(await step(url, { action: 'cancel', user: member }));
    expect(
      Object.fromEntries(
        [...params].map(([k, v]) => [k, k === 'error_description' ? v.split('\r\n')[0] : v]),
      ),
    ).toEqual({
      error: 'access_denied',
      error_description: 'AADSTS65004: User declined to consent to access the app.',
      error_uri: 'https://login.microsoftonline.com/error?code=65004',
      error_subcode: 'cancel',
      state: 'cancel-me',
    });
    expect(params.get('error_description')).toMatch(
      /\r\nTrace ID: .+\r\nCorrelation ID: .+\r\nTimestamp: /,
    );
  });

  it('without the admin consent workflow: "Need admin approval", then access_denied with AADSTS90094', async () => {
    const tenant = await freshTenant('noworkflow', {
      userConsent: 'notAllowed',
      adminConsentWorkflow: false,
    });
    const member = `grady.archie@${tenant}`;
    const { url } = await connectUrl(member, { state: 'nw' });
    const page = await driveSignIn(url, member);
    expect(page.html).toContain('id="need-admin-approval"');
    expect(page.html).toContain('Read user calendars');
    expect(page.html).not.toContain('id="request-approval"');
    const params = redirectParams(await step(url, { action: 'back-need-admin', user: member }));
    expect(params.get('error')).toBe('access_denied');
    expect(params.get('error_description')?.split('\r\n')[0]).toBe(
      'AADSTS90094: The grant requires admin permission.',
    );
    expect(params.get('error_subcode')).toBeNull();
    expect(params.get('state')).toBe('nw');
  });

  it('a member whose mailbox is not enabled signs in, and Graph answers 404 MailboxNotEnabledForRESTAPI', async () => {
    const upn = DEMO_TENANT.users.noMailbox;
    const { url, verifier } = await connectUrl(upn);
    const consented = await driveSignIn(url, upn, { action: 'accept' });
    const code = consented.location?.searchParams.get('code') ?? '';
    expect(code).toBeTruthy();
    const tokens = await redeem('organizations', code, verifier);
    const get = (path: string): Promise<Response> =>
      fetch(`${emu.graphBaseUrl}/v1.0${path}`, {
        headers: { authorization: `Bearer ${String(tokens.access_token)}` },
      });
    expect(
      ((await (await get('/me')).json()) as { userPrincipalName: string }).userPrincipalName,
    ).toBe(upn);
    for (const path of [
      '/me/calendarView?startDateTime=2025-01-01T00:00:00Z&endDateTime=2025-01-08T00:00:00Z',
      '/me/events',
    ]) {
      const res = await get(path);
      expect(res.status).toBe(404);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe(
        'MailboxNotEnabledForRESTAPI',
      );
    }
  });

  it('a user from another tenant: a code for their home tenant at /organizations, AADSTS50020 at the org’s authority', async () => {
    const upn = DEMO_FABRIKAM_TENANT.users.notInvited;
    const { url, verifier } = await connectUrl(upn);
    const consented = await driveSignIn(url, upn, { action: 'accept' });
    const tokens = await redeem(
      'organizations',
      consented.location?.searchParams.get('code') ?? '',
      verifier,
    );
    const idToken = decodePayload(String(tokens.id_token));
    expect(idToken.tid).toBe(DEMO_FABRIKAM_TENANT.id);
    expect(idToken.tid).not.toBe(DEMO_TENANT.id);

    const atContoso = await connectUrl(upn, { authority: DEMO_TENANT.id });
    const refused = await driveSignIn(atContoso.url, upn);
    expect(refused.status).toBe(400);
    expect(refused.location).toBeUndefined();
    expect(refused.html).toContain('AADSTS50020');
  });
});

describe('enterprise app delete in the portal', () => {
  it('removes each app’s service principal, app-role assignments and every delegated grant, leaving the other app alone', async () => {
    const tenant = await freshTenant('deletes');
    const member = `johanna.lorenz@${tenant}`;
    await emu.control.adminConsent(tenant);
    await emu.control.grantDelegated(tenant, member, ['Mail.Read']);
    await emu.control.adminConsent(tenant, { app: 'individual' });
    const { url, verifier } = await connectUrl(member, {
      // A scope the admin consent did not cover: the member's own grant is a second one.
      scopes: [...CALENDAR, 'Mail.ReadBasic'],
    });
    const consented = await driveSignIn(url, member, { action: 'accept' });
    const tokens = await redeem(
      tenant,
      consented.location?.searchParams.get('code') ?? '',
      verifier,
    );
    const before = await emu.control.tenant(tenant);
    expect(
      Object.keys(before.delegatedGrantsByApp[emu.apps.individual.clientId] ?? {}).length,
    ).toBe(2);

    const props = (appId: string): string =>
      `${emu.baseUrl}/portal/${tenant}/enterprise-apps/${appId}/properties`;
    const page = await (await fetch(props(emu.apps.individual.clientId))).text();
    expect(page).toContain('id="delete-enterprise-app"');
    expect((await step(props(emu.apps.individual.clientId), { action: 'delete' })).status).toBe(
      303,
    );

    const afterIndividual = await emu.control.tenant(tenant);
    expect(afterIndividual.servicePrincipals.map((sp) => sp.appId)).toEqual([
      emu.apps.orgwide.clientId,
    ]);
    expect(afterIndividual.delegatedGrantsByApp[emu.apps.individual.clientId]).toBeUndefined();
    expect(afterIndividual.servicePrincipal?.grantedRoles).toEqual(
      [...emu.apps.orgwide.applicationPermissions].sort(),
    );
    // The member's refresh token now lacks consent.
    const refused = await refresh(tenant, String(tokens.refresh_token));
    expect(refused.body).toMatchObject({
      error: 'invalid_grant',
      error_codes: [65001],
      suberror: 'consent_required',
    });
    expect((await fetch(props(emu.apps.individual.clientId))).status).toBe(404);

    expect((await step(props(emu.apps.orgwide.clientId), { action: 'delete' })).status).toBe(303);
    const afterBoth = await emu.control.tenant(tenant);
    expect(afterBoth.servicePrincipals).toEqual([]);
    expect(afterBoth.delegatedGrantsByApp).toEqual({});
    const cc = await postForm(`${emu.authorityHost}/${tenant}/oauth2/v2.0/token`, {
      grant_type: 'client_credentials',
      client_id: emu.apps.orgwide.clientId,
      client_secret: emu.apps.orgwide.clientSecret,
      scope: 'https://graph.microsoft.com/.default',
    });
    expect(cc.body.error_codes).toEqual([700016]);
    expect(await (await fetch(`${emu.baseUrl}/portal/${tenant}/enterprise-apps`)).text()).toContain(
      'id="no-enterprise-apps"',
    );
  });
});

describe('refresh tokens of the individual app', () => {
  async function connected(tenant: string, upn: string): Promise<Record<string, unknown>> {
    const { url, verifier } = await connectUrl(upn, { authority: tenant });
    const consented = await driveSignIn(url, upn, { action: 'accept' });
    return redeem(tenant, consented.location?.searchParams.get('code') ?? '', verifier);
  }

  it('rotates on every refresh; the redeemed one stays usable unless refreshTokenReuse is reject', async () => {
    const tenant = await freshTenant('rotation');
    const upn = `nestor.wilke@${tenant}`;
    const first = String((await connected(tenant, upn)).refresh_token);
    const second = await refresh(tenant, first);
    expect(second.status).toBe(200);
    expect(second.body.refresh_token).toBeTruthy();
    expect(second.body.refresh_token).not.toBe(first);
    expect((await refresh(tenant, first)).status).toBe(200);

    await emu.control.updateSettings({ refreshTokenReuse: 'reject' });
    try {
      const next = String(second.body.refresh_token);
      expect((await refresh(tenant, next)).status).toBe(200);
      expect((await refresh(tenant, next)).body).toMatchObject({ error: 'invalid_grant' });
    } finally {
      await emu.control.updateSettings({ refreshTokenReuse: 'allow' });
    }
  });

  it('"Revoke sessions" in the portal ends every refresh token and the browser session with AADSTS50173', async () => {
    const tenant = await freshTenant('revokeportal');
    const upn = `patti.fernandez@${tenant}`;
    const { url } = await connectUrl(upn, { authority: tenant });
    const consented = await driveSignIn(url, upn, { action: 'accept' });
    const tokens = await connected(tenant, upn);
    const slug = upn.replace(/[^a-z0-9]+/g, '-');
    const users = `${emu.baseUrl}/portal/${tenant}/users`;
    const userId = emu.state.findTenant(tenant)?.findUser(upn)?.id;
    expect(await (await fetch(users)).text()).toContain(`id="revoke-sessions-${slug}"`);
    expect((await step(users, { action: 'revoke-sessions', user: userId ?? '' })).status).toBe(303);

    const refused = await refresh(tenant, String(tokens.refresh_token));
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ error: 'invalid_grant', error_codes: [50173] });
    expect(String(refused.body.error_description)).toMatch(
      /^AADSTS50173: The provided grant has expired due to it being revoked.*TokensValidFrom date .* is '\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z'/,
    );
    // The browser session is gone too: a silent request needs a sign-in.
    const silent = await individualApp(tenant).getAuthCodeUrl({
      scopes: CALENDAR,
      redirectUri: REDIRECT,
      prompt: 'none',
    });
    const res = await fetch(silent, { redirect: 'manual', headers: { cookie: consented.cookie } });
    expect(new URL(res.headers.get('location') ?? '').searchParams.get('error')).toBe(
      'login_required',
    );
    // Signing in again issues tokens that work.
    const fresh = await connected(tenant, upn);
    expect((await refresh(tenant, String(fresh.refresh_token))).status).toBe(200);
  });

  it('revocation through the control API and consent removal answer invalid_grant 50173 and 65001', async () => {
    const tenant = await freshTenant('revokecontrol');
    const upn = `miriam.graham@${tenant}`;
    const one = await connected(tenant, upn);
    const result = await emu.control.revokeSignInSessions(tenant, upn);
    expect(result.revoked).toBeGreaterThan(0);
    expect((await refresh(tenant, String(one.refresh_token))).body.error_codes).toEqual([50173]);

    const two = await connected(tenant, upn);
    // The admin removes the member's own grant (portal: Permissions > User consent > Revoke).
    const userId = emu.state.findTenant(tenant)?.findUser(upn)?.id ?? '';
    const perms = `${emu.baseUrl}/portal/${tenant}/enterprise-apps/${emu.apps.individual.clientId}/permissions`;
    await step(perms, {
      action: 'revoke-delegated',
      principal: userId,
      permission: 'Calendars.ReadWrite',
    });
    const refused = await refresh(tenant, String(two.refresh_token));
    expect(refused.body).toMatchObject({
      error: 'invalid_grant',
      error_codes: [65001],
      suberror: 'consent_required',
    });
  });
});

describe('the demo switch', () => {
  it('consentPolicies (the CLI’s --user-consent off) turns user consent off in Contoso only', async () => {
    const demo = await startEmulator({
      seed: 'demo',
      consentPolicies: {
        'contoso.onmicrosoft.com': { userConsent: 'notAllowed', adminConsentWorkflow: true },
      },
    });
    try {
      expect((await demo.control.tenant(DEMO_TENANT.id)).consentPolicy).toEqual({
        userConsent: 'notAllowed',
        adminConsentWorkflow: true,
      });
      expect((await demo.control.tenant(DEMO_FABRIKAM_TENANT.id)).consentPolicy.userConsent).toBe(
        'allowed',
      );
    } finally {
      await demo.stop();
    }
    await expect(
      startEmulator({ seed: 'demo', consentPolicies: { 'nowhere.com': {} } }),
    ).rejects.toThrow(/unknown tenant/);
  });
});

function esc(text: string): string {
  return text.replace(/'/g, '&#39;');
}
