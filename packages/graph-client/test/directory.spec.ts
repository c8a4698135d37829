import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { DEMO_TENANT, startEmulator, type RunningEmulator } from '@rox365/m365-emulator';

import {
  DeltaExpiredError,
  getUser,
  GraphRequestError,
  listUsers,
  usersDeltaPages,
  usersDeltaRound,
  type MicrosoftGraph,
} from '../src/index';
import { buildGraph, rejectionOf } from './helpers';

let emu: RunningEmulator;
let graph: MicrosoftGraph;
let bigTenantId: string;

beforeAll(async () => {
  emu = await startEmulator({
    seed: [
      { domain: 'contoso', adminConsented: true },
      {
        domain: 'bigcorp',
        users: 1200,
        adminConsented: true,
        messagesPerMailbox: 0,
        eventsPerMailbox: 0,
      },
    ],
  });
  graph = buildGraph(emu);
  bigTenantId = await graph.resolveTenantId('bigcorp.onmicrosoft.com');
});

afterAll(async () => {
  await emu.stop();
});

beforeEach(async () => {
  await emu.control.clearRequests();
  await emu.control.adminConsent(DEMO_TENANT.id);
});

describe('directory', () => {
  it('lists 1,200 users in two pages of at most 999', async () => {
    const users = await listUsers(graph.forTenant(bigTenantId));

    expect(new Set(users.map((u) => u.id)).size).toBe(1200);
    expect((await emu.control.counters()).byPath['GET /v1.0/users']).toBe(2);
  });

  it('walks a full users delta round page by page with the page-size preference on every page', async () => {
    const pages = [];
    for await (const page of usersDeltaPages(graph.forTenant(bigTenantId))) pages.push(page);

    expect(pages.map((p) => p.items.length)).toEqual([999, 201]);
    expect(pages[0]?.deltaLink).toBeNull();
    expect(pages[1]?.deltaLink).toContain('$deltatoken=');
    expect(Object.keys(pages[0]?.items[0] ?? {}).sort()).toEqual(
      [
        'accountEnabled',
        'displayName',
        'id',
        'mail',
        'proxyAddresses',
        'userPrincipalName',
        'userType',
      ].sort(),
    );
  });

  it('reports additions, changes and removals in the next round', async () => {
    const client = graph.forTenant(DEMO_TENANT.id);
    const first = await usersDeltaRound(client);
    expect(first.items).toHaveLength(29);
    expect(first.removed).toEqual([]);

    const added = await emu.control.addUser(DEMO_TENANT.id, {
      userPrincipalName: 'new.hire@contoso.com',
      displayName: 'New Hire',
    });
    await emu.control.updateUser(DEMO_TENANT.id, DEMO_TENANT.users.member, {
      displayName: 'Megan B.',
    });
    const gone = first.items.find((u) => u.userPrincipalName === 'lee.gu@contoso.com');
    await emu.control.deleteUser(DEMO_TENANT.id, 'lee.gu@contoso.com');

    const second = await usersDeltaRound(client, first.deltaLink);

    expect(second.items.map((u) => u.id)).toEqual(expect.arrayContaining([added.id]));
    expect(
      second.items.find((u) => u.userPrincipalName === DEMO_TENANT.users.member)?.displayName,
    ).toBe('Megan B.');
    expect(second.removed).toEqual([{ id: gone?.id, reason: expect.any(String) as string }]);
    expect(second.deltaLink).not.toBe(first.deltaLink);
  });

  it('throws DeltaExpiredError when the delta token has expired (410)', async () => {
    const client = graph.forTenant(DEMO_TENANT.id);
    const round = await usersDeltaRound(client);
    await emu.control.expireDeltaTokens(DEMO_TENANT.id);

    const error = await rejectionOf(usersDeltaRound(client, round.deltaLink));

    expect(error).toBeInstanceOf(DeltaExpiredError);
    expect(error).toMatchObject({ status: 410, isDeltaExpired: true });
    // Restarting from the initial URL works.
    expect((await usersDeltaRound(client)).items).toHaveLength(round.items.length);
  });

  it('classifies a missing user as not found', async () => {
    const error = await rejectionOf(
      getUser(graph.forTenant(DEMO_TENANT.id), '00000000-0000-0000-0000-000000000001'),
    );

    expect(error).toBeInstanceOf(GraphRequestError);
    expect(error).toMatchObject({ status: 404, isNotFound: true, isPermissionDenied: false });
  });

  it('classifies a directory call without the role as permission denied (403 Authorization_RequestDenied)', async () => {
    await emu.control.revokeRole(DEMO_TENANT.id, 'Directory.Read.All');
    await emu.control.revokeRole(DEMO_TENANT.id, 'User.Read.All');
    const fresh = buildGraph(emu);

    const error = await rejectionOf(
      getUser(fresh.forTenant(DEMO_TENANT.id), DEMO_TENANT.users.member),
    );

    expect(error).toMatchObject({
      status: 403,
      code: 'Authorization_RequestDenied',
      isPermissionDenied: true,
    });
    expect((error as GraphRequestError).requestId).toEqual(expect.any(String));
  });
});
