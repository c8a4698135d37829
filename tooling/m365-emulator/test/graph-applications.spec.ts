import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  DEMO_TENANT,
  ROX_INDIVIDUAL_APP_CLIENT_ID,
  ROX_ORGWIDE_APP_CLIENT_ID,
  startEmulator,
  type RunningEmulator,
} from '../src/index';
import { appToken, expectGraphError, graphClient } from './helpers';

const GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';
let emu: RunningEmulator;

beforeAll(async () => {
  emu = await startEmulator({ seed: 'demo' });
  await emu.control.adminConsent(DEMO_TENANT.id);
});

afterAll(async () => {
  await emu.stop();
});

type Sp = Record<string, unknown> & { id: string; appId: string };
type Grant = Record<string, unknown> & { id: string };

describe('servicePrincipals', () => {
  it('finds the org-wide app and Microsoft Graph by appId with Directory.Read.All', async () => {
    const client = graphClient(emu, () => appToken(emu, DEMO_TENANT.id));
    const summary = await emu.control.tenant(DEMO_TENANT.id);
    const ours = (await client
      .api('/servicePrincipals')
      .filter(`appId eq '${ROX_ORGWIDE_APP_CLIENT_ID}'`)
      .get()) as { value: Sp[]; '@odata.context': string };
    expect(ours['@odata.context']).toContain('$metadata#servicePrincipals');
    expect(ours.value).toHaveLength(1);
    expect(ours.value[0]).toMatchObject({
      id: summary.servicePrincipal?.id,
      appId: ROX_ORGWIDE_APP_CLIENT_ID,
      displayName: 'Rox Orgwide Integration',
      appDisplayName: 'Rox Orgwide Integration',
      servicePrincipalType: 'Application',
      accountEnabled: true,
      appOwnerOrganizationId: emu.apps.orgwide.homeTenantId,
      servicePrincipalNames: [ROX_ORGWIDE_APP_CLIENT_ID],
      signInAudience: 'AzureADMultipleOrgs',
    });

    const graph = (await client
      .api('/servicePrincipals')
      .filter(`appId eq '${GRAPH_APP_ID}'`)
      .select('id,appId,displayName')
      .get()) as { value: Sp[] };
    expect(graph.value).toEqual([
      { id: summary.graphServicePrincipalId, appId: GRAPH_APP_ID, displayName: 'Microsoft Graph' },
    ]);

    // The individual app has no enterprise app here until someone consents to it.
    const individual = (await client
      .api('/servicePrincipals')
      .filter(`appId eq '${ROX_INDIVIDUAL_APP_CLIENT_ID}'`)
      .get()) as { value: Sp[] };
    expect(individual.value).toEqual([]);
  });

  it('reads one by object id or by appId, and answers 404 for an unknown id', async () => {
    const client = graphClient(emu, () => appToken(emu, DEMO_TENANT.id));
    const spId = (await emu.control.tenant(DEMO_TENANT.id)).servicePrincipal?.id ?? '';
    const byId = (await client.api(`/servicePrincipals/${spId}`).get()) as Sp;
    expect(byId).toMatchObject({ id: spId, appId: ROX_ORGWIDE_APP_CLIENT_ID });
    const byAppId = (await client
      .api(`/servicePrincipals(appId='${ROX_ORGWIDE_APP_CLIENT_ID}')`)
      .get()) as Sp;
    expect(byAppId.id).toBe(spId);
    const missing = await expectGraphError(
      client.api('/servicePrincipals/00000000-0000-0000-0000-00000000abcd').get(),
    );
    expect(missing.statusCode).toBe(404);
    expect(missing.code).toBe('Request_ResourceNotFound');
  });

  it('needs Application.Read.All or a directory role (403 without)', async () => {
    await emu.control.createTenant({ domain: 'spnoroles', users: 3 });
    await emu.control.grantRoles('spnoroles.com', ['Mail.Read']);
    const denied = await expectGraphError(
      graphClient(emu, () => appToken(emu, 'spnoroles.com'))
        .api('/servicePrincipals')
        .get(),
    );
    expect(denied.statusCode).toBe(403);
    expect(denied.code).toBe('Authorization_RequestDenied');

    await emu.control.grantRoles('spnoroles.com', ['Application.Read.All']);
    const client = graphClient(emu, () => appToken(emu, 'spnoroles.com'));
    const listed = (await client.api('/servicePrincipals').get()) as { value: Sp[] };
    expect(listed.value.map((sp) => sp.appId)).toEqual(
      expect.arrayContaining([GRAPH_APP_ID, ROX_ORGWIDE_APP_CLIENT_ID]),
    );
    // Application.Read.All does not reach delegated permission grants.
    const grants = await expectGraphError(client.api('/oauth2PermissionGrants').get());
    expect(grants.statusCode).toBe(403);
  });
});

describe('oauth2PermissionGrants', () => {
  it("lists the org-wide app's delegated grants in Microsoft's shape, tenant-wide and per user", async () => {
    await emu.control.grantDelegated(DEMO_TENANT.id, 'AllPrincipals', ['User.Read', 'Mail.Read']);
    await emu.control.grantDelegated(DEMO_TENANT.id, DEMO_TENANT.users.member, ['Calendars.Read']);
    // A grant of the individual app must not show up under the org-wide app's client id.
    await emu.control.grantDelegated(DEMO_TENANT.id, 'AllPrincipals', ['Mail.Send'], {
      app: 'individual',
    });
    const summary = await emu.control.tenant(DEMO_TENANT.id);
    const spId = summary.servicePrincipal?.id ?? '';
    const memberId = emu.state.findTenant(DEMO_TENANT.id)?.findUser(DEMO_TENANT.users.member)?.id;
    const client = graphClient(emu, () => appToken(emu, DEMO_TENANT.id));

    const res = (await client
      .api('/oauth2PermissionGrants')
      .filter(`clientId eq '${spId}'`)
      .get()) as { value: Grant[]; '@odata.context': string };
    expect(res['@odata.context']).toContain('$metadata#oauth2PermissionGrants');
    expect(res.value).toHaveLength(2);
    for (const g of res.value) {
      expect(Object.keys(g).sort()).toEqual(
        ['clientId', 'consentType', 'id', 'principalId', 'resourceId', 'scope'].sort(),
      );
      expect(g.id).toMatch(/^[A-Za-z0-9_-]+$/);
    }
    const byType = new Map(res.value.map((g) => [g.consentType, g]));
    expect(byType.get('AllPrincipals')).toMatchObject({
      clientId: spId,
      principalId: null,
      resourceId: summary.graphServicePrincipalId,
      scope: 'User.Read Mail.Read',
    });
    expect(byType.get('Principal')).toMatchObject({
      clientId: spId,
      principalId: memberId,
      resourceId: summary.graphServicePrincipalId,
      scope: 'Calendars.Read',
    });

    const one = (await client
      .api(`/oauth2PermissionGrants/${res.value[0]?.id ?? ''}`)
      .get()) as Grant;
    expect(one.id).toBe(res.value[0]?.id);
    const viaSp = (await client.api(`/servicePrincipals/${spId}/oauth2PermissionGrants`).get()) as {
      value: Grant[];
    };
    expect(viaSp.value.map((g) => g.id).sort()).toEqual(res.value.map((g) => g.id).sort());

    const individualSp = summary.servicePrincipals.find(
      (sp) => sp.appId === ROX_INDIVIDUAL_APP_CLIENT_ID,
    );
    const theirs = (await client
      .api('/oauth2PermissionGrants')
      .filter(`clientId eq '${individualSp?.id ?? ''}'`)
      .get()) as { value: Grant[] };
    expect(theirs.value).toEqual([
      expect.objectContaining({ consentType: 'AllPrincipals', scope: 'Mail.Send' }),
    ]);
  });

  it('answers an empty list once the grants are revoked', async () => {
    for (const scope of ['User.Read', 'Mail.Read'])
      await emu.control.revokeDelegated(DEMO_TENANT.id, 'AllPrincipals', scope);
    await emu.control.revokeDelegated(DEMO_TENANT.id, DEMO_TENANT.users.member, 'Calendars.Read');
    const spId = (await emu.control.tenant(DEMO_TENANT.id)).servicePrincipal?.id ?? '';
    const res = (await graphClient(emu, () => appToken(emu, DEMO_TENANT.id))
      .api('/oauth2PermissionGrants')
      .filter(`clientId eq '${spId}'`)
      .get()) as { value: Grant[] };
    expect(res.value).toEqual([]);
  });
});
