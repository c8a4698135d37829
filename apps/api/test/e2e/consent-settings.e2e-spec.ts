import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { DEMO_TENANT } from '@rox365/m365-emulator';

import { startApiWithEmulator, type ApiWithEmulator } from '../support/emulator';
import {
  auditActions,
  connectOrg,
  orgTokens,
  seedMembers,
  startConnect,
  type OrgTokens,
} from '../support/orgwide';
import { eventually } from '../support/test-app';
import { newOrgId } from '../support/test-env';

describe('org-wide settings, overrides and access rules', () => {
  let env: ApiWithEmulator;
  let org: OrgTokens;
  let other: OrgTokens;

  beforeAll(async () => {
    env = await startApiWithEmulator();
    org = await orgTokens(env, newOrgId('a'));
    other = await orgTokens(env, newOrgId('b'));
    await seedMembers(env, org, [
      { roxUserId: 'u-ceo', email: 'CEO@Contoso.com' },
      { roxUserId: 'u-megan', email: DEMO_TENANT.users.member },
    ]);
    await seedMembers(env, other, [{ roxUserId: 'u-x', email: 'x@fabrikam.com' }]);
  });
  afterAll(() => env.close());

  const put = (token: string, body: object) =>
    env.api
      .http()
      .put('/api/v1/orgwide/settings')
      .set('authorization', `Bearer ${token}`)
      .send(body);
  const get = (token: string) =>
    env.api.http().get('/api/v1/orgwide/settings').set('authorization', `Bearer ${token}`);

  it('starts empty, then saves a domain tenant resolved to its GUID, normalised, audited', async () => {
    const empty = await get(org.admin);
    expect(empty.status).toBe(200);
    expect(empty.body).toMatchObject({ tenant: null, tenantId: null, updatedAt: null });

    const saved = await put(org.admin, {
      calendarAccess: 'read_write',
      emailAccess: 'read',
      restrictedDomains: ['Fabrikam.COM', 'Bücher.example'],
      restrictedUsers: [' ceo@contoso.com '],
      tenant: 'Contoso.com',
    });
    expect(saved.status).toBe(200);
    expect(saved.body).toMatchObject({
      calendarAccess: 'read_write',
      // Not sent: the default, a meeting is deleted only when the call confirms.
      calendarMeetingDeletes: 'confirm',
      emailAccess: 'read',
      restrictedDomains: ['fabrikam.com', 'xn--bcher-kva.example'],
      restrictedUsers: ['ceo@contoso.com'],
      tenant: 'contoso.com',
      tenantId: env.tenantId,
    });
    expect((await get(org.admin)).body).toEqual(saved.body);
    // The other org sees nothing of it.
    expect((await get(other.admin)).body.tenantId).toBeNull();

    const [audit] = await auditActions(env, org, 'orgwide.settings-updated');
    expect(audit?.details).toMatchObject({
      before: null,
      after: { tenantId: env.tenantId, calendarAccess: 'read_write' },
    });

    const byGuid = await put(org.admin, {
      calendarAccess: 'read',
      emailAccess: 'read',
      tenant: env.tenantId.toUpperCase(),
    });
    expect(byGuid.status).toBe(200);
    expect(byGuid.body.tenantId).toBe(env.tenantId);
    const audits = await auditActions(env, org, 'orgwide.settings-updated');
    expect(audits).toHaveLength(2);
    expect(audits[0]?.details).toMatchObject({
      before: { calendarAccess: 'read_write', restrictedUsers: ['ceo@contoso.com'] },
      after: { calendarAccess: 'read', restrictedUsers: [] },
    });
  });

  it('refuses bad input with problem+json naming each field', async () => {
    const res = await put(org.admin, {
      calendarAccess: 'sometimes',
      calendarMeetingDeletes: 'always',
      emailAccess: 'read',
      restrictedDomains: ['fabrikam.com', 'nope'],
      restrictedUsers: ['not-an-email'],
      tenant: 'not a tenant',
    });
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body.errors.map((e: { path: string }) => e.path).sort()).toEqual([
      'body.calendarAccess',
      'body.calendarMeetingDeletes',
      'body.restrictedDomains.1',
      'body.restrictedUsers.0',
      'body.tenant',
    ]);

    const duplicates = await put(org.admin, {
      calendarAccess: 'read',
      emailAccess: 'read',
      restrictedDomains: ['fabrikam.com', 'FABRIKAM.com'],
      restrictedUsers: ['ceo@contoso.com', 'CEO@contoso.com'],
      tenant: DEMO_TENANT.initialDomain,
    });
    expect(duplicates.status).toBe(400);
    expect(duplicates.body.errors).toEqual([
      {
        path: 'body.restrictedDomains.1',
        message: '"fabrikam.com" is listed twice (also at position 1)',
      },
      {
        path: 'body.restrictedUsers.1',
        message: '"ceo@contoso.com" is listed twice (also at position 1)',
      },
    ]);
  });

  it('refuses a restricted user who is not a member of this org, naming the entry', async () => {
    const res = await put(org.admin, {
      calendarAccess: 'read',
      emailAccess: 'read',
      restrictedUsers: ['ceo@contoso.com', 'x@fabrikam.com'],
      tenant: DEMO_TENANT.initialDomain,
    });
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body.code).toBe('ORGWIDE_RESTRICTED_USER_UNKNOWN');
    expect(res.body.errors).toEqual([
      { path: 'body.restrictedUsers.1', message: 'x@fabrikam.com is not a member of this org' },
    ]);
  });

  it('refuses an unknown tenant with a clear message', async () => {
    const res = await put(org.admin, {
      calendarAccess: 'read',
      emailAccess: 'read',
      tenant: 'no-such-tenant.onmicrosoft.com',
    });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('ORGWIDE_TENANT_UNKNOWN');
    expect(res.body.detail).toContain('no-such-tenant.onmicrosoft.com');
    expect(res.body.errors).toEqual([
      { path: 'body.tenant', message: expect.stringContaining('Microsoft Entra knows no tenant') },
    ]);
  });

  it('answers 503 when Microsoft Entra cannot be reached', async () => {
    const fresh = await orgTokens(env, newOrgId('down'));
    await env.emu.control.addFault({
      match: 'GET /fabrikam\\.onmicrosoft\\.com/v2\\.0/\\.well-known/openid-configuration',
      status: 503,
    });
    try {
      const res = await put(fresh.admin, {
        calendarAccess: 'read',
        emailAccess: 'read',
        tenant: 'fabrikam.onmicrosoft.com',
      });
      expect(res.status).toBe(503);
      expect(res.body.code).toBe('MICROSOFT_UNAVAILABLE');
    } finally {
      await env.emu.control.clearFaults();
    }
  });

  it('sets and removes member overrides, only for members of this org', async () => {
    const set = await env.api
      .http()
      .put('/api/v1/orgwide/overrides/u-megan')
      .set('authorization', `Bearer ${org.admin}`)
      .send({ calendarAccess: null, emailAccess: 'read_send' });
    expect(set.status).toBe(200);
    expect(set.body.overrides).toEqual([
      { roxUserId: 'u-megan', calendarAccess: null, emailAccess: 'read_send' },
    ]);
    const unknown = await env.api
      .http()
      .put('/api/v1/orgwide/overrides/u-x')
      .set('authorization', `Bearer ${org.admin}`)
      .send({ calendarAccess: 'off', emailAccess: null });
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe('ORGWIDE_MEMBER_NOT_FOUND');

    // The override raises what the grant must cover.
    const report = await env.api
      .http()
      .get('/api/v1/orgwide/permissions')
      .set('authorization', `Bearer ${org.admin}`);
    expect(report.body.needed).toEqual(expect.arrayContaining(['Mail.Read', 'Mail.Send']));

    const otherOrg = await env.api
      .http()
      .delete('/api/v1/orgwide/overrides/u-megan')
      .set('authorization', `Bearer ${other.admin}`);
    expect(otherOrg.status).toBe(404);
    const removed = await env.api
      .http()
      .delete('/api/v1/orgwide/overrides/u-megan')
      .set('authorization', `Bearer ${org.admin}`);
    expect(removed.status).toBe(204);
    expect((await get(org.admin)).body.overrides).toEqual([]);
    const actions = (await auditActions(env, org, 'orgwide.*'))
      .map((a) => a.action)
      .filter((a) => a.startsWith('orgwide.override'));
    expect(actions).toEqual(['orgwide.override-removed', 'orgwide.override-set']);
  });

  it('drops a removed member’s override and individual connections, in the worker', async () => {
    await seedMembers(env, org, [{ roxUserId: 'u-leaver', email: 'leaver@contoso.com' }]);
    const leaver = await env.api.tokenFor({
      roxUserId: 'u-leaver',
      orgId: org.orgId,
      role: 'member',
    });
    const auth = (token: string) => ({ authorization: `Bearer ${token}` });
    await env.api
      .http()
      .put('/api/v1/orgwide/overrides/u-leaver')
      .set(auth(org.admin))
      .send({ calendarAccess: 'off', emailAccess: null })
      .expect(200);
    await env.api
      .http()
      .post('/api/v1/individual-connections')
      .set(auth(leaver))
      .send({ provider: 'microsoft', kind: 'mail' })
      .expect(200);

    await env.api.startWorker();
    await env.api.http().delete('/api/v1/members/u-leaver').set(auth(org.service)).expect(204);
    const [purged] = await eventually(async () => {
      const entries = await auditActions(env, org, 'members.data-purged');
      return entries.length > 0 ? entries : null;
    });
    // Every feature holding per-member rows answers; these are the ones this member had.
    expect(purged?.details.removed).toMatchObject({
      member_override: 1,
      individual_connection: 1,
      directory_probe: 0,
      mail_message: 0,
      mail_send: 0,
    });
    expect((await get(org.admin)).body.overrides).toEqual([]);
    const left = await env.api
      .http()
      .get('/api/v1/individual-connections?all=true')
      .set(auth(org.admin));
    expect(left.body.items).toEqual([]);
  });

  it('refuses to change the tenant of a connected org', async () => {
    const connected = await orgTokens(env, newOrgId('c'));
    expect(await connectOrg(env, connected, { settings: {} })).toBe('connected');
    await env.emu.control.createTenant({ domain: 'fabrikam' });
    const res = await put(connected.admin, {
      calendarAccess: 'read',
      emailAccess: 'metadata',
      tenant: 'fabrikam.onmicrosoft.com',
    });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('ORGWIDE_TENANT_LOCKED');
    // Same tenant, other levels: fine.
    const ok = await put(connected.admin, {
      calendarAccess: 'off',
      emailAccess: 'metadata',
      tenant: DEMO_TENANT.initialDomain,
    });
    expect(ok.status).toBe(200);
  });

  it('refuses wrong roles and missing tokens on every endpoint', async () => {
    const adminOnly: [string, string][] = [
      ['get', '/api/v1/orgwide/settings'],
      ['put', '/api/v1/orgwide/settings'],
      ['put', '/api/v1/orgwide/overrides/u-megan'],
      ['delete', '/api/v1/orgwide/overrides/u-megan'],
      ['post', '/api/v1/orgwide/connect'],
      ['get', '/api/v1/orgwide/permissions'],
      ['post', '/api/v1/orgwide/permissions/recheck'],
      ['delete', '/api/v1/orgwide/connection'],
    ];
    for (const [method, path] of adminOnly) {
      const call = (agent: ReturnType<typeof env.api.http>) => agent[method as 'get'](path);
      for (const token of [org.member, org.service]) {
        const res = await call(env.api.http()).set('authorization', `Bearer ${token}`).send({});
        expect(res.status, `${method} ${path}`).toBe(403);
      }
      const anonymous = await call(env.api.http());
      expect(anonymous.status, `${method} ${path}`).toBe(401);
    }
    for (const path of ['/api/v1/orgwide/status', '/api/v1/individual-connections']) {
      const svc = await env.api.http().get(path).set('authorization', `Bearer ${org.service}`);
      // Rox backends read the org's status (a connection.changed notice sends them there).
      expect(svc.status).toBe(path.endsWith('/status') ? 200 : 403);
      expect((await env.api.http().get(path)).status).toBe(401);
    }
  });

  it("another org's admin cannot see or act on this org's connection", async () => {
    const a = await orgTokens(env, newOrgId('iso'));
    expect(await connectOrg(env, a, { settings: {} })).toBe('connected');
    const b = await orgTokens(env, newOrgId('iso-b'));
    const st = await env.api
      .http()
      .get('/api/v1/orgwide/status')
      .set('authorization', `Bearer ${b.admin}`);
    expect(st.body).toMatchObject({ state: 'not_configured', tenantId: null });
    const del = await env.api
      .http()
      .delete('/api/v1/orgwide/connection')
      .set('authorization', `Bearer ${b.admin}`);
    expect(del.status).toBe(409);
    expect(del.body.code).toBe('ORGWIDE_NOT_CONNECTED');
    const perms = await env.api
      .http()
      .get('/api/v1/orgwide/permissions')
      .set('authorization', `Bearer ${b.admin}`);
    expect(perms.body.granted).toEqual([]);
    await expect(startConnect(env, b)).rejects.toThrow();
    const mine = await env.api
      .http()
      .get('/api/v1/orgwide/status')
      .set('authorization', `Bearer ${a.member}`);
    expect(mine.body.state).toBe('connected');
  });
});
