import { createHash } from 'node:crypto';

import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

import { DIRECTORY_ROLE } from '@rox365/graph-client';
import { DEMO_TENANT } from '@rox365/m365-emulator';

import { Clock } from '../../src/platform/time/clock';
import {
  driveAdminConsent,
  followToApi,
  startApiWithEmulator,
  TEST_WEB_APP_URL,
  type ApiWithEmulator,
} from '../support/emulator';
import {
  auditActions,
  callCallback,
  completeConnect,
  connectOrg,
  disconnectOrg,
  orgTokens,
  outcomeOf,
  saveSettings,
  signInLeg,
  startConnect,
  status,
} from '../support/orgwide';
import { testDatabaseUrl } from '../support/test-database';
import { newOrgId } from '../support/test-env';

const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

describe('org-wide admin consent through the emulator', () => {
  let env: ApiWithEmulator;

  beforeAll(async () => {
    // A short propagation budget keeps the "never consented" case quick.
    env = await startApiWithEmulator({ env: { ORGWIDE_CONSENT_PROPAGATION_WAIT_MS: '1500' } });
  });
  afterAll(() => env.close());

  it('connects in two legs: a verified administrator sign-in, then admin consent', async () => {
    const org = await orgTokens(env, newOrgId());
    await saveSettings(env, org, { calendarAccess: 'read_write', emailAccess: 'read' });
    expect((await status(env, org.admin)).state).toBe('ready_to_connect');

    const attempt = await startConnect(env, org);
    // Leg 1: an OpenID Connect sign-in to the tenant, asking for no Graph permission at all.
    const signInUrl = new URL(attempt.consentUrl);
    expect(signInUrl.pathname).toBe(`/${env.tenantId}/oauth2/v2.0/authorize`);
    expect(Object.fromEntries(signInUrl.searchParams)).toMatchObject({
      client_id: env.emu.apps.orgwide.clientId,
      response_type: 'code',
      scope: 'openid profile',
      code_challenge_method: 'S256',
      prompt: 'select_account',
      redirect_uri: `${env.apiUrl}/api/v1/orgwide/consent/callback`,
    });
    // At least 128 bits of randomness, base64url.
    expect(attempt.state).toMatch(/^[A-Za-z0-9_-]{43,}$/);
    expect(signInUrl.searchParams.get('nonce')).toMatch(/^[A-Za-z0-9_-]{43,}$/);
    expect(attempt.cookie).toMatch(/^rox365_orgwide_consent=[A-Za-z0-9_-]{43}$/);
    expect((await status(env, org.admin)).state).toBe('consent_pending');

    const signedIn = await signInLeg(attempt, DEMO_TENANT.users.globalAdmin);
    expect(signedIn.outcome).toBeNull();
    // Leg 2: Microsoft's admin-consent page for the tenant the ID token named, with a new state.
    const consentUrl = signedIn.location ?? new URL('about:blank');
    expect(consentUrl.origin).toBe(new URL(env.emu.authorityHost).origin);
    expect(consentUrl.pathname).toBe(`/${env.tenantId}/v2.0/adminconsent`);
    expect(consentUrl.searchParams.get('scope')).toBe('https://graph.microsoft.com/.default');
    const consentState = consentUrl.searchParams.get('state') ?? '';
    expect(consentState).toMatch(/^[A-Za-z0-9_-]{43,}$/);
    expect(consentState).not.toBe(attempt.state);

    const callback = await driveAdminConsent(
      consentUrl.toString(),
      DEMO_TENANT.users.globalAdmin,
      'accept',
    );
    expect(callback.searchParams.get('admin_consent')).toBe('True');
    const redirect = await followToApi(callback, attempt.cookie);
    expect(redirect.status).toBe(302);
    expect(redirect.location?.origin).toBe(TEST_WEB_APP_URL);
    // Only the outcome travels to the SPA.
    expect([...(redirect.location?.searchParams.keys() ?? [])]).toEqual(['outcome']);
    expect(outcomeOf(redirect.location)).toBe('connected');

    const st = await status(env, org.admin);
    expect(st).toMatchObject({
      state: 'connected',
      tenantId: env.tenantId,
      lastOutcome: 'connected',
      connectedBy: 'adm',
      degradedReasons: [],
    });
    expect(st.capabilities).toEqual(expect.arrayContaining(['calendar_write', 'mail_content']));

    const report = await env.api
      .http()
      .get('/api/v1/orgwide/permissions')
      .set('authorization', `Bearer ${org.admin}`);
    expect(report.status).toBe(200);
    expect([...report.body.granted].sort()).toEqual(
      [...env.emu.apps.orgwide.applicationPermissions].sort(),
    );
    expect(report.body.missing).toEqual([]);
    const excess = report.body.excess.map((e: { permission: string }) => e.permission);
    expect(excess).toEqual(expect.arrayContaining(['Mail.Send', 'Mail.ReadWrite']));

    const verified = await auditActions(env, org, 'orgwide.admin-verified');
    expect(verified).toHaveLength(1);
    expect(verified[0]?.details).toMatchObject({
      tenantId: env.tenantId,
      adminUsername: DEMO_TENANT.users.globalAdmin,
      roles: expect.arrayContaining([DIRECTORY_ROLE.globalAdministrator]),
    });
    const outcomes = await auditActions(env, org, 'orgwide.consent-outcome');
    expect(outcomes).toHaveLength(1);
    expect(outcomes[0]?.details).toMatchObject({
      outcome: 'connected',
      tenantId: env.tenantId,
      adminUsername: DEMO_TENANT.users.globalAdmin,
      grantedPermissions: expect.arrayContaining(['Calendars.ReadWrite', 'Mail.Read']),
    });
    expect(JSON.stringify([...verified, ...outcomes])).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}/);
    expect(await auditActions(env, org, 'orgwide.connect-started')).toHaveLength(1);

    // The database holds hashes of the states, the cookie and the nonce, the PKCE verifier
    // sealed, and nothing token-like.
    const db = new Client({ connectionString: testDatabaseUrl() });
    await db.connect();
    try {
      const rows = await db.query(
        `select s.*, c.* from auth_state s
           left join orgwide_connection c on c.org_id = s.org_id
          where s.org_id = $1 order by s.created_at`,
        [org.orgId],
      );
      expect(rows.rows.map((r) => r.stage)).toEqual(['sign_in', 'consent']);
      expect(rows.rows[0].state_hash).toBe(sha256(attempt.state));
      expect(rows.rows[1].state_hash).toBe(sha256(consentState));
      expect(rows.rows[0].browser_binding_hash).toBe(sha256(attempt.cookie.split('=')[1] ?? ''));
      expect(rows.rows[0].nonce_hash).toBe(sha256(signInUrl.searchParams.get('nonce') ?? ''));
      expect(rows.rows[0].code_verifier_sealed).toMatch(/^enc:v2:v1:/);
      expect(rows.rows.every((r) => r.used_at !== null)).toBe(true);
      const stored = JSON.stringify(rows.rows);
      for (const secret of [attempt.state, consentState, attempt.cookie.split('=')[1] ?? '']) {
        expect(stored).not.toContain(secret);
      }
      expect(stored).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}/);
      expect(stored).not.toContain(env.emu.apps.orgwide.clientSecret);
    } finally {
      await db.end();
    }

    // Replaying Microsoft's redirect does nothing but say so.
    const replay = await followToApi(callback, attempt.cookie);
    expect(outcomeOf(replay.location)).toBe('state_reused');
    expect(await auditActions(env, org, 'orgwide.consent-outcome')).toHaveLength(2);
    expect((await status(env, org.admin)).state).toBe('connected');
    await disconnectOrg(env, org);
  });

  it('connecting while connected is a fresh consent for the same tenant, purging nothing', async () => {
    const org = await orgTokens(env, newOrgId());
    expect(await connectOrg(env, org, { settings: {} })).toBe('connected');
    await env.emu.control.revokeRole(env.tenantId, 'Mail.Read');
    const again = await startConnect(env, org);
    expect(new URL(again.consentUrl).pathname).toBe(`/${env.tenantId}/oauth2/v2.0/authorize`);
    expect(await completeConnect(env, org, again, DEMO_TENANT.users.globalAdmin)).toBe('connected');
    const outcomes = await auditActions(env, org, 'orgwide.consent-outcome');
    expect(outcomes[0]?.details).toMatchObject({ purpose: 'reconsent' });
    // The fresh consent granted the revoked permission again, and Rox stored the new grant.
    const report = await env.api
      .http()
      .get('/api/v1/orgwide/permissions')
      .set('authorization', `Bearer ${org.admin}`);
    expect(report.body.granted).toContain('Mail.Read');
    const st = await status(env, org.admin);
    expect(st).toMatchObject({ state: 'connected', tenantId: env.tenantId });
    expect(await auditActions(env, org, 'orgwide.disconnected')).toEqual([]);
    await disconnectOrg(env, org);
  });

  it('Cancel on the consent page ends as cancelled and connects nothing', async () => {
    const org = await orgTokens(env, newOrgId());
    await saveSettings(env, org);
    const attempt = await startConnect(env, org);
    expect(await completeConnect(env, org, attempt, DEMO_TENANT.users.admin, 'cancel')).toBe(
      'cancelled',
    );
    const st = await status(env, org.admin);
    expect(st).toMatchObject({ state: 'ready_to_connect', lastOutcome: 'cancelled' });
    const [audit] = await auditActions(env, org, 'orgwide.consent-outcome');
    expect(audit?.details).toMatchObject({ outcome: 'cancelled', tenantId: env.tenantId });
  });

  it("maps Microsoft's errors on the sign-in leg: cancel, consent_required, access_denied", async () => {
    const org = await orgTokens(env, newOrgId());
    await saveSettings(env, org);
    const cases: [Record<string, string>, string][] = [
      [{ error: 'access_denied', error_subcode: 'cancel' }, 'cancelled'],
      [
        {
          error: 'consent_required',
          error_description:
            'AADSTS65004: The resource owner or authorization server denied the request.',
        },
        'consent_required',
      ],
      [
        {
          error: 'access_denied',
          error_description:
            'AADSTS65004: The resource owner or authorization server denied the request.',
        },
        'denied',
      ],
    ];
    for (const [query, expected] of cases) {
      const attempt = await startConnect(env, org);
      const res = await callCallback(env, { ...query, state: attempt.state }, attempt.cookie);
      expect(res.outcome, JSON.stringify(query)).toBe(expected);
    }
    expect((await status(env, org.admin)).state).toBe('ready_to_connect');
  });

  it('an error from Microsoft carries a support reference and its AADSTS code to the SPA', async () => {
    const org = await orgTokens(env, newOrgId());
    await saveSettings(env, org);
    const attempt = await startConnect(env, org);
    const res = await callCallback(
      env,
      {
        error: 'server_error',
        error_description: 'AADSTS90033: A transient error has occurred. Please try again.',
        state: attempt.state,
      },
      attempt.cookie,
    );
    expect(res.outcome).toBe('microsoft_error');
    expect(res.location?.searchParams.get('code')).toBe('AADSTS90033');
    expect(res.location?.searchParams.get('ref')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('refuses a consent answer for another tenant than the one the sign-in proved', async () => {
    const org = await orgTokens(env, newOrgId());
    await saveSettings(env, org);
    const attempt = await startConnect(env, org);
    const signedIn = await signInLeg(attempt, DEMO_TENANT.users.globalAdmin);
    const consentState = signedIn.location?.searchParams.get('state') ?? '';
    const res = await callCallback(
      env,
      {
        admin_consent: 'True',
        tenant: '11111111-2222-4333-8444-555555555555',
        scope: 'https://graph.microsoft.com/Mail.Read',
        state: consentState,
      },
      attempt.cookie,
    );
    expect(res.outcome).toBe('tenant_mismatch');
    expect((await status(env, org.admin)).state).toBe('ready_to_connect');
  });

  it('rejects missing, forged and expired states', async () => {
    const missing = await callCallback(env, { admin_consent: 'True', tenant: env.tenantId });
    expect(missing.status).toBe(302);
    expect(missing.outcome).toBe('state_invalid');
    const forged = await callCallback(env, {
      admin_consent: 'True',
      tenant: env.tenantId,
      state: 'A'.repeat(43),
    });
    expect(forged.outcome).toBe('state_invalid');

    const org = await orgTokens(env, newOrgId());
    await saveSettings(env, org);
    const attempt = await startConnect(env, org);
    // Microsoft's page is completed only after the link's lifetime.
    const clock = env.api.app.get(Clock);
    const later = new Date(
      Date.now() + (env.api.config.orgwide.consentStateTtlSeconds + 60) * 1000,
    );
    const spy = vi.spyOn(clock, 'now').mockReturnValue(later);
    try {
      expect((await signInLeg(attempt, DEMO_TENANT.users.globalAdmin)).outcome).toBe(
        'state_expired',
      );
      expect((await status(env, org.admin)).state).toBe('ready_to_connect');
    } finally {
      spy.mockRestore();
    }
  });

  it('requires saved settings before connecting', async () => {
    const org = await orgTokens(env, newOrgId());
    const res = await env.api
      .http()
      .post('/api/v1/orgwide/connect')
      .set('authorization', `Bearer ${org.admin}`);
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('ORGWIDE_SETTINGS_MISSING');
    expect((await status(env, org.member)).state).toBe('not_configured');
  });

  it('individual connections are superseded on connect and refused afterwards', async () => {
    const org = await orgTokens(env, newOrgId());
    const other = await orgTokens(env, newOrgId('other'));
    const create = (token: string, body: object) =>
      env.api
        .http()
        .post('/api/v1/individual-connections')
        .set('authorization', `Bearer ${token}`)
        .send(body);
    // Members' Rox emails (an individual connect checks the Microsoft account against them).
    const withEmail = (o: typeof org, roxUserId: string, role: 'admin' | 'member') =>
      env.api.tokenFor({ roxUserId, orgId: o.orgId, role, email: `${roxUserId}@contoso.com` });
    org.member = await withEmail(org, 'mem', 'member');
    org.admin = await withEmail(org, 'adm', 'admin');
    other.member = await withEmail(other, 'mem', 'member');
    const mine = await create(org.member, { provider: 'microsoft', kind: 'calendar' });
    expect(mine.status).toBe(200);
    expect(mine.body.connection).toMatchObject({
      roxUserId: 'mem',
      status: 'pending',
      statusReason: null,
    });
    expect((await create(org.admin, { provider: 'microsoft', kind: 'mail' })).status).toBe(200);
    expect((await create(other.member, { provider: 'microsoft', kind: 'mail' })).status).toBe(200);
    const bad = await create(org.member, { provider: 'yahoo', kind: 'mail' });
    expect(bad.status).toBe(400);

    expect(await connectOrg(env, org, { settings: {} })).toBe('connected');

    const own = await env.api
      .http()
      .get('/api/v1/individual-connections')
      .set('authorization', `Bearer ${org.member}`);
    expect(own.status).toBe(200);
    expect(own.body.items).toHaveLength(1);
    expect(own.body.items[0]).toMatchObject({ status: 'superseded' });
    expect(own.body.items[0].statusReason).toContain('org-wide');

    const all = await env.api
      .http()
      .get('/api/v1/individual-connections?all=true')
      .set('authorization', `Bearer ${org.admin}`);
    expect(all.body.items.map((c: { status: string }) => c.status)).toEqual([
      'superseded',
      'superseded',
    ]);
    const memberAll = await env.api
      .http()
      .get('/api/v1/individual-connections?all=true')
      .set('authorization', `Bearer ${org.member}`);
    expect(memberAll.status).toBe(403);

    const refused = await create(org.member, { provider: 'microsoft', kind: 'mail' });
    expect(refused.status).toBe(409);
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(refused.body.code).toBe('ORGWIDE_CONNECTED');

    // Another org is neither superseded nor refused.
    const otherList = await env.api
      .http()
      .get('/api/v1/individual-connections')
      .set('authorization', `Bearer ${other.member}`);
    expect(otherList.body.items[0].status).toBe('pending');
    expect((await create(other.member, { provider: 'microsoft', kind: 'calendar' })).status).toBe(
      200,
    );

    const superseded = await auditActions(env, org, 'individual-connections.superseded');
    expect(superseded[0]?.details).toMatchObject({ count: 2 });
  });
});

describe('org-wide admin consent with a certificate credential', () => {
  let env: ApiWithEmulator;

  beforeAll(async () => {
    env = await startApiWithEmulator({ credential: 'certificate' });
  });
  afterAll(() => env.close());

  it('connects and reads the granted roles with a client assertion', async () => {
    expect(env.api.config.microsoft.orgwide.credential.kind).toBe('certificate');
    const org = await orgTokens(env, newOrgId());
    expect(await connectOrg(env, org, { settings: { tenant: DEMO_TENANT.verifiedDomain } })).toBe(
      'connected',
    );
    const report = await env.api
      .http()
      .get('/api/v1/orgwide/permissions')
      .set('authorization', `Bearer ${org.admin}`);
    expect([...report.body.granted].sort()).toEqual(
      [...env.emu.apps.orgwide.applicationPermissions].sort(),
    );
    const tokenRequests = await env.emu.control.requests({ pathContains: '/oauth2/v2.0/token' });
    expect(tokenRequests.length).toBeGreaterThan(0);
  });
});
