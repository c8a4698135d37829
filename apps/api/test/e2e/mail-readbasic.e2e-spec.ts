import { type INestApplicationContext } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { getMessage, GraphRequestError } from '@rox365/graph-client';
import { DEMO_TENANT } from '@rox365/m365-emulator';

import { OrgwideGraph } from '../../src/platform/graph/graph.module';
import { syncFinished } from '../support/directory-env';
import { startApiWithEmulator, type ApiWithEmulator } from '../support/emulator';
import { emulatorUserId, holdSyncRounds, mailCycle, mailDb } from '../support/mail-env';
import { connectOrg, orgTokens, seedMembers, type OrgTokens } from '../support/orgwide';
import { newOrgId } from '../support/test-env';

const MEGAN = DEMO_TENANT.users.member;

/**
 * MAIL-2 with a token that holds Mail.ReadBasic.All only, while the emulator answers an explicit
 * `$select=body` with 403 (`readBasicExplicitBody: forbid`, one of the two behaviours seen at
 * Microsoft): metadata sync never names a body, so it never meets the 403, and stores no body.
 */
describe('mail metadata with Mail.ReadBasic.All only (readBasicExplicitBody: forbid)', () => {
  let env: ApiWithEmulator;
  let org: OrgTokens;
  let worker: INestApplicationContext;

  type Row = { subject: string; body_available: boolean; body_sealed: string | null };
  const rows = async (): Promise<Row[]> =>
    mailDb(env).execute<Row[]>(
      'select subject, body_available, body_sealed from mail_message where org_id = ?',
      [org.orgId],
    );

  beforeAll(async () => {
    env = await startApiWithEmulator({
      emulator: {
        // The app asks for (and admin consent grants) the basic mail role and nothing more.
        apps: { orgwide: { applicationPermissions: ['Mail.ReadBasic.All', 'Directory.Read.All'] } },
        settings: { readBasicExplicitBody: 'forbid' },
      },
      env: { MAIL_PAGE_SIZE: '5' },
    });
    worker = await env.api.startWorker();
    org = await orgTokens(env, newOrgId());
    await seedMembers(env, org, [{ roxUserId: 'megan', email: MEGAN }]);
    await env.emu.control.deliverMail(env.tenantId, MEGAN, {
      subject: 'Basic one',
      body: 'BASIC-BODY-NEVER-STORED',
      from: { name: 'Ann', address: 'ann@customer.example' },
    });
    // The connect's first rounds wait until the request log is cleared.
    const release = await holdSyncRounds(env, org.orgId);
    expect(
      await connectOrg(env, org, { settings: { calendarAccess: 'off', emailAccess: 'metadata' } }),
    ).toBe('connected');
    await syncFinished(env, org, null);
    await env.emu.control.clearRequests();
    await release();
    await mailCycle(env, org, ['megan']);
  }, 120_000);
  afterAll(() => env.close());

  it('syncs metadata with no 403 and no body asked for; rows say bodyAvailable=false', async () => {
    const stored = await rows();
    expect(stored.map((r) => r.subject)).toContain('Basic one');
    for (const r of stored) expect(r).toMatchObject({ body_available: false, body_sealed: null });
    const log = await env.emu.control.requests();
    expect(log.filter((r) => r.path.includes('/messages/delta')).length).toBeGreaterThan(0);
    expect(log.filter((r) => r.status >= 400)).toEqual([]);
    // No body fetch (those go as `$batch` items); the cycle's idle delta rounds are items too.
    expect(log.filter((r) => r.batchItem && !r.path.endsWith('/messages/delta'))).toEqual([]);
    for (const r of log) expect(decodeURIComponent(r.query)).not.toMatch(/body/i);
    const status = await env.api
      .http()
      .get('/api/v1/orgwide/mail/members/megan')
      .set('authorization', `Bearer ${org.admin}`);
    expect(status.body).toMatchObject({ level: 'metadata' });
    expect(status.body.channels.map((c: { stage: string }) => c.stage)).toEqual(['ok', 'ok']);
  });

  it('the switch bites: the same token asking for a body gets 403 (forbid) or no body (omit)', async () => {
    const client = worker.get(OrgwideGraph).forTenant(env.tenantId);
    const megan = `/users/${emulatorUserId(env, MEGAN)}`;
    const [message] = await client.listAll<{ id: string }>(`${megan}/messages`, {
      query: { $select: 'id', $top: 1 },
    });
    const asked = getMessage(client, megan, message?.id ?? '', ['id', 'body']);
    await expect(asked).rejects.toBeInstanceOf(GraphRequestError);
    await expect(asked).rejects.toMatchObject({ status: 403 });
    await env.emu.control.updateSettings({ readBasicExplicitBody: 'omit' });
    try {
      const omitted = await getMessage(client, megan, message?.id ?? '', ['id', 'body']);
      expect(omitted).not.toHaveProperty('body');
    } finally {
      await env.emu.control.updateSettings({ readBasicExplicitBody: 'forbid' });
    }
  });

  it('a full level asked for without Mail.Read stays metadata: still no body request, no 403', async () => {
    const res = await env.api
      .http()
      .put('/api/v1/orgwide/settings')
      .set('authorization', `Bearer ${org.admin}`)
      .send({ calendarAccess: 'off', emailAccess: 'read', tenant: DEMO_TENANT.initialDomain });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    await env.emu.control.deliverMail(env.tenantId, MEGAN, {
      subject: 'Basic two',
      body: 'BASIC-BODY-NEVER-STORED',
      from: { name: 'Ann', address: 'ann@customer.example' },
    });
    await env.emu.control.clearRequests();
    await mailCycle(env, org, ['megan']);
    const stored = await rows();
    expect(stored.map((r) => r.subject)).toContain('Basic two');
    for (const r of stored) expect(r).toMatchObject({ body_available: false, body_sealed: null });
    const log = await env.emu.control.requests();
    expect(log.filter((r) => r.status >= 400)).toEqual([]);
    // No body fetch (those go as `$batch` items); the cycle's idle delta rounds are items too.
    expect(log.filter((r) => r.batchItem && !r.path.endsWith('/messages/delta'))).toEqual([]);
    const status = await env.api
      .http()
      .get('/api/v1/orgwide/mail/members/megan')
      .set('authorization', `Bearer ${org.admin}`);
    expect(status.body).toMatchObject({ level: 'metadata', inScope: true });
  });
});
