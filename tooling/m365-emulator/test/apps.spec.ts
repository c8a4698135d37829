import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  DEMO_TENANT,
  ROX_INDIVIDUAL_APP_CLIENT_ID,
  ROX_ORGWIDE_APP_CLIENT_ID,
  startEmulator,
  type AppKind,
  type RunningEmulator,
} from '../src/index';
import { appToken, decodePayload, driveSignIn, msalApp, postForm } from './helpers';

const REDIRECT = 'https://rox.example.test/callback';
let emu: RunningEmulator;

beforeAll(async () => {
  emu = await startEmulator({
    seed: 'demo',
    apps: { orgwide: { redirectUris: [REDIRECT] }, individual: { redirectUris: [REDIRECT] } },
  });
});

afterAll(async () => {
  await emu.stop();
});

/** A fresh small tenant per test, so consent in one test never leaks into another. */
async function freshTenant(domain: string): Promise<string> {
  await emu.control.createTenant({ domain, people: 'contoso', users: 29 });
  return `${domain}.com`;
}

async function clientCredentials(
  tenant: string,
  kind: AppKind,
  secret = emu.apps[kind].clientSecret,
): Promise<{ status: number; body: Record<string, unknown> }> {
  return postForm(`${emu.authorityHost}/${tenant}/oauth2/v2.0/token`, {
    grant_type: 'client_credentials',
    client_id: emu.apps[kind].clientId,
    client_secret: secret,
    scope: 'https://graph.microsoft.com/.default',
  });
}

function adminConsentUrl(tenant: string, kind: AppKind): string {
  const q = new URLSearchParams({
    client_id: emu.apps[kind].clientId,
    scope: 'https://graph.microsoft.com/.default',
    redirect_uri: REDIRECT,
    state: 'st',
  });
  return `${emu.authorityHost}/${tenant}/v2.0/adminconsent?${q.toString()}`;
}

describe('two app registrations', () => {
  it('are exported with fixed ids and the expected permissions', () => {
    expect(emu.apps.orgwide).toMatchObject({
      clientId: ROX_ORGWIDE_APP_CLIENT_ID,
      displayName: 'Rox Orgwide Integration',
      delegatedPermissions: [],
      groupMembershipClaims: 'DirectoryRole',
      optionalIdTokenClaims: ['acct'],
    });
    expect(emu.apps.orgwide.applicationPermissions).toHaveLength(8);
    expect(emu.apps.orgwide.applicationPermissions).toContain('MailboxSettings.Read');
    expect(emu.apps.individual).toMatchObject({
      clientId: ROX_INDIVIDUAL_APP_CLIENT_ID,
      displayName: 'Rox 365 Integration',
      applicationPermissions: [],
    });
    expect(emu.apps.individual.delegatedPermissions).toContain('Mail.Read');
    expect(emu.apps.individual.delegatedPermissions).toContain('MailboxSettings.Read');
    expect(emu.app).toBe(emu.apps.orgwide);
    expect(emu.apps.individual.clientSecret).not.toBe(emu.apps.orgwide.clientSecret);
  });

  it("do not share consent: the org-wide app's admin consent leaves the individual app unknown", async () => {
    const tenant = await freshTenant('woodgrove');
    await emu.control.adminConsent(tenant);
    const orgwide = await clientCredentials(tenant, 'orgwide');
    expect(orgwide.status).toBe(200);
    expect(decodePayload(String(orgwide.body.access_token)).roles).toEqual(
      [...emu.apps.orgwide.applicationPermissions].sort(),
    );
    const individual = await clientCredentials(tenant, 'individual');
    expect(individual.status).toBe(400);
    expect(individual.body.error_codes).toEqual([700016]);
    expect(String(individual.body.error_description)).toContain(ROX_INDIVIDUAL_APP_CLIENT_ID);

    const summary = await emu.control.tenant(tenant);
    expect(summary.servicePrincipals.map((sp) => sp.appId)).toEqual([ROX_ORGWIDE_APP_CLIENT_ID]);
    const portal = await (
      await fetch(`${emu.baseUrl}/portal/${summary.id}/enterprise-apps`)
    ).text();
    expect(portal).toContain(`id="app-${ROX_ORGWIDE_APP_CLIENT_ID}"`);
    expect(portal).not.toContain(`id="app-${ROX_INDIVIDUAL_APP_CLIENT_ID}"`);
  });

  it('do not accept each other’s secrets, and both accept the shared certificate', async () => {
    const tenant = await freshTenant('litware');
    await emu.control.adminConsent(tenant);
    await emu.control.adminConsent(tenant, { app: 'individual' });
    const crossed = await clientCredentials(tenant, 'individual', emu.apps.orgwide.clientSecret);
    expect(crossed.status).toBe(401);
    expect(crossed.body.error_codes).toEqual([7000215]);
    const crossedBack = await clientCredentials(
      tenant,
      'orgwide',
      emu.apps.individual.clientSecret,
    );
    expect(crossedBack.body.error_codes).toEqual([7000215]);

    for (const kind of ['orgwide', 'individual'] as const) {
      const result = await msalApp(emu, tenant, 'certificate', kind).acquireTokenByClientCredential(
        {
          scopes: ['https://graph.microsoft.com/.default'],
          skipCache: true,
        },
      );
      const claims = decodePayload(result?.accessToken ?? '');
      expect(claims.appid).toBe(emu.apps[kind].clientId);
      expect(claims.appidacr).toBe('2');
    }
  });

  it("give app-only tokens that app's roles and Graph resolves the caller by appid", async () => {
    const tenant = await freshTenant('proseware');
    await emu.control.adminConsent(tenant);
    await emu.control.grantRoles(tenant, ['User.Read.All'], { app: 'individual' });
    const individual = decodePayload(await appToken(emu, tenant, 'individual'));
    expect(individual.roles).toEqual(['User.Read.All']);
    expect(individual.app_displayname).toBe('Rox 365 Integration');
    const summary = await emu.control.tenant(tenant);
    expect(individual.oid).toBe(
      summary.servicePrincipals.find((sp) => sp.appId === ROX_INDIVIDUAL_APP_CLIENT_ID)?.id,
    );
    expect(individual.oid).not.toBe(summary.servicePrincipal?.id);

    // Removing the org-wide enterprise app kills its tokens, not the individual app's.
    const orgwideToken = await appToken(emu, tenant, 'orgwide');
    const individualToken = await appToken(emu, tenant, 'individual');
    await emu.control.removeServicePrincipal(tenant);
    const users = (token: string): Promise<Response> =>
      fetch(`${emu.graphBaseUrl}/v1.0/users?$top=1`, {
        headers: { authorization: `Bearer ${token}` },
      });
    expect((await users(orgwideToken)).status).toBe(401);
    expect((await users(individualToken)).status).toBe(200);
  });

  it('apply access policies per app: a policy for the org-wide app leaves the individual app alone', async () => {
    // The demo tenant's DenyAccess policy on Legal Investigations names the org-wide app.
    await emu.control.adminConsent(DEMO_TENANT.id);
    await emu.control.grantRoles(DEMO_TENANT.id, ['Mail.Read'], { app: 'individual' });
    const inbox = async (kind: AppKind): Promise<number> =>
      (
        await fetch(
          `${emu.graphBaseUrl}/v1.0/users/${DEMO_TENANT.users.policyRestricted}/messages?$top=1`,
          { headers: { authorization: `Bearer ${await appToken(emu, DEMO_TENANT.id, kind)}` } },
        )
      ).status;
    expect(await inbox('orgwide')).toBe(403);
    expect(await inbox('individual')).toBe(200);
    const test = await emu.control.testAccessPolicy(
      DEMO_TENANT.id,
      DEMO_TENANT.users.policyRestricted,
      'individual',
    );
    expect(test).toMatchObject({
      AppId: ROX_INDIVIDUAL_APP_CLIENT_ID,
      AccessCheckResult: 'Granted',
    });
  });

  it('keep delegated grants per app: consent to the individual app does not cover the org-wide app', async () => {
    const tenant = await freshTenant('fourthcoffee');
    await emu.control.grantDelegated(tenant, 'AllPrincipals', ['User.Read', 'Mail.Read'], {
      app: 'individual',
    });
    const url = async (kind: AppKind): Promise<string> =>
      msalApp(emu, tenant, 'secret', kind).getAuthCodeUrl({
        scopes: ['openid', 'https://graph.microsoft.com/Mail.Read'],
        redirectUri: REDIRECT,
      });
    const upn = `megan.bowen@${tenant}`;
    const individual = await driveSignIn(await url('individual'), upn);
    expect(individual.status).toBe(302);
    expect(individual.location?.searchParams.get('code')).toBeTruthy();
    const orgwide = await driveSignIn(await url('orgwide'), upn);
    expect(orgwide.status).toBe(200);
    expect(orgwide.html).toContain('id="consent-accept"');
  });

  it('refuse a code issued to the other app (AADSTS70000)', async () => {
    const url = await msalApp(emu, DEMO_TENANT.id, 'secret', 'individual').getAuthCodeUrl({
      scopes: ['openid', 'profile'],
      redirectUri: REDIRECT,
    });
    const outcome = await driveSignIn(url, DEMO_TENANT.users.member);
    const redeemed = await postForm(`${emu.authorityHost}/${DEMO_TENANT.id}/oauth2/v2.0/token`, {
      grant_type: 'authorization_code',
      client_id: emu.apps.orgwide.clientId,
      client_secret: emu.apps.orgwide.clientSecret,
      code: outcome.location?.searchParams.get('code') ?? '',
      redirect_uri: REDIRECT,
      scope: 'openid profile',
    });
    expect(redeemed.status).toBe(400);
    expect(redeemed.body).toMatchObject({ error: 'invalid_grant', error_codes: [70000] });
  });
});

describe('admin consent and directory roles', () => {
  it.each([
    ['an Application Administrator', DEMO_TENANT.users.appAdmin],
    ['a Cloud Application Administrator', DEMO_TENANT.users.cloudAppAdmin],
    ['an ordinary member', DEMO_TENANT.users.member],
  ])(
    'shows %s "Need admin approval" (AADSTS90094) for the org-wide app’s Graph app roles',
    async (_label, upn) => {
      const tenant = await freshTenant(`refuse${upn.split('.')[0] ?? 'x'}`);
      const url = adminConsentUrl(tenant, 'orgwide');
      const page = await driveSignIn(url, upn.replace('contoso.com', tenant));
      expect(page.status).toBe(403);
      expect(page.html).toContain('id="need-admin-approval"');
      expect(page.html).toContain('AADSTS90094');
      const back = await fetch(url, {
        method: 'POST',
        body: new URLSearchParams({ action: 'back', user: upn.replace('contoso.com', tenant) }),
        redirect: 'manual',
      });
      const loc = new URL(back.headers.get('location') ?? '');
      expect(loc.searchParams.get('error')).toBe('access_denied');
      expect(loc.searchParams.get('state')).toBe('st');
      expect((await emu.control.tenant(tenant)).servicePrincipals).toEqual([]);
    },
  );

  it.each([
    ['a Privileged Role Administrator', 'bianca.pisani'],
    ['a Global Administrator', 'isaiah.langer'],
  ])('lets %s grant the org-wide app’s application permissions', async (_label, local) => {
    const tenant = await freshTenant(`grant${local.split('.')[0] ?? 'x'}`);
    const outcome = await driveSignIn(adminConsentUrl(tenant, 'orgwide'), `${local}@${tenant}`, {
      action: 'accept',
    });
    expect(outcome.status).toBe(302);
    expect(outcome.location?.searchParams.get('admin_consent')).toBe('True');
    const summary = await emu.control.tenant(tenant);
    expect(summary.servicePrincipal?.grantedRoles).toEqual(
      [...emu.apps.orgwide.applicationPermissions].sort(),
    );
  });

  it('lets an Application Administrator grant the individual app’s delegated permissions tenant-wide', async () => {
    const tenant = await freshTenant('delegatedonly');
    const outcome = await driveSignIn(
      adminConsentUrl(tenant, 'individual'),
      `cameron.white@${tenant}`,
      { action: 'accept' },
    );
    expect(outcome.status).toBe(302);
    expect(outcome.location?.searchParams.get('admin_consent')).toBe('True');
    expect(outcome.location?.searchParams.get('scope')).toContain(
      'https://graph.microsoft.com/Mail.Read',
    );
    const summary = await emu.control.tenant(tenant);
    expect(summary.delegatedGrantsByApp[ROX_INDIVIDUAL_APP_CLIENT_ID]?.['AllPrincipals']).toEqual(
      [...emu.apps.individual.delegatedPermissions].sort(),
    );
    expect(summary.servicePrincipal).toBeNull();
    expect(summary.delegatedGrants).toEqual({});
  });

  it('takes roles from the control API by name or with isAdmin, and shows them in the portal', async () => {
    const tenant = await freshTenant('rolesbyname');
    const added = await emu.control.addUser(tenant, {
      userPrincipalName: `new.admin@${tenant}`,
      directoryRoles: ['Privileged Role Administrator'],
    });
    expect(added.directoryRoles).toEqual(['e8611ab8-c189-46e8-94e1-60213ab1f814']);
    const patched = await emu.control.updateUser(tenant, `new.admin@${tenant}`, { isAdmin: true });
    expect(patched.directoryRoles).toContain('62e90394-69f5-4237-9190-012177145e10');
    const cleared = await emu.control.setDirectoryRoles(tenant, `new.admin@${tenant}`, []);
    expect(cleared.directoryRoles).toEqual([]);
    const id = (await emu.control.tenant(tenant)).id;
    const users = await (await fetch(`${emu.baseUrl}/portal/${id}/users`)).text();
    expect(users).toMatch(
      /id="user-bianca-pisani-rolesbyname-com">.*Privileged Role Administrator/,
    );
  });
});
