import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { DEMO_TENANT, startEmulator, type RunningEmulator } from '../src/index';
import { appToken, decodePayload } from './helpers';

let emu: RunningEmulator;

beforeAll(async () => {
  emu = await startEmulator({ seed: 'demo' });
});

afterAll(async () => {
  await emu.stop();
});

const post = (path: string, form: Record<string, string>): Promise<Response> =>
  fetch(`${emu.baseUrl}${path}`, {
    method: 'POST',
    body: new URLSearchParams(form),
    redirect: 'manual',
  });

describe('emulated Entra admin portal', () => {
  it('lists no enterprise app before consent, then shows granted permissions and revokes one', async () => {
    const apps = `/portal/${DEMO_TENANT.id}/enterprise-apps`;
    expect(await (await fetch(`${emu.baseUrl}${apps}`)).text()).toContain(
      'id="no-enterprise-apps"',
    );
    await emu.control.adminConsent(DEMO_TENANT.id);
    expect(await (await fetch(`${emu.baseUrl}${apps}`)).text()).toContain(
      `id="app-${emu.app.clientId}"`,
    );
    const perms = `/portal/${DEMO_TENANT.id}/enterprise-apps/${emu.app.clientId}/permissions`;
    const before = await (await fetch(`${emu.baseUrl}${perms}`)).text();
    expect(before).toContain('id="revoke-mail-send"');
    const res = await post(perms, { action: 'revoke-role', permission: 'Mail.Send' });
    expect(res.status).toBe(303);
    const after = await (await fetch(`${emu.baseUrl}${perms}`)).text();
    expect(after).not.toContain('id="granted-mail-send"');
    expect(after).toContain('id="granted-mail-read"');
    const roles = decodePayload(await appToken(emu, DEMO_TENANT.id)).roles as string[];
    expect(roles).not.toContain('Mail.Send');
    expect(roles).toContain('Mail.Read');
  });

  it('lists both enterprise apps once both are consented, each with its own permissions page', async () => {
    const apps = `/portal/${DEMO_TENANT.id}/enterprise-apps`;
    await emu.control.adminConsent(DEMO_TENANT.id, { app: 'individual' });
    const list = await (await fetch(`${emu.baseUrl}${apps}`)).text();
    expect(list).toContain(`id="app-${emu.apps.orgwide.clientId}"`);
    expect(list).toContain(`id="app-${emu.apps.individual.clientId}"`);
    const perms = `/portal/${DEMO_TENANT.id}/enterprise-apps/${emu.apps.individual.clientId}/permissions`;
    const page = await (await fetch(`${emu.baseUrl}${perms}`)).text();
    expect(page).toContain('Rox 365 Integration | Permissions');
    expect(page).toContain('id="no-app-permissions"');
    expect(page).toContain('id="revoke-delegated-allprincipals-mail-read"');
    await post(perms, {
      action: 'revoke-delegated',
      principal: 'AllPrincipals',
      permission: 'Mail.Read',
    });
    const summary = await emu.control.tenant(DEMO_TENANT.id);
    expect(
      summary.delegatedGrantsByApp[emu.apps.individual.clientId]?.['AllPrincipals'],
    ).not.toContain('Mail.Read');
    // The org-wide app's page is unchanged by the individual app's consent and revocation.
    const orgwide = await (
      await fetch(
        `${emu.baseUrl}/portal/${DEMO_TENANT.id}/enterprise-apps/${emu.apps.orgwide.clientId}/permissions`,
      )
    ).text();
    expect(orgwide).toContain('Rox Orgwide Integration | Permissions');
    expect(orgwide).not.toContain('revoke-delegated-');
  });

  it('adds an access policy and evaluates it like Test-ApplicationAccessPolicy', async () => {
    const path = `/portal/${DEMO_TENANT.id}/access-policies`;
    await post(path, {
      action: 'add',
      group: DEMO_TENANT.groups.sales,
      accessRight: 'RestrictAccess',
      description: 'sales only',
    });
    const policies = await emu.control.accessPolicies(DEMO_TENANT.id);
    expect(policies.map((p) => p.accessRight).sort()).toEqual(['DenyAccess', 'RestrictAccess']);
    const outside = await (
      await post(path, { action: 'test', identity: 'diego.siciliani@contoso.com' })
    ).text();
    expect(outside).toMatch(/id="access-check-result">Denied</);
    const inside = await (
      await post(path, { action: 'test', identity: DEMO_TENANT.users.member })
    ).text();
    expect(inside).toMatch(/id="access-check-result">Granted</);
  });

  it('lists users with their mailbox state and saves consent settings', async () => {
    const users = await (await fetch(`${emu.baseUrl}/portal/${DEMO_TENANT.id}/users`)).text();
    expect(users).toContain('id="user-pradeep-gupta-contoso-com"');
    expect(users).toContain('No mailbox');
    await post(`/portal/${DEMO_TENANT.id}/consent-settings`, {
      userConsent: 'notAllowed',
      adminConsentWorkflow: 'on',
    });
    expect((await emu.control.tenant(DEMO_TENANT.id)).consentPolicy).toEqual({
      userConsent: 'notAllowed',
      adminConsentWorkflow: true,
    });
  });
});
