import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { DEMO_FABRIKAM_TENANT, DEMO_TENANT } from '@rox365/m365-emulator';

import {
  allDirectoryUsers,
  directoryRowCounts,
  directorySummary,
  syncFinished,
  syncNow,
} from '../support/directory-env';
import { startApiWithEmulator, type ApiWithEmulator } from '../support/emulator';
import { auditActions, connectOrg, orgTokens, status, type OrgTokens } from '../support/orgwide';
import { eventually } from '../support/test-app';
import { newOrgId } from '../support/test-env';

const TENANT_USERS = 1200;
const SETTINGS = { calendarAccess: 'read', emailAccess: 'metadata' };

interface SyncedAudit {
  added: number;
  updated: number;
  removed: number;
  total: number;
  full: boolean;
}

async function lastSynced(env: ApiWithEmulator, org: OrgTokens): Promise<SyncedAudit> {
  const [latest] = await auditActions(env, org, 'directory.synced');
  expect(latest).toBeDefined();
  return latest?.details as unknown as SyncedAudit;
}

// A tenant holds one org: a second org connects Fabrikam (as large as Contoso here).
async function connectAndSync(
  env: ApiWithEmulator,
  tenant: 'contoso' | 'fabrikam' = 'contoso',
): Promise<OrgTokens> {
  const org = await orgTokens(env, newOrgId());
  const target =
    tenant === 'contoso'
      ? { tenant: DEMO_TENANT.initialDomain, user: DEMO_TENANT.users.admin }
      : { tenant: DEMO_FABRIKAM_TENANT.initialDomain, user: DEMO_FABRIKAM_TENANT.users.admin };
  expect(
    await connectOrg(env, org, {
      settings: { ...SETTINGS, tenant: target.tenant },
      user: target.user,
    }),
  ).toBe('connected');
  // Connecting queues the first full sync.
  const summary = await syncFinished(env, org, null);
  expect(summary.state, JSON.stringify(summary)).toBe('ok');
  return org;
}

describe('directory sync against a 1,200-user tenant', () => {
  let env: ApiWithEmulator;
  let org: OrgTokens;

  beforeAll(async () => {
    env = await startApiWithEmulator({
      emulator: {
        seed: [
          { domain: 'contoso', users: TENANT_USERS },
          { domain: 'fabrikam', users: TENANT_USERS },
        ],
      },
    });
    await env.api.startWorker();
  });
  afterAll(() => env.close());

  it('connecting runs a full sync that pages through every user (two pages of up to 999)', async () => {
    await env.emu.control.clearRequests();
    org = await connectAndSync(env);

    const summary = await directorySummary(env, org);
    expect(summary.users).toBe(TENANT_USERS);
    expect(summary.lastError).toBeNull();
    const deltaCalls = await env.emu.control.requests({ pathContains: '/users/delta' });
    expect(deltaCalls).toHaveLength(2);
    expect(await lastSynced(env, org)).toEqual({
      added: TENANT_USERS,
      updated: 0,
      removed: 0,
      total: TENANT_USERS,
      full: true,
    });
    const users = await allDirectoryUsers(env, org);
    expect(users).toHaveLength(TENANT_USERS);
    expect(new Set(users.map((u) => u.id)).size).toBe(TENANT_USERS);
  });

  it('an incremental sync picks up added, disabled and deleted users', async () => {
    const tenant = env.tenantId;
    const added = await env.emu.control.addUser(tenant, {
      userPrincipalName: 'new.hire@contoso.com',
      displayName: 'New Hire',
    });
    await env.emu.control.disableUser(tenant, DEMO_TENANT.users.member);
    const doomed = (await allDirectoryUsers(env, org, { q: 'lee.gu@' }))[0];
    expect(doomed).toBeDefined();
    await env.emu.control.deleteUser(tenant, doomed!.id);
    await env.emu.control.clearRequests();

    const summary = await syncNow(env, org);
    expect(summary.state).toBe('ok');
    expect(await lastSynced(env, org)).toEqual({
      added: 1,
      updated: 1,
      removed: 1,
      total: TENANT_USERS,
      full: false,
    });
    // The stored deltaLink was used, not a new full round.
    const calls = await env.emu.control.requests({ pathContains: '/users/delta' });
    expect(calls.length).toBeGreaterThan(0);
    expect(calls.every((c) => /deltatoken|skiptoken/i.test(c.query))).toBe(true);
    expect(calls[0]?.query).toMatch(/deltatoken=./i);

    const users = await allDirectoryUsers(env, org);
    expect(users.find((u) => u.id === added.id)?.userPrincipalName).toBe('new.hire@contoso.com');
    expect(
      users.find((u) => u.userPrincipalName === DEMO_TENANT.users.member)?.accountEnabled,
    ).toBe(false);
    expect(users.find((u) => u.id === doomed!.id)).toBeUndefined();
  });

  it('an expired delta token (410) falls back to a full sync that reconciles deletions', async () => {
    const tenant = env.tenantId;
    const gone = (await allDirectoryUsers(env, org, { q: 'nestor.wilke@' }))[0];
    expect(gone).toBeDefined();
    await env.emu.control.deleteUser(tenant, gone!.id, { hard: true });
    await env.emu.control.expireDeltaTokens(tenant);
    await env.emu.control.clearRequests();

    const summary = await syncNow(env, org);
    expect(summary.state).toBe('ok');
    const calls = await env.emu.control.requests({ pathContains: '/users/delta' });
    expect(calls.some((c) => c.status === 410)).toBe(true);
    const audit = await lastSynced(env, org);
    expect(audit.full).toBe(true);
    expect(audit.removed).toBe(1);
    expect(audit.total).toBe(TENANT_USERS - 1);
    expect((await allDirectoryUsers(env, org)).find((u) => u.id === gone!.id)).toBeUndefined();
  });

  it('honours a burst of 429s with Retry-After without a single throttle violation', async () => {
    const before = await env.emu.control.counters();
    await env.emu.control.addFault({
      match: 'GET /v1.0/users/delta',
      status: 429,
      retryAfterSeconds: 0.3,
      count: 2,
    });
    try {
      const summary = await syncNow(env, org);
      expect(summary.state, JSON.stringify(summary)).toBe('ok');
      const after = await env.emu.control.counters();
      expect((after.byStatus['429'] ?? 0) - (before.byStatus['429'] ?? 0)).toBe(2);
      expect(after.throttleViolations).toBe(0);
      expect(await env.emu.control.throttleViolations()).toEqual([]);
    } finally {
      await env.emu.control.clearFaults();
    }
  });

  it('a long Retry-After reschedules the job instead of spinning', async () => {
    const other = await connectAndSync(env, 'fabrikam');
    await env.emu.control.addFault({
      match: 'GET /v1.0/users/delta',
      status: 429,
      retryAfterSeconds: 300,
    });
    try {
      await env.emu.control.clearRequests();
      const res = await env.api
        .http()
        .post('/api/v1/orgwide/directory/sync')
        .set('authorization', `Bearer ${other.admin}`);
      expect(res.status).toBe(202);
      const summary = await eventually(async () => {
        const s = await directorySummary(env, other);
        return s.lastError === 'DIRECTORY_GRAPH_THROTTLED' ? s : null;
      });
      // Waiting for the retry: queued again, and Graph was asked exactly once.
      expect(summary.state).toBe('queued');
      expect(await env.emu.control.requests({ pathContains: '/users/delta' })).toHaveLength(1);
    } finally {
      await env.emu.control.clearFaults();
    }
    // Disconnecting removes the delayed job and every directory row of that org only.
    const receipt = await env.api
      .http()
      .delete('/api/v1/orgwide/connection')
      .set('authorization', `Bearer ${other.admin}`);
    expect(receipt.status, JSON.stringify(receipt.body)).toBe(200);
    expect(receipt.body.removed.directory_user).toBe(TENANT_USERS);
    expect(await directoryRowCounts(env, other.orgId)).toEqual({
      directory_user: 0,
      directory_sync_state: 0,
      directory_probe: 0,
    });
    expect((await directoryRowCounts(env, org.orgId)).directory_user).toBe(TENANT_USERS - 1);
  });

  it('a 403 for a missing permission fails without retry and asks consent to re-check', async () => {
    const statusBefore = await status(env, org.admin);
    await env.emu.control.clearRequests();
    await env.emu.control.addFault({
      match: 'GET /v1.0/users/delta',
      status: 403,
      errorCode: 'Authorization_RequestDenied',
      count: 1,
    });
    try {
      const summary = await syncNow(env, org);
      expect(summary).toMatchObject({ state: 'failed', lastError: 'DIRECTORY_PERMISSION_DENIED' });
      // The re-check ran (it reads a fresh token's roles) ...
      await eventually(async () => {
        const after = await status(env, org.admin);
        return after.permissionsCheckedAt !== statusBefore.permissionsCheckedAt ? after : null;
      });
    } finally {
      await env.emu.control.clearFaults();
    }
    // ... and the sync was not retried: a retry would have passed now that the fault is spent.
    expect(await env.emu.control.requests({ pathContains: '/users/delta' })).toHaveLength(1);
    expect((await directorySummary(env, org)).state).toBe('failed');
  });

  it('refuses other roles, and never shows another org’s directory', async () => {
    const stranger = await orgTokens(env, newOrgId());
    const users = await env.api
      .http()
      .get('/api/v1/orgwide/directory/users')
      .set('authorization', `Bearer ${stranger.admin}`);
    expect(users.status).toBe(200);
    expect(users.body.items).toEqual([]);
    const sync = await env.api
      .http()
      .post('/api/v1/orgwide/directory/sync')
      .set('authorization', `Bearer ${stranger.admin}`);
    expect(sync.status).toBe(412);
    expect(sync.body.code).toBe('DIRECTORY_NOT_CONNECTED');
    for (const token of [org.member, org.service]) {
      const res = await env.api
        .http()
        .post('/api/v1/orgwide/directory/sync')
        .set('authorization', `Bearer ${token}`);
      expect(res.status).toBe(403);
      const list = await env.api
        .http()
        .get('/api/v1/orgwide/directory/users')
        .set('authorization', `Bearer ${token}`);
      expect(list.status).toBe(403);
    }
  });
  it('without a directory permission, a sync is refused up front', async () => {
    const granted =
      (await env.emu.control.tenant(env.tenantId)).servicePrincipal?.grantedRoles ?? [];
    for (const role of granted.filter((r) => r.startsWith('User.') || r.startsWith('Directory.'))) {
      await env.emu.control.revokeRole(env.tenantId, role);
    }
    const recheck = await env.api
      .http()
      .post('/api/v1/orgwide/permissions/recheck')
      .set('authorization', `Bearer ${org.admin}`);
    expect(recheck.status).toBe(202);
    await eventually(async () =>
      (await status(env, org.admin)).capabilities.includes('directory_sync') ? null : true,
    );
    const res = await env.api
      .http()
      .post('/api/v1/orgwide/directory/sync')
      .set('authorization', `Bearer ${org.admin}`);
    expect(res.status).toBe(412);
    expect(res.body.code).toBe('DIRECTORY_PERMISSION_MISSING');
  });
});
