import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { DEMO_FABRIKAM_TENANT, DEMO_TENANT } from '@rox365/m365-emulator';
import { requestedApplicationPermissions } from '@rox365/scope-policy';

import {
  driveAdminConsent,
  driveSignIn,
  followToApi,
  startApiWithEmulator,
  type ApiWithEmulator,
} from '../support/emulator';
import {
  auditActions,
  callCallback,
  completeConnect,
  disconnectOrg,
  orgTokens,
  outcomeOf,
  saveSettings,
  seedMembers,
  signInLeg,
  startConnect,
  status,
  type OrgTokens,
} from '../support/orgwide';
import { newOrgId } from '../support/test-env';

/**
 * The attacker owns another Rox org and knows the victim's tenant. Nothing the browser brings
 * back may connect that org: only a Microsoft-signed ID token of a member administrator of the
 * tenant, completed in the browser that started the connect, and only while no other org holds
 * the tenant.
 */
describe('org-wide connect proves control of the tenant', () => {
  let env: ApiWithEmulator;

  beforeAll(async () => {
    env = await startApiWithEmulator({ env: { ORGWIDE_CONSENT_PROPAGATION_WAIT_MS: '1500' } });
  });
  afterAll(() => env.close());

  const disconnect = (org: OrgTokens) => disconnectOrg(env, org);

  // What the org can see of the tenant's directory: nothing unless it is connected.
  async function directoryOf(org: OrgTokens): Promise<unknown[]> {
    const res = await env.api
      .http()
      .get('/api/v1/orgwide/directory/users?limit=5')
      .set('authorization', `Bearer ${org.admin}`);
    expect(res.status).toBe(200);
    return res.body.items as unknown[];
  }

  it('the cross-org takeover fails: a forged callback connects nothing and reads nothing', async () => {
    const victim = await orgTokens(env, newOrgId('victim'));
    const attacker = await orgTokens(env, newOrgId('attacker'));
    await saveSettings(env, victim);
    await saveSettings(env, attacker, { tenant: DEMO_TENANT.verifiedDomain });
    // The attacker starts first, so it holds a state and a cookie of its own.
    const mine = await startConnect(env, attacker);

    const legit = await startConnect(env, victim);
    expect(await completeConnect(env, victim, legit, DEMO_TENANT.users.globalAdmin)).toBe(
      'connected',
    );

    // The attack as reported: admin_consent=True with the tenant GUID and its own state,
    // never visiting Microsoft. Its state is a sign-in state: without a code from Microsoft,
    // and a signed ID token behind it, it goes nowhere.
    const forged = await callCallback(
      env,
      { admin_consent: 'True', tenant: env.tenantId, state: mine.state },
      mine.cookie,
    );
    expect(forged.outcome).not.toMatch(/^connected/);
    expect((await status(env, attacker.admin)).state).not.toMatch(/connected|degraded/);

    // A new connect for a tenant another org holds is refused up front, saying what to do.
    const refused = await env.api
      .http()
      .post('/api/v1/orgwide/connect')
      .set('authorization', `Bearer ${attacker.admin}`);
    expect(refused.status).toBe(409);
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(refused.body.code).toBe('ORGWIDE_TENANT_TAKEN');
    expect(refused.body.detail).toMatch(/another Rox organisation/);

    // It reads nothing of the tenant: no directory, no probes of a member it adds.
    await seedMembers(env, attacker, [{ roxUserId: 'spy', email: DEMO_TENANT.users.member }]);
    expect(await directoryOf(attacker)).toEqual([]);
    const probe = await env.api
      .http()
      .post('/api/v1/orgwide/probes')
      .set('authorization', `Bearer ${attacker.admin}`)
      .send({ roxUserId: 'spy' });
    expect(probe.status).toBe(412);
    expect((await status(env, victim.admin)).state).toBe('connected');
    await disconnect(victim);
  });

  it('a tenant consented before (by an org that has since left) is not proof either', async () => {
    const earlier = await orgTokens(env, newOrgId('earlier'));
    await saveSettings(env, earlier);
    const first = await startConnect(env, earlier);
    expect(await completeConnect(env, earlier, first, DEMO_TENANT.users.globalAdmin)).toBe(
      'connected',
    );
    // Rox forgets the org; Entra still has the consent, so the token endpoint still answers.
    await disconnect(earlier);

    const attacker = await orgTokens(env, newOrgId('attacker'));
    await saveSettings(env, attacker);
    const forgeries: ((state: string) => Record<string, string>)[] = [
      (state) => ({ admin_consent: 'True', tenant: env.tenantId, state }),
      (state) => ({ code: 'forged-code', state }),
    ];
    for (const forge of forgeries) {
      const mine = await startConnect(env, attacker);
      const forged = await callCallback(env, forge(mine.state), mine.cookie);
      expect(forged.outcome).not.toMatch(/^connected/);
    }
    expect((await status(env, attacker.admin)).state).toBe('ready_to_connect');
    expect(await directoryOf(attacker)).toEqual([]);
  });

  it.each([
    ['an ordinary member', DEMO_TENANT.users.member, 'not_tenant_admin'],
    ['an Application Administrator', DEMO_TENANT.users.appAdmin, 'not_tenant_admin'],
    ['a Cloud Application Administrator', DEMO_TENANT.users.cloudAppAdmin, 'not_tenant_admin'],
    ['a guest (a Global Administrator at home)', DEMO_TENANT.users.guest, 'guest_account'],
  ])('a sign-in as %s ends as %s', async (_who, user, expected) => {
    const org = await orgTokens(env, newOrgId());
    await saveSettings(env, org);
    const attempt = await startConnect(env, org);
    const signedIn = await signInLeg(attempt, user);
    expect(signedIn.outcome).toBe(expected);
    expect((await status(env, org.admin)).state).toBe('ready_to_connect');
    const [audit] = await auditActions(env, org, 'orgwide.consent-outcome');
    expect(audit?.details).toMatchObject({ outcome: expected, stage: 'sign_in' });
  });

  it.each([
    ['replayed (an earlier sign-in of the same admin)', 'replay', 'nonce'],
    ['expired', 'expired', 'expired'],
    ['re-signed with a key Microsoft does not publish', 'foreign_signature', 'signature'],
    ['issued to another app', 'wrong_audience', 'audience'],
    ['for another sign-in request (nonce)', 'wrong_nonce', 'nonce'],
  ] as const)('an ID token %s ends as signin_failed', async (_what, fault, problem) => {
    const org = await orgTokens(env, newOrgId());
    await saveSettings(env, org);
    // A genuine sign-in first, so a replay has a real admin's token to present.
    const earlier = await startConnect(env, org);
    expect((await signInLeg(earlier, DEMO_TENANT.users.globalAdmin)).outcome).toBeNull();

    await env.emu.control.setIdTokenFault(fault);
    const attempt = await startConnect(env, org);
    const signedIn = await signInLeg(attempt, DEMO_TENANT.users.globalAdmin);
    expect(signedIn.outcome).toBe('signin_failed');
    const outcomes = await auditActions(env, org, 'orgwide.consent-outcome');
    expect(outcomes[0]?.details).toMatchObject({
      outcome: 'signin_failed',
      stage: 'sign_in',
      idTokenProblem: problem,
    });
    expect((await status(env, org.admin)).state).not.toMatch(/connected/);
  });

  it('a Privileged Role Administrator may connect', async () => {
    const org = await orgTokens(env, newOrgId());
    await saveSettings(env, org);
    const attempt = await startConnect(env, org);
    expect(await completeConnect(env, org, attempt, DEMO_TENANT.users.privilegedRoleAdmin)).toBe(
      'connected',
    );
    await disconnect(org);
  });

  it('an administrator of another tenant cannot connect this one', async () => {
    const org = await orgTokens(env, newOrgId());
    await saveSettings(env, org);
    const attempt = await startConnect(env, org);
    // At the tenant's own sign-in page Microsoft refuses the foreign account (AADSTS50020)
    // and never comes back.
    await expect(driveSignIn(attempt.consentUrl, DEMO_FABRIKAM_TENANT.users.admin)).rejects.toThrow(
      /400/,
    );
    // Rewriting the link to any tenant's sign-in gets a code of the other tenant, which this
    // tenant's token endpoint refuses; its ID token would name the other tenant anyway.
    const anyTenant = attempt.consentUrl.replace(`/${env.tenantId}/`, '/organizations/');
    const callback = await driveSignIn(anyTenant, DEMO_FABRIKAM_TENANT.users.admin);
    const res = await followToApi(callback, attempt.cookie);
    expect(outcomeOf(res.location)).toBe('tenant_mismatch');
    expect((await status(env, org.admin)).state).toBe('ready_to_connect');
  });

  it('a connect completed in another browser is refused, and its link dies', async () => {
    const org = await orgTokens(env, newOrgId());
    await saveSettings(env, org);
    // Sign-in leg opened in a browser without the cookie (a phished admin, a forwarded link).
    const phished = await startConnect(env, org);
    const callback = await driveSignIn(phished.consentUrl, DEMO_TENANT.users.globalAdmin);
    expect(outcomeOf((await followToApi(callback)).location)).toBe('browser_mismatch');
    expect(outcomeOf((await followToApi(callback, phished.cookie)).location)).toBe('state_reused');
    // Another browser's own cookie does not help either.
    const other = await startConnect(env, org);
    const third = await startConnect(env, org);
    const otherCallback = await driveSignIn(other.consentUrl, DEMO_TENANT.users.globalAdmin);
    expect(outcomeOf((await followToApi(otherCallback, third.cookie)).location)).toBe(
      'browser_mismatch',
    );
    // The consent leg is bound the same way.
    const attempt = await startConnect(env, org);
    const signedIn = await signInLeg(attempt, DEMO_TENANT.users.globalAdmin);
    const consent = await driveAdminConsent(
      signedIn.location?.toString() ?? '',
      DEMO_TENANT.users.globalAdmin,
      'accept',
    );
    expect(outcomeOf((await followToApi(consent)).location)).toBe('browser_mismatch');
    expect((await status(env, org.admin)).state).not.toMatch(/connected/);
    const outcomes = await auditActions(env, org, 'orgwide.consent-outcome');
    expect(outcomes.filter((o) => o.details.outcome === 'browser_mismatch')).toHaveLength(3);
  });

  it('a callback with a state that is not the live sign-in leaves its cookie alone, so the sign-in still finishes', async () => {
    const org = await orgTokens(env, newOrgId());
    await saveSettings(env, org);
    const attempt = await startConnect(env, org);
    // Any page can send the admin's browser to the callback while they are at Microsoft: with
    // garbage, or the live state of a connect the sender started in another org.
    const other = await orgTokens(env, newOrgId('lure'));
    await saveSettings(env, other);
    const theirs = (await startConnect(env, other)).state;
    for (const [state, outcome] of [
      ['x', 'state_invalid'],
      [theirs, 'browser_mismatch'],
    ] as const) {
      const lure = await fetch(
        `${env.apiUrl}/api/v1/orgwide/consent/callback?state=${encodeURIComponent(state)}`,
        { redirect: 'manual', headers: { cookie: attempt.cookie } },
      );
      expect(lure.status).toBe(302);
      expect(outcomeOf(new URL(lure.headers.get('location') ?? ''))).toBe(outcome);
      expect(lure.headers.get('set-cookie'), outcome).toBeNull();
    }
    expect(await completeConnect(env, org, attempt, DEMO_TENANT.users.globalAdmin)).toBe(
      'connected',
    );
    await disconnect(org);
  });

  it('sets the browser-binding cookie HttpOnly and SameSite=Lax, scoped to the callback', async () => {
    const org = await orgTokens(env, newOrgId());
    await saveSettings(env, org);
    const res = await env.api
      .http()
      .post('/api/v1/orgwide/connect')
      .set('authorization', `Bearer ${org.admin}`);
    // The response also lists what Microsoft will ask the admin to accept.
    expect(res.body.requestedPermissions).toEqual(requestedApplicationPermissions());
    const [cookie] = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
    expect(cookie).toMatch(/^rox365_orgwide_consent=[A-Za-z0-9_-]{43};/);
    expect(cookie).toMatch(/; HttpOnly/i);
    expect(cookie).toMatch(/; SameSite=Lax/i);
    expect(cookie).toMatch(/; Path=\/api\/v1\/orgwide\/consent(;|$)/);
    expect(cookie).toMatch(/; Max-Age=900/);
    // The API is served over plain http in this test, so the cookie cannot be Secure.
    expect(cookie).not.toMatch(/; Secure/i);
  });

  it('two orgs racing for one tenant: the database lets exactly one connect', async () => {
    const a = await orgTokens(env, newOrgId('race-a'));
    const b = await orgTokens(env, newOrgId('race-b'));
    await saveSettings(env, a);
    await saveSettings(env, b);
    // Both prove an administrator while the tenant is still free...
    const legs = [];
    for (const org of [a, b]) {
      const attempt = await startConnect(env, org);
      const signedIn = await signInLeg(attempt, DEMO_TENANT.users.globalAdmin);
      expect(signedIn.outcome).toBeNull();
      const consent = await driveAdminConsent(
        signedIn.location?.toString() ?? '',
        DEMO_TENANT.users.globalAdmin,
        'accept',
      );
      legs.push({ consent, cookie: attempt.cookie });
    }
    // ...then both consent callbacks land at once.
    const outcomes = await Promise.all(
      legs.map(async (leg) => outcomeOf((await followToApi(leg.consent, leg.cookie)).location)),
    );
    expect([...outcomes].sort()).toEqual(['connected', 'tenant_taken']);
    const winner = outcomes[0] === 'connected' ? a : b;
    const loser = winner === a ? b : a;
    expect((await status(env, loser.admin)).state).toBe('ready_to_connect');

    // Disconnecting frees the tenant for the other org.
    await disconnect(winner);
    const again = await startConnect(env, loser);
    expect(await completeConnect(env, loser, again, DEMO_TENANT.users.globalAdmin)).toBe(
      'connected',
    );
    await disconnect(loser);
  });
});
