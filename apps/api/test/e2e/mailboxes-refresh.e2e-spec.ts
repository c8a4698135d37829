import { type INestApplicationContext } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { DEMO_TENANT } from '@rox365/m365-emulator';

import { NEXT_ACTION, REASON } from '../../src/mailboxes/member-scope';
import { mailboxesSettled, syncFinished, syncNow } from '../support/directory-env';
import { startApiWithEmulator, type ApiWithEmulator } from '../support/emulator';
import {
  connectOrg,
  disconnectOrg,
  orgTokens,
  saveSettings,
  seedMembers,
  type OrgTokens,
} from '../support/orgwide';
import { eventually } from '../support/test-app';
import { newOrgId } from '../support/test-env';

interface Row {
  roxUserId: string;
  directoryUpn: string | null;
  calendar: { inScope: boolean; effective: string; reason: string | null };
  mail: { inScope: boolean; effective: string; reason: string | null; nextAction: string | null };
}

/**
 * Members' scope is read from materialised mailbox rows. Each input it derives from refreshes
 * them: settings, overrides, the directory, probes, the connection (and its grant), members.
 */
describe('mailbox rows follow every change they derive from', () => {
  let env: ApiWithEmulator;
  let org: OrgTokens;
  let worker: INestApplicationContext;

  const rows = async (): Promise<Map<string, Row>> => {
    const res = await env.api
      .http()
      .get('/api/v1/orgwide/members?limit=200')
      .set('authorization', `Bearer ${org.admin}`);
    expect(res.status).toBe(200);
    return new Map((res.body.items as Row[]).map((r) => [r.roxUserId, r]));
  };
  const row = async (roxUserId: string) => (await rows()).get(roxUserId);
  const settled = () => mailboxesSettled(env, org.orgId);

  beforeAll(async () => {
    env = await startApiWithEmulator();
    worker = await env.api.startWorker();
    org = await orgTokens(env, newOrgId());
    await seedMembers(env, org, [
      { roxUserId: 'megan', email: DEMO_TENANT.users.member },
      { roxUserId: 'joni', email: DEMO_TENANT.users.policyRestricted },
      { roxUserId: 'late', email: 'late.arrival@contoso.com' },
    ]);
    expect(
      await connectOrg(env, org, { settings: { calendarAccess: 'read', emailAccess: 'read' } }),
    ).toBe('connected');
    await syncFinished(env, org, null);
  });
  afterAll(() => env.close());

  it('connect: rows are written for every member, mapped through the directory', async () => {
    const all = await rows();
    expect([...all.keys()].sort()).toEqual(['joni', 'late', 'megan']);
    expect(all.get('megan')).toMatchObject({
      directoryUpn: DEMO_TENANT.users.member,
      mail: { inScope: true, effective: 'read' },
    });
    expect(all.get('late')?.mail).toMatchObject({ inScope: false, reason: REASON.unmapped });
  });

  it('settings: turning email off for the org re-scopes every row', async () => {
    await saveSettings(env, org, { calendarAccess: 'read', emailAccess: 'off' });
    await settled();
    expect((await row('megan'))?.mail).toMatchObject({
      inScope: false,
      reason: REASON.emailOffOrg,
    });
    await saveSettings(env, org, { calendarAccess: 'read', emailAccess: 'read' });
    await settled();
    expect((await row('megan'))?.mail.inScope).toBe(true);
  });

  it("override: one member's row changes with the request itself", async () => {
    const res = await env.api
      .http()
      .put('/api/v1/orgwide/overrides/megan')
      .set('authorization', `Bearer ${org.admin}`)
      .send({ calendarAccess: 'off', emailAccess: null });
    expect(res.status).toBe(200);
    expect((await row('megan'))?.calendar).toMatchObject({ inScope: false, effective: 'off' });
    const removed = await env.api
      .http()
      .delete('/api/v1/orgwide/overrides/megan')
      .set('authorization', `Bearer ${org.admin}`);
    expect(removed.status).toBe(204);
    expect((await row('megan'))?.calendar.inScope).toBe(true);
  });

  it('directory: a new account for an unmapped member maps them after the next sync', async () => {
    await env.emu.control.addUser(env.tenantId, {
      userPrincipalName: 'late.arrival@contoso.com',
      mail: 'late.arrival@contoso.com',
      displayName: 'Late Arrival',
    });
    await syncNow(env, org);
    await settled();
    expect(await row('late')).toMatchObject({
      directoryUpn: 'late.arrival@contoso.com',
      mail: { inScope: true },
    });
  });

  it('probe: an access policy that blocks a mailbox takes it out of scope', async () => {
    const res = await env.api
      .http()
      .post('/api/v1/orgwide/probes')
      .set('authorization', `Bearer ${org.admin}`)
      .send({ roxUserId: 'joni' });
    expect(res.status).toBe(202);
    const joni = await eventually(async () => {
      const current = await row('joni');
      return current?.mail.reason === REASON.accessPolicy ? current : null;
    });
    expect(joni.mail).toMatchObject({ inScope: false, nextAction: NEXT_ACTION.accessPolicy });
  });

  it('grant: a permission revoked in Entra clamps the rows once the re-check sees it', async () => {
    await env.emu.control.revokeRole(env.tenantId, 'Mail.Read');
    await env.emu.control.revokeRole(env.tenantId, 'Mail.ReadWrite');
    const res = await env.api
      .http()
      .post('/api/v1/orgwide/permissions/recheck')
      .set('authorization', `Bearer ${org.admin}`);
    expect(res.status).toBe(202);
    const megan = await eventually(async () => {
      const current = await row('megan');
      return current && current.mail.effective !== 'read' ? current : null;
    });
    expect(megan.mail.reason).not.toBeNull();
    await env.emu.control.grantRoles(env.tenantId, ['Mail.Read', 'Mail.ReadWrite']);
  });

  it('members: a new member has a row at once; a removed one loses it at once', async () => {
    await seedMembers(env, org, [{ roxUserId: 'new', email: DEMO_TENANT.users.unicode }]);
    expect((await row('new'))?.directoryUpn).toBe(DEMO_TENANT.users.unicode);
    const res = await env.api
      .http()
      .delete('/api/v1/members/new')
      .set('authorization', `Bearer ${org.service}`);
    expect(res.status).toBe(204);
    expect(await row('new')).toBeUndefined();
  });

  it('connection: after disconnect every row says not connected and holds nothing of the tenant', async () => {
    await disconnectOrg(env, org);
    await settled();
    const all = await rows();
    expect(all.size).toBe(3);
    for (const r of all.values()) {
      expect(r.directoryUpn).toBeNull();
      expect(r.mail).toMatchObject({ inScope: false, reason: REASON.notConnected });
    }
    expect(worker).toBeDefined();
  });
});
