import { createHash } from 'node:crypto';

import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';

import { DEMO_TENANT } from '@rox365/m365-emulator';
import { requestedApplicationPermissions } from '@rox365/scope-policy';

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
  connectOrg,
  orgTokens,
  outcomeOf,
  saveSettings,
  startConnect,
  status,
} from '../support/orgwide';
import { newOrgId } from '../support/test-env';

describe('org-wide admin consent through the emulator', () => {
  let env: ApiWithEmulator;

  beforeAll(async () => {
    // A short propagation budget keeps the "never consented" case quick.
    env = await startApiWithEmulator({ env: { ORGWIDE_CONSENT_PROPAGATION_WAIT_MS: '1500' } });
  });
  afterAll(() => env.close());

  it('a forged success for a tenant that never consented ends as consent_not_propagated', async () => {
    const org = await orgTokens(env, newOrgId());
    await saveSettings(env, org);
    const { state } = await startConnect(env, org);
    const res = await callCallback(env, {
      admin_consent: 'True',
      tenant: DEMO_TENANT.id,
      state,
    });
    expect(res.outcome).toBe('consent_not_propagated');
    expect((await status(env, org.admin)).state).toBe('ready_to_connect');
  });

  it('connects through the consent page and reads the granted roles from the token', async () => {
    const org = await orgTokens(env, newOrgId());
    await saveSettings(env, org, { calendarAccess: 'read_write', emailAccess: 'read' });
    expect((await status(env, org.admin)).state).toBe('ready_to_connect');

    const connect = await env.api
      .http()
      .post('/api/v1/orgwide/connect')
      .set('authorization', `Bearer ${org.admin}`);
    expect(connect.status).toBe(200);
    const consentUrl = new URL(connect.body.consentUrl);
    expect(consentUrl.pathname).toBe(`/${DEMO_TENANT.id}/v2.0/adminconsent`);
    expect(consentUrl.searchParams.get('redirect_uri')).toBe(
      `${env.apiUrl}/api/v1/orgwide/consent/callback`,
    );
    expect(consentUrl.searchParams.get('scope')).toBe('https://graph.microsoft.com/.default');
    // At least 128 bits of randomness, base64url.
    expect(consentUrl.searchParams.get('state')).toMatch(/^[A-Za-z0-9_-]{43,}$/);
    expect(connect.body.requestedPermissions).toEqual(requestedApplicationPermissions());
    expect((await status(env, org.admin)).state).toBe('consent_pending');

    const callback = await driveAdminConsent(
      consentUrl.toString(),
      DEMO_TENANT.users.admin,
      'accept',
    );
    expect(callback.searchParams.get('admin_consent')).toBe('True');
    const redirect = await followToApi(callback);
    expect(redirect.status).toBe(302);
    expect(redirect.location?.origin).toBe(TEST_WEB_APP_URL);
    // Only the outcome travels to the SPA.
    expect([...(redirect.location?.searchParams.keys() ?? [])]).toEqual(['outcome']);
    expect(outcomeOf(redirect.location)).toBe('connected');

    const st = await status(env, org.admin);
    expect(st).toMatchObject({
      state: 'connected',
      tenantId: DEMO_TENANT.id,
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
    expect([...report.body.granted].sort()).toEqual([...env.emu.app.applicationPermissions].sort());
    expect(report.body.missing).toEqual([]);
    // The consent grants everything; what the settings do not need comes with revoke steps.
    const excess = report.body.excess.map((e: { permission: string }) => e.permission);
    expect(excess).toEqual(expect.arrayContaining(['Mail.Send', 'Mail.ReadWrite']));
    expect(report.body.excess[0].revokeSteps.join(' ')).toContain('Rox 365 Integration');

    const outcomes = await auditActions(env, org, 'orgwide.consent-outcome');
    expect(outcomes).toHaveLength(1);
    expect(outcomes[0]?.details).toMatchObject({
      outcome: 'connected',
      tenantId: DEMO_TENANT.id,
      grantedPermissions: expect.arrayContaining(['Calendars.ReadWrite', 'Mail.Read']),
    });
    expect(JSON.stringify(outcomes)).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}/);
    expect(await auditActions(env, org, 'orgwide.connect-started')).toHaveLength(1);

    // The database holds a hash of the state and nothing token-like.
    const state = consentUrl.searchParams.get('state') ?? '';
    const db = new Client({ connectionString: inject('databaseUrl') });
    await db.connect();
    try {
      const rows = await db.query(
        `select s.*, c.* from orgwide_consent_state s
           left join orgwide_connection c on c.org_id = s.org_id where s.org_id = $1`,
        [org.orgId],
      );
      expect(rows.rows).toHaveLength(1);
      expect(rows.rows[0].state_hash).toBe(createHash('sha256').update(state).digest('hex'));
      expect(rows.rows[0].used_at).not.toBeNull();
      const stored = JSON.stringify(rows.rows);
      expect(stored).not.toContain(state);
      expect(stored).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}/);
      expect(stored).not.toContain(env.emu.app.clientSecret);
    } finally {
      await db.end();
    }

    // Replaying Microsoft's redirect does nothing but say so.
    const replay = await followToApi(callback);
    expect(outcomeOf(replay.location)).toBe('state_reused');
    expect(await auditActions(env, org, 'orgwide.consent-outcome')).toHaveLength(2);
    expect((await status(env, org.admin)).state).toBe('connected');

    // Connected orgs cannot start another consent.
    const again = await env.api
      .http()
      .post('/api/v1/orgwide/connect')
      .set('authorization', `Bearer ${org.admin}`);
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('ORGWIDE_ALREADY_CONNECTED');
  });

  it('Cancel on the consent page ends as cancelled and connects nothing', async () => {
    const org = await orgTokens(env, newOrgId());
    await saveSettings(env, org);
    const { consentUrl } = await startConnect(env, org);
    const callback = await driveAdminConsent(consentUrl, DEMO_TENANT.users.admin, 'cancel');
    expect(callback.searchParams.get('error_subcode')).toBe('cancel');
    expect(outcomeOf((await followToApi(callback)).location)).toBe('cancelled');
    const st = await status(env, org.admin);
    expect(st).toMatchObject({ state: 'ready_to_connect', lastOutcome: 'cancelled' });
    const [audit] = await auditActions(env, org, 'orgwide.consent-outcome');
    expect(audit?.details).toMatchObject({ outcome: 'cancelled', tenantId: DEMO_TENANT.id });
  });

  it('a non-admin who returns to the app ends as not_admin', async () => {
    const org = await orgTokens(env, newOrgId());
    await saveSettings(env, org);
    const { consentUrl } = await startConnect(env, org);
    const callback = await driveAdminConsent(consentUrl, DEMO_TENANT.users.member, 'not_admin');
    expect(outcomeOf((await followToApi(callback)).location)).toBe('not_admin');
    expect((await status(env, org.admin)).state).toBe('ready_to_connect');
  });

  it('maps consent_required and a plain access_denied', async () => {
    const org = await orgTokens(env, newOrgId());
    await saveSettings(env, org);
    const first = await startConnect(env, org);
    const required = await callCallback(env, {
      admin_consent: 'True',
      error: 'consent_required',
      error_description:
        'AADSTS65004: The resource owner or authorization server denied the request.',
      state: first.state,
    });
    expect(required.outcome).toBe('consent_required');
    const second = await startConnect(env, org);
    const denied = await callCallback(env, {
      error: 'access_denied',
      error_description:
        'AADSTS65004: The resource owner or authorization server denied the request.',
      state: second.state,
    });
    expect(denied.outcome).toBe('denied');
  });

  it('refuses a tenant other than the one requested, without trusting it', async () => {
    const org = await orgTokens(env, newOrgId());
    await saveSettings(env, org);
    const { state } = await startConnect(env, org);
    const res = await callCallback(env, {
      admin_consent: 'True',
      tenant: '11111111-2222-4333-8444-555555555555',
      scope: 'https://graph.microsoft.com/Mail.Read',
      state,
    });
    expect(res.outcome).toBe('tenant_mismatch');
    expect((await status(env, org.admin)).state).toBe('ready_to_connect');
  });

  it('rejects missing, forged and expired states', async () => {
    const missing = await callCallback(env, { admin_consent: 'True', tenant: DEMO_TENANT.id });
    expect(missing.status).toBe(302);
    expect(missing.outcome).toBe('state_invalid');
    const forged = await callCallback(env, {
      admin_consent: 'True',
      tenant: DEMO_TENANT.id,
      state: 'A'.repeat(43),
    });
    expect(forged.outcome).toBe('state_invalid');

    const org = await orgTokens(env, newOrgId());
    await saveSettings(env, org);
    const { consentUrl } = await startConnect(env, org);
    // Microsoft's page is completed only after the link's lifetime.
    const clock = env.api.app.get(Clock);
    const later = new Date(
      Date.now() + (env.api.config.orgwide.consentStateTtlSeconds + 60) * 1000,
    );
    const spy = vi.spyOn(clock, 'now').mockReturnValue(later);
    try {
      const callback = await driveAdminConsent(consentUrl, DEMO_TENANT.users.admin, 'accept');
      expect(outcomeOf((await followToApi(callback)).location)).toBe('state_expired');
      expect((await status(env, org.admin)).state).toBe('ready_to_connect');
    } finally {
      spy.mockRestore();
    }
  });

  it("one org's state completes only that org", async () => {
    const orgA = await orgTokens(env, newOrgId('a'));
    const orgB = await orgTokens(env, newOrgId('b'));
    await saveSettings(env, orgA);
    await saveSettings(env, orgB);
    const a = await startConnect(env, orgA);
    await startConnect(env, orgB);
    const callback = await driveAdminConsent(a.consentUrl, DEMO_TENANT.users.admin, 'accept');
    expect(outcomeOf((await followToApi(callback)).location)).toBe('connected');
    expect((await status(env, orgA.admin)).state).toBe('connected');
    expect((await status(env, orgB.admin)).state).toBe('consent_pending');
    expect(await auditActions(env, orgB, 'orgwide.consent-outcome')).toEqual([]);
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
    const mine = await create(org.member, { provider: 'google', kind: 'calendar' });
    expect(mine.status).toBe(201);
    expect(mine.body).toMatchObject({ roxUserId: 'mem', status: 'pending', statusReason: null });
    expect((await create(org.admin, { provider: 'microsoft', kind: 'mail' })).status).toBe(201);
    expect((await create(other.member, { provider: 'microsoft', kind: 'mail' })).status).toBe(201);
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

    const refused = await create(org.member, { provider: 'google', kind: 'mail' });
    expect(refused.status).toBe(409);
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(refused.body.code).toBe('ORGWIDE_CONNECTED');

    // Another org is neither superseded nor refused.
    const otherList = await env.api
      .http()
      .get('/api/v1/individual-connections')
      .set('authorization', `Bearer ${other.member}`);
    expect(otherList.body.items[0].status).toBe('pending');
    expect((await create(other.member, { provider: 'google', kind: 'mail' })).status).toBe(201);

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
    expect([...report.body.granted].sort()).toEqual([...env.emu.app.applicationPermissions].sort());
    const tokenRequests = await env.emu.control.requests({ pathContains: '/oauth2/v2.0/token' });
    expect(tokenRequests.length).toBeGreaterThan(0);
  });
});
