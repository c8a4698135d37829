import { MikroORM } from '@mikro-orm/postgresql';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

import { DEMO_FABRIKAM_TENANT, DEMO_TENANT } from '@rox365/m365-emulator';

import {
  ADMIN_LINK_STATE,
  INDIVIDUAL_STATE_TTL_SECONDS,
} from '../../src/consent/individual/individual.constants';
import { Clock } from '../../src/platform/time/clock';
import { startApiWithEmulator, type ApiWithEmulator } from '../support/emulator';
import {
  addMember,
  connectIndividual,
  finishAtApi,
  microsoftSignIn,
  myConnections,
  startIndividual,
  type TestMember,
} from '../support/individual';
import { auditActions, connectOrg, orgTokens, type OrgTokens } from '../support/orgwide';
import { newOrgId } from '../support/test-env';

// Seed 001 over HTTP: the member's browser is plain fetch walking the emulator's pages, the API
// runs on a real port with the emulator as Microsoft, Postgres and Redis are real.
let env: ApiWithEmulator;

beforeAll(async () => {
  env = await startApiWithEmulator();
});

afterAll(async () => {
  await env.close();
});

async function org(): Promise<OrgTokens> {
  return orgTokens(env, newOrgId('ind'));
}

/** A tenant of its own with Contoso's people under `{domain}.com`, and its consent policy. */
async function freshTenant(
  domain: string,
  consentPolicy?: { userConsent: 'allowed' | 'notAllowed'; adminConsentWorkflow: boolean },
): Promise<string> {
  await env.emu.control.createTenant({
    domain,
    people: 'contoso',
    users: 29,
    ...(consentPolicy ? { consentPolicy } : {}),
  });
  return `${domain}.com`;
}

// Contoso's vanity domain: its members' user names.
const CONTOSO = 'contoso.com';

const NO_USER_CONSENT = { userConsent: 'notAllowed', adminConsentWorkflow: true } as const;

async function tokenRows(connectionIds: string[]) {
  const conn = env.api.app.get(MikroORM).em.fork().getConnection();
  return conn.execute<
    { connection_id: string; refresh_token_sealed: string; version: number; tenant_id: string }[]
  >(
    `select connection_id, refresh_token_sealed, version, tenant_id from individual_token where connection_id in (${connectionIds.map(() => '?').join(', ')})`,
    connectionIds,
  );
}

async function api(method: 'post' | 'delete', path: string, member: { token: string }) {
  const http = env.api.http();
  const url = `/api/v1/individual-connections${path}`;
  const req = method === 'post' ? http.post(url) : http.delete(url);
  return req.set('authorization', `Bearer ${member.token}`);
}

describe('Connect with user consent allowed', () => {
  it('sends the member to Microsoft with code + PKCE + state + nonce, and stores a sealed refresh token', async () => {
    const o = await org();
    const member = await addMember(env, o.orgId, 'megan', DEMO_TENANT.users.member);

    const start = await startIndividual(env, member, 'calendar');
    expect(start.status, JSON.stringify(start.body)).toBe(200);
    const url = new URL(start.authorizeUrl);
    // No org-wide tenant saved: any work account, the tenant is checked on return.
    expect(url.pathname).toBe('/organizations/oauth2/v2.0/authorize');
    const q = Object.fromEntries(url.searchParams);
    expect(q).toMatchObject({
      client_id: env.emu.apps.individual.clientId,
      response_type: 'code',
      redirect_uri: `${env.apiUrl}/api/v1/individual-connections/callback`,
      code_challenge_method: 'S256',
      prompt: 'select_account',
      login_hint: DEMO_TENANT.users.member,
    });
    expect(q.scope?.split(' ').sort()).toEqual(
      [
        'Calendars.Read',
        'Calendars.ReadWrite',
        'MailboxSettings.Read',
        'User.Read',
        'offline_access',
        'openid',
        'profile',
      ].sort(),
    );
    expect(q.state).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(q.nonce).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(q.code_challenge).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const raw = await env.api
      .http()
      .post('/api/v1/individual-connections')
      .set('authorization', `Bearer ${member.token}`)
      .send({ provider: 'microsoft', kind: 'calendar' });
    const [cookie] = ([] as string[]).concat(raw.headers['set-cookie'] ?? []);
    expect(cookie).toMatch(/^rox365_individual_connect=[A-Za-z0-9_-]{43};/);
    expect(cookie).toContain('Path=/api/v1/individual-connections');
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Lax');

    // A second click resumes the same connection.
    const again = await startIndividual(env, member, 'calendar');
    expect(again.body.connection.id).toBe(start.body.connection.id);
    expect(await myConnections(env, member)).toHaveLength(1);

    const { callback, page } = await microsoftSignIn(again.authorizeUrl, DEMO_TENANT.users.member);
    expect(page).toContain('Read your calendars');
    expect(page).toContain('Read your mailbox settings');
    const result = await finishAtApi(callback, again.cookie);
    expect(result).toMatchObject({
      status: 302,
      outcome: 'connected',
      kind: 'calendar',
      ref: null,
    });

    const [connection] = await myConnections(env, member);
    expect(connection).toMatchObject({
      status: 'connected',
      microsoftAccount: DEMO_TENANT.users.member,
      tenantId: env.tenantId,
      approval: null,
    });
    expect(connection?.scopes).toEqual(
      expect.arrayContaining(['Calendars.ReadWrite', 'MailboxSettings.Read']),
    );

    const [row] = await tokenRows([start.body.connection.id]);
    expect(row?.refresh_token_sealed).toMatch(/^enc:v2:v1:/);
    expect(row?.version).toBe(1);

    // A check refreshes: the rotated token replaces the stored one.
    const check = await api('post', `/${start.body.connection.id}/check`, member);
    expect(check.status, JSON.stringify(check.body)).toBe(200);
    expect(check.body.ok).toBe(true);
    const [rotated] = await tokenRows([start.body.connection.id]);
    expect(rotated?.version).toBe(2);
    expect(rotated?.refresh_token_sealed).not.toBe(row?.refresh_token_sealed);

    const outcomes = await auditActions(env, o, 'individual-connections.sign-in-outcome');
    expect(outcomes.map((e) => e.details.outcome)).toEqual(['connected']);
  });

  it('refuses a state used twice, a link finished in another browser, and a state never issued', async () => {
    const o = await org();
    const member = await addMember(env, o.orgId, 'alex', `alex.wilber@${CONTOSO}`);
    const start = await startIndividual(env, member);
    const { callback } = await microsoftSignIn(start.authorizeUrl, member.email);
    expect((await finishAtApi(callback)).outcome).toBe('browser_mismatch');
    expect((await finishAtApi(callback, start.cookie)).outcome).toBe('state_reused');
    const forged = new URL(callback);
    forged.searchParams.set('state', 'never-issued');
    expect((await finishAtApi(forged, start.cookie)).outcome).toBe('state_invalid');
    expect((await myConnections(env, member))[0]?.status).toBe('pending');
  });

  it('a callback with a state that is not the live sign-in leaves its cookie alone, so the sign-in still finishes', async () => {
    const o = await org();
    const member = await addMember(env, o.orgId, 'nestor', `nestor.wilke@${CONTOSO}`);
    const start = await startIndividual(env, member);
    // Any page can send the member's browser to the callback while they are at Microsoft: with
    // garbage, the admin-consent link's state, or the live state of the sender's own sign-in.
    const sender = await addMember(env, o.orgId, 'lure', `lee.gu@${CONTOSO}`);
    const theirs = new URL((await startIndividual(env, sender)).authorizeUrl).searchParams.get(
      'state',
    );
    for (const [state, outcome] of [
      ['x', 'state_invalid'],
      [ADMIN_LINK_STATE, 'admin_consent_not_granted'],
      [theirs ?? '', 'browser_mismatch'],
    ]) {
      const lure = await fetch(
        `${env.apiUrl}/api/v1/individual-connections/callback?state=${encodeURIComponent(state ?? '')}`,
        { redirect: 'manual', headers: { cookie: start.cookie } },
      );
      expect(lure.status).toBe(302);
      expect(new URL(lure.headers.get('location') ?? '').searchParams.get('outcome')).toBe(outcome);
      expect(lure.headers.get('set-cookie'), outcome).toBeNull();
    }
    const { callback } = await microsoftSignIn(start.authorizeUrl, member.email);
    const done = await fetch(callback, { redirect: 'manual', headers: { cookie: start.cookie } });
    expect(new URL(done.headers.get('location') ?? '').searchParams.get('outcome')).toBe(
      'connected',
    );
    // The sign-in's own callback ends it: the cookie goes.
    expect(done.headers.get('set-cookie')).toMatch(/^rox365_individual_connect=;/);
  });

  it('a link completed after its lifetime is state_expired', async () => {
    const o = await org();
    const member = await addMember(env, o.orgId, 'isaiah', `isaiah.langer@${CONTOSO}`);
    const start = await startIndividual(env, member);
    const { callback } = await microsoftSignIn(start.authorizeUrl, member.email);
    const clock = env.api.app.get(Clock);
    const later = new Date(Date.now() + (INDIVIDUAL_STATE_TTL_SECONDS + 60) * 1000);
    const spy = vi.spyOn(clock, 'now').mockReturnValue(later);
    try {
      expect((await finishAtApi(callback, start.cookie)).outcome).toBe('state_expired');
    } finally {
      spy.mockRestore();
    }
    expect((await tokenRows([start.body.connection.id])).length).toBe(0);
  });

  it('a cancelled consent prompt is its own outcome, with Microsoft’s code', async () => {
    const o = await org();
    const member = await addMember(env, o.orgId, 'diego', `diego.siciliani@${CONTOSO}`);
    const result = await connectIndividual(env, member, member.email, { action: 'cancel' });
    expect(result).toMatchObject({ outcome: 'cancelled', code: 'AADSTS65004' });
    expect(result.ref).toBeTruthy();
    expect((await tokenRows([result.connectionId])).length).toBe(0);
  });

  it('two first clicks at once still make one connection (the partial unique index)', async () => {
    const o = await org();
    const member = await addMember(env, o.orgId, 'joni', `joni.sherman@${CONTOSO}`);
    const [a, b] = await Promise.all([startIndividual(env, member), startIndividual(env, member)]);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(a.body.connection.id).toBe(b.body.connection.id);
    expect(await myConnections(env, member)).toHaveLength(1);
    // Both links are live states of that one connection; either completes it.
    const { callback } = await microsoftSignIn(b.authorizeUrl, member.email);
    expect((await finishAtApi(callback, b.cookie)).outcome).toBe('connected');
  });

  it('validates the request: a level of the other kind is a field error', async () => {
    const o = await org();
    const member = await addMember(env, o.orgId, 'lee', `lee.gu@${CONTOSO}`);
    const bad = await startIndividual(env, member, 'calendar', 'read_send');
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('body.level');
    const mail = await startIndividual(env, member, 'mail', 'read_send');
    expect(mail.status).toBe(200);
    expect(new URL(mail.authorizeUrl).searchParams.get('scope')).toContain('Mail.Send');
  });
});

describe('approval required (seed 001 steps 2–7)', () => {
  it('waits for the admin, who approves through Entra; Connect again finishes with no prompt', async () => {
    const tenant = await freshTenant('indapprove', NO_USER_CONSENT);
    const o = await org();
    const member = await addMember(env, o.orgId, 'megan', `megan.bowen@${tenant}`);

    const first = await connectIndividual(env, member, member.email, {
      action: 'request-approval',
      justification: 'I want to sync my data to Rox',
    });
    expect(first.page).toContain('id="approval-required"');
    expect(first).toMatchObject({ outcome: 'approval_required', code: 'AADSTS90095' });

    const [waiting] = await myConnections(env, member);
    expect(waiting?.status).toBe('needs_admin_approval');
    expect(waiting?.statusReason).toMatch(/requires an admin to approve/);
    const approval = waiting?.approval as {
      adminConsentUrl: string;
      adminSteps: string[];
      troubleshooting: string;
      appDisplayName: string;
    };
    expect(approval.appDisplayName).toBe('Rox 365 Integration');
    expect(approval.adminConsentUrl).toContain(`/${tenant}/v2.0/adminconsent?`);
    expect(new URL(approval.adminConsentUrl).searchParams.get('client_id')).toBe(
      env.emu.apps.individual.clientId,
    );
    expect(approval.adminSteps.join('\n')).toMatch(
      /Enterprise apps → Admin consent requests[\s\S]*Review permissions and consent[\s\S]*Accept[\s\S]*Permissions/,
    );
    // The calendar connection's own permissions, not another feature's.
    expect(approval.adminSteps.join('\n')).toContain(
      '(Calendars.ReadWrite, Calendars.Read, MailboxSettings.Read)',
    );
    expect(approval.troubleshooting).toContain('https://myapps.microsoft.com/');
    expect((await tokenRows([first.connectionId])).length).toBe(0);

    const [request] = await env.emu.control.consentRequests(tenant);
    expect(request).toMatchObject({ requestedByUpn: member.email, status: 'InProgress' });
    await env.emu.control.approveConsentRequest(tenant, request?.id ?? '');

    // Step 7: the account picker only (no page after it), then connected.
    const second = await connectIndividual(env, member, member.email);
    expect(second.page).toBe('');
    expect(second.outcome).toBe('connected');
    expect(second.connectionId).toBe(first.connectionId);
    expect((await myConnections(env, member))[0]).toMatchObject({
      status: 'connected',
      approval: null,
    });
  });

  it('a denial changes nothing at Microsoft’s redirect: the member still waits for approval', async () => {
    const tenant = await freshTenant('inddeny', NO_USER_CONSENT);
    const o = await org();
    const member = await addMember(env, o.orgId, 'adele', `adele.vance@${tenant}`);
    await connectIndividual(env, member, member.email, {
      action: 'request-approval',
      justification: 'please',
    });
    const [request] = await env.emu.control.consentRequests(tenant);
    await env.emu.control.denyConsentRequest(tenant, request?.id ?? '', 'Use the org-wide one');

    const again = await connectIndividual(env, member, member.email, { action: 'back' });
    expect(again).toMatchObject({ outcome: 'approval_required', code: 'AADSTS90095' });
    expect((await myConnections(env, member))[0]?.status).toBe('needs_admin_approval');
    expect((await tokenRows([again.connectionId])).length).toBe(0);
  });

  it('without the request workflow (AADSTS90094) the admin-consent link lets an admin grant it', async () => {
    const tenant = await freshTenant('indlink', {
      userConsent: 'notAllowed',
      adminConsentWorkflow: false,
    });
    const o = await org();
    const member = await addMember(env, o.orgId, 'grady', `grady.archie@${tenant}`);
    const first = await connectIndividual(env, member, member.email, { action: 'back' });
    expect(first).toMatchObject({ outcome: 'approval_required', code: 'AADSTS90094' });
    const [waiting] = await myConnections(env, member);
    const link = (waiting?.approval as { adminConsentUrl: string }).adminConsentUrl;

    const admin = `isaiah.langer@${tenant}`;
    const { callback } = await microsoftSignIn(link, admin, { action: 'accept' });
    expect(callback.searchParams.get('admin_consent')).toBe('True');
    expect((await finishAtApi(callback)).outcome).toBe('admin_consent_granted');

    expect((await connectIndividual(env, member, member.email)).outcome).toBe('connected');
  });
});

describe('who may connect', () => {
  it('a member whose mailbox is not enabled gets that outcome, and no token is kept', async () => {
    const o = await org();
    const member = await addMember(env, o.orgId, 'pradeep', DEMO_TENANT.users.noMailbox);
    const result = await connectIndividual(env, member, member.email);
    expect(result.outcome).toBe('mailbox_not_enabled');
    const [connection] = await myConnections(env, member);
    expect(connection?.status).toBe('mailbox_not_enabled');
    expect(connection?.statusReason).toMatch(/MailboxNotEnabledForRESTAPI/);
    expect((await tokenRows([result.connectionId])).length).toBe(0);
  });

  it('an account of another tenant is refused (the member’s domain names Contoso)', async () => {
    const o = await org();
    const member = await addMember(env, o.orgId, 'megan', DEMO_TENANT.users.member);
    const result = await connectIndividual(env, member, DEMO_FABRIKAM_TENANT.users.notInvited);
    expect(result.outcome).toBe('wrong_tenant');
    expect((await tokenRows([result.connectionId])).length).toBe(0);
    const [entry] = await auditActions(env, o, 'individual-connections.sign-in-outcome');
    expect(entry?.details).toMatchObject({
      outcome: 'wrong_tenant',
      tenantId: env.fabrikamId,
    });
  });

  it('another Microsoft account than the Rox email is held until an admin allows it', async () => {
    const o = await org();
    const member = await addMember(env, o.orgId, 'megan', DEMO_TENANT.users.member);
    const other = `adele.vance@${CONTOSO}`;
    const result = await connectIndividual(env, member, other);
    expect(result.outcome).toBe('account_mismatch');
    const [held] = await myConnections(env, member);
    expect(held).toMatchObject({
      status: 'account_mismatch',
      microsoftAccount: other,
      expectedEmail: DEMO_TENANT.users.member,
    });
    expect((await tokenRows([result.connectionId])).length).toBe(1);
    // Not usable meanwhile.
    expect((await api('post', `/${result.connectionId}/check`, member)).body.ok).toBe(false);

    const byMember = await api('post', `/${result.connectionId}/allow-account`, member);
    expect(byMember.status).toBe(403);
    const allowed = await api('post', `/${result.connectionId}/allow-account`, { token: o.admin });
    expect(allowed.status, JSON.stringify(allowed.body)).toBe(200);
    expect(allowed.body.status).toBe('connected');
    expect((await api('post', `/${result.connectionId}/check`, member)).body.ok).toBe(true);
    const [audit] = await auditActions(env, o, 'individual-connections.account-allowed');
    expect(audit?.details).toMatchObject({ microsoftAccount: other });
  });
});

describe('tokens after the sign-in', () => {
  it('sessions revoked in Entra (AADSTS50173) turn the connection into Sign in again, with the reason', async () => {
    const o = await org();
    const upn = `lynne.robbins@${CONTOSO}`;
    const member = await addMember(env, o.orgId, 'lynne', upn);
    const { connectionId, outcome } = await connectIndividual(env, member, upn);
    expect(outcome).toBe('connected');

    await env.emu.control.revokeSignInSessions(CONTOSO, upn);
    const check = await api('post', `/${connectionId}/check`, member);
    expect(check.status).toBe(200);
    expect(check.body.ok).toBe(false);
    expect(check.body.connection).toMatchObject({ status: 'needs_sign_in' });
    expect(check.body.connection.statusReason).toMatch(/AADSTS50173.*Sign in again/);
    expect((await tokenRows([connectionId])).length).toBe(0);
    const [audit] = await auditActions(env, o, 'individual-connections.sign-in-required');
    expect(audit?.details).toMatchObject({ aadsts: 50173 });

    // Signing in again reconnects the same connection.
    const again = await connectIndividual(env, member, upn);
    expect(again).toMatchObject({ outcome: 'connected', connectionId });
  });

  it('the enterprise app deleted in Entra (AADSTS65001) also asks for a new sign-in', async () => {
    const tenant = await freshTenant('indappdel');
    const o = await org();
    const member = await addMember(env, o.orgId, 'megan', `megan.bowen@${tenant}`);
    const { connectionId, outcome } = await connectIndividual(env, member, member.email);
    expect(outcome).toBe('connected');

    await env.emu.control.removeServicePrincipal(tenant, { app: 'individual' });
    const check = await api('post', `/${connectionId}/check`, member);
    expect(check.body.ok).toBe(false);
    expect(check.body.connection.status).toBe('needs_sign_in');
    expect(check.body.connection.statusReason).toMatch(/AADSTS65001/);
    expect((await tokenRows([connectionId])).length).toBe(0);
  });

  it('a code Microsoft refuses ends as signin_failed with a reference', async () => {
    const o = await org();
    const member = await addMember(env, o.orgId, 'lidia', `lidia.holloway@${CONTOSO}`);
    const start = await startIndividual(env, member);
    const { callback } = await microsoftSignIn(start.authorizeUrl, member.email);
    callback.searchParams.set('code', 'not-a-code-microsoft-issued');
    const result = await finishAtApi(callback, start.cookie);
    expect(result.outcome).toBe('signin_failed');
    expect(result.ref).toBeTruthy();
    expect((await myConnections(env, member))[0]?.status).toBe('pending');
  });

  it('a member disconnects their own connection with a receipt; an admin may revoke anyone’s', async () => {
    const o = await org();
    const megan = await addMember(env, o.orgId, 'megan', DEMO_TENANT.users.member);
    const alex = await addMember(env, o.orgId, 'alex', `alex.wilber@${CONTOSO}`);
    const mine = await connectIndividual(env, megan, megan.email);
    const theirs = await connectIndividual(env, alex, alex.email, { action: 'accept' }, 'mail');
    expect(theirs.outcome).toBe('connected');

    expect((await api('delete', `/${theirs.connectionId}`, megan)).status).toBe(404);
    const receipt = await api('delete', `/${mine.connectionId}`, megan);
    expect(receipt.status, JSON.stringify(receipt.body)).toBe(200);
    expect(receipt.body).toMatchObject({
      connectionId: mine.connectionId,
      kind: 'calendar',
      removed: { individual_token: 1, auth_state: 1, individual_connection: 1 },
      totalRemoved: 3,
    });
    expect(receipt.body.microsoftSteps.join(' ')).toContain('myapps.microsoft.com');
    expect(await myConnections(env, megan)).toEqual([]);

    const all = await myConnections(env, { token: o.admin } as TestMember, true);
    expect(all.map((c) => c.id)).toEqual([theirs.connectionId]);
    const revoked = await api('delete', `/${theirs.connectionId}`, { token: o.admin });
    expect(revoked.status).toBe(200);
    expect((await tokenRows([theirs.connectionId])).length).toBe(0);
    expect((await auditActions(env, o, 'individual-connections.revoked')).length).toBe(1);
  });
  it('lists connections a page at a time, oldest first; members see only their own', async () => {
    const o = await org();
    const megan = await addMember(env, o.orgId, 'megan', DEMO_TENANT.users.member);
    const alex = await addMember(env, o.orgId, 'alex', `alex.wilber@${CONTOSO}`);
    const made = [
      (await connectIndividual(env, megan, megan.email)).connectionId,
      (await connectIndividual(env, alex, alex.email)).connectionId,
      (await connectIndividual(env, megan, megan.email, { action: 'accept' }, 'mail')).connectionId,
    ];
    const list = (query: Record<string, string>, token = o.admin) =>
      env.api
        .http()
        .get('/api/v1/individual-connections')
        .query(query)
        .set('authorization', `Bearer ${token}`);
    const first = await list({ all: 'true', limit: '2' });
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body.items.map((c: { id: string }) => c.id)).toEqual(made.slice(0, 2));
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await list({ all: 'true', limit: '2', cursor: first.body.nextCursor });
    expect(second.body.items.map((c: { id: string }) => c.id)).toEqual(made.slice(2));
    expect(second.body.nextCursor).toBeNull();
    // A member pages through their own only.
    const own = await list({ limit: '1' }, megan.token);
    expect(own.body.items.map((c: { id: string }) => c.id)).toEqual([made[0]]);
    const ownNext = await list({ limit: '1', cursor: own.body.nextCursor }, megan.token);
    expect(ownNext.body.items.map((c: { id: string }) => c.id)).toEqual([made[2]]);
    // Another list's cursor, or a forged one, is a field error.
    const forged = await list({
      all: 'true',
      cursor: Buffer.from('members:x').toString('base64url'),
    });
    expect(forged.status).toBe(400);
    expect(forged.headers['content-type']).toMatch(/problem\+json/);
    expect(forged.body.code).toBe('CURSOR_INVALID');
  });
});

describe('org-wide connect', () => {
  it('supersedes the members’ connections, deletes their tokens, and refuses new ones (409)', async () => {
    const o = await org();
    const megan = await addMember(env, o.orgId, 'megan', DEMO_TENANT.users.member);
    const { connectionId } = await connectIndividual(env, megan, megan.email);
    expect((await tokenRows([connectionId])).length).toBe(1);

    expect(
      await connectOrg(env, o, { settings: { calendarAccess: 'read', emailAccess: 'metadata' } }),
    ).toBe('connected');

    const [superseded] = await myConnections(env, megan);
    expect(superseded).toMatchObject({ id: connectionId, status: 'superseded' });
    // Asked for live connections only (the wizard's review), a superseded one is left out.
    const live = await env.api
      .http()
      .get('/api/v1/individual-connections')
      .query({ all: 'true', live: 'true' })
      .set('authorization', `Bearer ${o.admin}`);
    expect(live.status).toBe(200);
    expect(live.body).toEqual({ items: [], nextCursor: null });
    expect((await tokenRows([connectionId])).length).toBe(0);
    const [audit] = await auditActions(env, o, 'individual-connections.superseded');
    expect(audit?.details).toMatchObject({ count: 1, tokensDeleted: 1 });

    const refused = await startIndividual(env, megan);
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ code: 'ORGWIDE_CONNECTED' });
    expect(String(refused.body.detail)).toMatch(/org-wide/);
  });
});
