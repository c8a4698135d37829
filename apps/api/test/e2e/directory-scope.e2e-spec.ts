import { type INestApplicationContext } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

import { DEMO_FABRIKAM_TENANT, DEMO_TENANT } from '@rox365/m365-emulator';

import { ConnectionReader } from '../../src/consent/connection-reader.service';
import { DirectorySyncScheduler } from '../../src/directory/directory-sync.scheduler';
import { MailboxesScheduler } from '../../src/mailboxes/mailboxes.scheduler';
import { NEXT_ACTION, REASON } from '../../src/mailboxes/member-scope';
import { Clock } from '../../src/platform/time/clock';
import {
  allDirectoryUsers,
  directoryRowCounts,
  directorySummary,
  syncFinished,
} from '../support/directory-env';
import { startApiWithEmulator, type ApiWithEmulator } from '../support/emulator';
import {
  auditActions,
  connectOrg,
  orgTokens,
  saveSettings,
  seedMembers,
  type OrgTokens,
} from '../support/orgwide';
import { eventually } from '../support/test-app';
import { newOrgId } from '../support/test-env';

interface Scope {
  configured: string;
  effective: string;
  inScope: boolean;
  reason: string | null;
  nextAction: string | null;
}
interface Status {
  roxUserId: string;
  directoryUserId: string | null;
  directoryUpn: string | null;
  calendar: Scope;
  mail: Scope;
  probe: { mail: string; calendar: string; nextAction: string | null } | null;
}
interface Probe {
  roxUserId: string;
  checkedAt: string;
  directoryUserId: string | null;
  mail: string;
  calendar: string;
  nextAction: string | null;
}

const MEMBERS = [
  { roxUserId: 'm-megan', email: 'MEGAN.BOWEN@CONTOSO.COM' }, // by mail
  { roxUserId: 'm-alex', email: 'Alex.Wilber@contoso.onmicrosoft.com' }, // by smtp: alias
  { roxUserId: 'm-kim', email: 'KIM.UPN@contoso.onmicrosoft.com' }, // by UPN
  { roxUserId: 'm-joni', email: DEMO_TENANT.users.policyRestricted },
  { roxUserId: 'm-pradeep', email: DEMO_TENANT.users.noMailbox },
  { roxUserId: 'm-diego', email: 'diego.siciliani@contoso.com' }, // override: email off
  { roxUserId: 'm-grady', email: 'grady.archie@contoso.com' }, // restricted user
  { roxUserId: 'm-nobody', email: 'nobody@example.com' },
];
const MAPPED = MEMBERS.filter((m) => m.roxUserId !== 'm-nobody').map((m) => m.roxUserId);

describe('member mapping, sync scope, probes and the access-policy script', () => {
  let env: ApiWithEmulator;
  let org: OrgTokens;
  let worker: INestApplicationContext;

  const get = (path: string, token: string, query: Record<string, string | number> = {}) =>
    env.api
      .http()
      .get(`/api/v1/orgwide${path}`)
      .query(query)
      .set('authorization', `Bearer ${token}`);
  const post = (path: string, token: string, body: object = {}) =>
    env.api
      .http()
      .post(`/api/v1/orgwide${path}`)
      .set('authorization', `Bearer ${token}`)
      .send(body);

  async function statuses(query: Record<string, string> = {}): Promise<Map<string, Status>> {
    const res = await get('/members', org.admin, { limit: 200, ...query });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return new Map((res.body.items as Status[]).map((s) => [s.roxUserId, s]));
  }

  async function probes(): Promise<Map<string, Probe>> {
    const res = await get('/probes', org.admin, { limit: 200 });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return new Map((res.body.items as Probe[]).map((p) => [p.roxUserId, p]));
  }

  async function probeAndWait(roxUserId: string): Promise<Probe> {
    const since = Date.now();
    const res = await post('/probes', org.admin, { roxUserId });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    expect(res.body.queued).toBe(1);
    return eventually(
      async () => {
        const probe = (await probes()).get(roxUserId);
        return probe && Date.parse(probe.checkedAt) >= since ? probe : null;
      },
      { attempts: 200 },
    );
  }

  beforeAll(async () => {
    env = await startApiWithEmulator();
    worker = await env.api.startWorker();
    await env.emu.control.addUser(env.tenantId, {
      userPrincipalName: 'kim.upn@contoso.onmicrosoft.com',
      mail: 'kim@contoso.com',
      displayName: 'Kim Upn',
    });
    org = await orgTokens(env, newOrgId());
    await seedMembers(env, org, MEMBERS);
    expect(
      await connectOrg(env, org, {
        settings: {
          calendarAccess: 'read_write',
          emailAccess: 'read',
          restrictedUsers: ['grady.archie@contoso.com'],
        },
      }),
    ).toBe('connected');
    const override = await env.api
      .http()
      .put('/api/v1/orgwide/overrides/m-diego')
      .set('authorization', `Bearer ${org.admin}`)
      .send({ calendarAccess: null, emailAccess: 'off' });
    expect(override.status, JSON.stringify(override.body)).toBeLessThan(300);
    expect((await syncFinished(env, org, null)).state).toBe('ok');
  });
  afterAll(() => env.close());

  it('maps members by mail, UPN and proxy address, case-insensitively', async () => {
    const all = await statuses();
    expect(all.get('m-megan')?.directoryUpn).toBe('megan.bowen@contoso.com');
    expect(all.get('m-alex')?.directoryUpn).toBe('alex.wilber@contoso.com');
    expect(all.get('m-kim')?.directoryUpn).toBe('kim.upn@contoso.onmicrosoft.com');
    expect(all.get('m-nobody')?.directoryUserId).toBeNull();
    expect(all.get('m-nobody')?.mail).toMatchObject({
      inScope: false,
      reason: REASON.unmapped,
      nextAction: NEXT_ACTION.mapAccount,
    });

    expect([...(await statuses({ filter: 'unmapped' })).keys()]).toEqual(['m-nobody']);
    expect([...(await statuses({ filter: 'mapped' })).keys()].sort()).toEqual([...MAPPED].sort());

    const mappedUsers = await allDirectoryUsers(env, org, { filter: 'mapped' });
    expect(mappedUsers.map((u) => u.mappedRoxUserId).sort()).toEqual([...MAPPED].sort());
    const unmapped = await allDirectoryUsers(env, org, { filter: 'unmapped' });
    expect(unmapped.some((u) => u.mappedRoxUserId !== null)).toBe(false);
    expect((await directorySummary(env, org)).mappedMembers).toBe(MAPPED.length);
  });

  it('computes scope from settings, overrides and restricted users', async () => {
    const all = await statuses();
    expect(all.get('m-megan')?.calendar).toMatchObject({
      inScope: true,
      effective: 'read_write',
      reason: null,
    });
    expect(all.get('m-megan')?.mail).toMatchObject({
      inScope: true,
      effective: 'read',
      reason: null,
    });
    expect(all.get('m-diego')?.mail).toMatchObject({
      inScope: false,
      configured: 'off',
      reason: REASON.emailOffMember,
    });
    expect(all.get('m-diego')?.calendar.inScope).toBe(true);
    expect(all.get('m-grady')?.mail).toMatchObject({
      inScope: false,
      reason: REASON.restricted,
      nextAction: NEXT_ACTION.unrestrict,
    });
    expect([...(await statuses({ filter: 'out_of_scope' })).keys()]).toEqual(['m-nobody']);
    expect([...(await statuses({ q: 'JONI' })).keys()]).toEqual(['m-joni']);

    // Cursor paging walks every member once.
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await get('/members', org.admin, { limit: 3, ...(cursor ? { cursor } : {}) });
      expect(res.status).toBe(200);
      seen.push(...(res.body.items as Status[]).map((s) => s.roxUserId));
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(MEMBERS.map((m) => m.roxUserId).sort());
    expect((await get('/members', org.admin, { cursor: 'bogus' })).status).toBe(400);
  });

  it('probes: an access-policy-restricted member is denied_by_policy, a mailbox-less one no_mailbox', async () => {
    const joni = await probeAndWait('m-joni');
    expect(joni).toMatchObject({
      mail: 'denied_by_policy',
      calendar: 'denied_by_policy',
      nextAction: NEXT_ACTION.accessPolicy,
    });
    const pradeep = await probeAndWait('m-pradeep');
    expect(pradeep).toMatchObject({ mail: 'no_mailbox', calendar: 'no_mailbox' });
    expect(pradeep.nextAction).toContain(NEXT_ACTION.license);
    const megan = await probeAndWait('m-megan');
    expect(megan).toMatchObject({ mail: 'granted', calendar: 'granted', nextAction: null });

    // Each probe refreshes its member's row right after it is stored.
    const all = await eventually(async () => {
      const current = await statuses();
      return current.get('m-megan')?.probe?.mail === 'granted' &&
        current.get('m-pradeep')?.probe &&
        current.get('m-joni')?.probe
        ? current
        : null;
    });
    expect(all.get('m-joni')?.mail).toMatchObject({
      inScope: false,
      reason: REASON.accessPolicy,
      nextAction: NEXT_ACTION.accessPolicy,
    });
    expect(all.get('m-pradeep')?.calendar).toMatchObject({
      inScope: false,
      reason: REASON.noMailbox,
    });
    expect(all.get('m-megan')?.probe?.mail).toBe('granted');

    const users = await allDirectoryUsers(env, org, { filter: 'mapped' });
    const state = (id: string) => users.find((u) => u.mappedRoxUserId === id)?.mailboxState;
    expect([state('m-joni'), state('m-pradeep'), state('m-megan')]).toEqual([
      'denied_by_policy',
      'no_mailbox',
      'available',
    ]);

    const audit = await auditActions(env, org, 'directory.probed');
    expect(audit.map((a) => a.details.mail).sort()).toEqual([
      'denied_by_policy',
      'granted',
      'no_mailbox',
    ]);
  });

  it('probing everyone queues one keyed job per in-scope member', async () => {
    const res = await post('/probes', org.admin);
    expect(res.status).toBe(202);
    expect(res.body.queued).toBe(MAPPED.length);
    expect(new Set(res.body.jobIds).size).toBe(MAPPED.length);
    await eventually(async () => ((await probes()).size === MAPPED.length ? true : null), {
      attempts: 300,
    });
    expect((await probes()).get('m-nobody')).toBeUndefined();
  });

  it('writes the access-policy PowerShell for the in-scope members', async () => {
    const res = await get('/access-policy/script', org.admin);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.appId).toBe(env.emu.apps.orgwide.clientId);
    expect(res.body.members).toContain('megan.bowen@contoso.com');
    expect(res.body.members).toContain('kim@contoso.com');
    expect(res.body.members).not.toContain('nobody@example.com');
    const script = res.body.script as string;
    expect(script).toContain(
      `New-DistributionGroup -Name 'RoxAppAccessGroup' -Type Security -PrimarySmtpAddress 'RoxAppAccessGroup@contoso.com'`,
    );
    expect(script).toContain(
      `Add-DistributionGroupMember -Identity 'RoxAppAccessGroup@contoso.com' -Member 'megan.bowen@contoso.com'`,
    );
    expect(script).toContain(
      `New-ApplicationAccessPolicy -AppId '${env.emu.apps.orgwide.clientId}' -PolicyScopeGroupId 'RoxAppAccessGroup@contoso.com' -AccessRight RestrictAccess`,
    );
    // One member that must come back Granted, then one mailbox outside the group (Denied).
    const tests = script
      .split('\n')
      .filter((line) => line.startsWith('Test-ApplicationAccessPolicy'));
    expect(tests).toHaveLength(2);
    expect(tests[0]).toContain(`-Identity '${res.body.members[0]}'`);
    expect(res.body.outsider).toBeTruthy();
    expect(res.body.members).not.toContain(res.body.outsider);
    expect(tests[1]).toContain(`-Identity '${res.body.outsider}'`);
    expect(res.body.basis).toBe('directory');
    // The probes above found Joni blocked by another policy and Pradeep without a mailbox, and
    // nobody@example.com has no account: flagged in the script, never added.
    const flagged = new Map(
      (res.body.flagged as { address: string; reason: string }[]).map((f) => [f.address, f.reason]),
    );
    expect(flagged.get(DEMO_TENANT.users.policyRestricted)).toMatch(/access policy/);
    expect(flagged.get(DEMO_TENANT.users.noMailbox)).toMatch(/no Exchange Online mailbox/);
    expect(flagged.get('nobody@example.com')).toMatch(/no Microsoft 365 account/);
    for (const address of flagged.keys()) {
      expect(res.body.members).not.toContain(address);
      expect(script).not.toContain(`-Member '${address}'`);
      expect(script).toContain(`#    ${address}: `);
    }

    // The download is the same script, streamed as plain text.
    const download = await get('/access-policy/script/download', org.admin);
    expect(download.status).toBe(200);
    expect(download.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(download.headers['content-disposition']).toBe(
      'attachment; filename="rox-access-policy.ps1"',
    );
    expect(download.text).toBe(script);

    const custom = await get('/access-policy/script', org.admin, {
      groupName: 'Rox Sync',
      groupSmtp: 'rox.sync@contoso.com',
    });
    expect(custom.status).toBe(200);
    expect(custom.body.script).toContain(`-PolicyScopeGroupId 'rox.sync@contoso.com'`);
    const customDownload = await get('/access-policy/script/download', org.admin, {
      groupName: 'Rox Sync',
      groupSmtp: 'rox.sync@contoso.com',
      accessRight: 'DenyAccess',
    });
    const customJson = await get('/access-policy/script', org.admin, {
      groupName: 'Rox Sync',
      groupSmtp: 'rox.sync@contoso.com',
      accessRight: 'DenyAccess',
    });
    expect(customDownload.status).toBe(customJson.status);
    if (customJson.status === 200) expect(customDownload.text).toBe(customJson.body.script);
    for (const path of ['/access-policy/script', '/access-policy/script/download']) {
      const bad = await get(path, org.admin, { accessRight: 'Everything' });
      expect(bad.status, path).toBe(400);
      expect(bad.headers['content-type'], path).toMatch(/^application\/problem\+json/);
      // A name PowerShell could not take (it was a 500 from the script's quoting).
      for (const groupName of ['Rox\tSync', 'Rox\u2028Sync']) {
        const control = await get(path, org.admin, { groupName });
        expect(control.status, path).toBe(400);
        expect(control.body.errors, path).toEqual([
          {
            path: 'query.groupName',
            message: 'must not contain control characters or line breaks',
          },
        ]);
      }
    }
  });

  it('offers the script before consent, from the saved settings and the members’ Rox emails', async () => {
    const early = await orgTokens(env, newOrgId());
    await seedMembers(env, early, [
      { roxUserId: 'e-ana', email: 'ana@contoso.com' },
      { roxUserId: 'e-bo', email: 'bo@contoso.com' },
    ]);
    await saveSettings(env, early, {
      calendarAccess: 'off',
      emailAccess: 'off',
      restrictedUsers: [],
    });
    // Nobody is in scope while both defaults are off.
    expect((await get('/access-policy/script', early.admin)).status).toBe(412);
    const put = await env.api
      .http()
      .put('/api/v1/orgwide/overrides/e-ana')
      .set('authorization', `Bearer ${early.admin}`)
      .send({ calendarAccess: 'read', emailAccess: null });
    expect(put.status, JSON.stringify(put.body)).toBeLessThan(300);
    const res = await get('/access-policy/script', early.admin);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({
      basis: 'rox_members',
      members: ['ana@contoso.com'],
      outsider: 'bo@contoso.com',
      flagged: [],
    });
    expect(res.body.script).toContain(
      `Test-ApplicationAccessPolicy -Identity 'bo@contoso.com' -AppId '${env.emu.apps.orgwide.clientId}'`,
    );
    expect((await get('/access-policy/script/download', early.admin)).text).toBe(res.body.script);
  });

  it('a member sees their own status', async () => {
    const megan = await env.api.tokenFor({
      roxUserId: 'm-megan',
      orgId: org.orgId,
      role: 'member',
    });
    const me = await get('/members/me', megan);
    expect(me.status, JSON.stringify(me.body)).toBe(200);
    expect(me.body).toMatchObject({
      roxUserId: 'm-megan',
      directoryUpn: 'megan.bowen@contoso.com',
    });
    expect((await get('/members/me', org.member)).status).toBe(404);
  });

  it('a revoked mail permission probes as permission_not_granted', async () => {
    const granted =
      (await env.emu.control.tenant(env.tenantId)).servicePrincipal?.grantedRoles ?? [];
    for (const role of granted.filter((r) => r.startsWith('Mail.') && r !== 'Mail.Send')) {
      await env.emu.control.revokeRole(env.tenantId, role);
    }
    // The admin asks for a re-check after revoking in Entra (the hourly one would do it too).
    expect((await post('/permissions/recheck', org.admin)).status).toBe(202);
    await eventually(
      async () => {
        const report = await get('/permissions', org.admin);
        return report.body.granted && !(report.body.granted as string[]).includes('Mail.Read')
          ? true
          : null;
      },
      { attempts: 200 },
    );
    const megan = await probeAndWait('m-megan');
    expect(megan).toMatchObject({ mail: 'permission_not_granted', calendar: 'granted' });
    expect(megan.nextAction).toContain('Mail.Read');
    const status = (await statuses()).get('m-megan');
    expect(status?.mail.inScope).toBe(false);
    expect(status?.mail.reason).toMatch(/revoked in Entra/);
    expect(status?.calendar.inScope).toBe(true);
  });

  it('every endpoint refuses wrong roles and never shows another org’s rows', async () => {
    const stranger = await orgTokens(env, newOrgId());
    for (const path of ['/members', '/probes', '/directory/users']) {
      const res = await get(path, stranger.admin);
      expect(res.status, path).toBe(200);
      expect(res.body.items, path).toEqual([]);
    }
    expect((await get('/access-policy/script', stranger.admin)).status).toBe(412);
    const noScript = await get('/access-policy/script/download', stranger.admin);
    expect(noScript.status).toBe(412);
    expect(noScript.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect((await post('/probes', stranger.admin, { roxUserId: 'm-megan' })).status).toBe(412);
    expect((await post('/directory/sync', stranger.admin)).status).toBe(412);
    expect((await get('/members/me', stranger.admin)).status).toBe(404);

    for (const [path, method] of [
      ['/members', 'get'],
      ['/probes', 'get'],
      ['/directory/users', 'get'],
      ['/access-policy/script', 'get'],
      ['/access-policy/script/download', 'get'],
      ['/probes', 'post'],
      ['/directory/sync', 'post'],
    ] as const) {
      for (const token of [org.member, org.service]) {
        const res = method === 'get' ? await get(path, token) : await post(path, token);
        expect(res.status, `${method} ${path}`).toBe(403);
      }
    }
    expect((await get('/members/me', org.service)).status).toBe(403);
    expect((await post('/probes', org.admin, { roxUserId: 'not-a-member' })).status).toBe(404);
  });

  it('the crons only enqueue: a sync per connected org, and probes once they are due', async () => {
    const scheduler = worker.get(DirectorySyncScheduler);
    const mailboxScheduler = worker.get(MailboxesScheduler);
    // The crons must only see this test's org: the file's other orgs are not its subject.
    const reader = worker.get(ConnectionReader);
    const onlyThisOrg = vi
      .spyOn(reader, 'connectedOrgs')
      .mockResolvedValue([{ orgId: org.orgId, tenantId: env.tenantId }]);
    try {
      const lastSyncAt = (await directorySummary(env, org)).lastSyncAt;
      expect(await scheduler.enqueueSyncs()).toBe(1);
      expect((await syncFinished(env, org, lastSyncAt)).state).toBe('ok');

      // Probes are due six hours after the last one.
      const later = new Date(Date.now() + 7 * 60 * 60 * 1000);
      const clock = vi.spyOn(worker.get(Clock), 'now').mockReturnValue(later);
      try {
        expect(await mailboxScheduler.enqueueDueProbes()).toBe(MAPPED.length);
        await eventually(
          async () => {
            const all = await probes();
            return MAPPED.every(
              (id) => Date.parse(all.get(id)?.checkedAt ?? '') === later.getTime(),
            )
              ? true
              : null;
          },
          { attempts: 300 },
        );
      } finally {
        clock.mockRestore();
      }
    } finally {
      onlyThisOrg.mockRestore();
    }
  });

  it('disconnecting removes this org’s directory and probe rows while another org’s stay', async () => {
    const other = await orgTokens(env, newOrgId());
    // Another tenant: a tenant holds one org at a time.
    await seedMembers(env, other, [
      { roxUserId: 'o-alice', email: DEMO_FABRIKAM_TENANT.users.member },
    ]);
    expect(
      await connectOrg(env, other, {
        settings: {
          calendarAccess: 'read',
          emailAccess: 'off',
          tenant: DEMO_FABRIKAM_TENANT.initialDomain,
        },
        user: DEMO_FABRIKAM_TENANT.users.admin,
      }),
    ).toBe('connected');
    expect((await syncFinished(env, other, null)).state).toBe('ok');

    const before = await directoryRowCounts(env, org.orgId);
    expect(before.directory_probe).toBeGreaterThan(0);
    const res = await env.api
      .http()
      .delete('/api/v1/orgwide/connection')
      .set('authorization', `Bearer ${org.admin}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.removed).toMatchObject({
      directory_user: before.directory_user,
      directory_probe: before.directory_probe,
      directory_sync_state: 1,
    });
    expect(await directoryRowCounts(env, org.orgId)).toEqual({
      directory_user: 0,
      directory_sync_state: 0,
      directory_probe: 0,
    });
    const kept = await directoryRowCounts(env, other.orgId);
    expect(kept.directory_user).toBe((await env.emu.control.tenant(env.fabrikamId)).userCount);
    expect(kept.directory_sync_state).toBe(1);
  });
});
