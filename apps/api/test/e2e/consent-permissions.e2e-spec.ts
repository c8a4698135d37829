import { getQueueToken } from '@nestjs/bull';
import { type INestApplicationContext } from '@nestjs/common';
import { type Queue } from 'bull';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

import { DEMO_TENANT } from '@rox365/m365-emulator';

import { ConnectionReader } from '../../src/consent/connection-reader.service';
import { PermissionRecheckScheduler } from '../../src/consent/permission-recheck.scheduler';
import { PermissionRecheck, recheckJobId } from '../../src/consent/permission-recheck.service';
import { QUEUE } from '../../src/platform/queue/queue-names';
import { startApiWithEmulator, type ApiWithEmulator } from '../support/emulator';
import { auditActions, connectOrg, orgTokens, status, type OrgTokens } from '../support/orgwide';
import { eventually } from '../support/test-app';
import { newOrgId } from '../support/test-env';

describe('permission re-check against the emulator', () => {
  let env: ApiWithEmulator;
  let org: OrgTokens;
  let worker: INestApplicationContext;

  beforeAll(async () => {
    env = await startApiWithEmulator();
    org = await orgTokens(env, newOrgId());
    const outcome = await connectOrg(env, org, {
      settings: { calendarAccess: 'read', emailAccess: 'read_send' },
    });
    expect(outcome).toBe('connected');
    worker = await env.api.startWorker();
  });
  afterAll(() => env.close());

  const report = async () =>
    (
      await env.api
        .http()
        .get('/api/v1/orgwide/permissions')
        .set('authorization', `Bearer ${org.admin}`)
    ).body;

  // Queues a re-check through the API and waits until the worker has stored a newer one.
  const recheck = async () => {
    const before = (await report()).checkedAt as string;
    const queued = await env.api
      .http()
      .post('/api/v1/orgwide/permissions/recheck')
      .set('authorization', `Bearer ${org.admin}`);
    expect(queued.status).toBe(202);
    await eventually(async () => ((await report()).checkedAt !== before ? true : null));
  };

  it('lists delegated grants on the org-wide app as excess, with how to revoke them', async () => {
    const clean = await report();
    expect(clean.delegatedGrantsChecked).toBe(true);
    expect(clean.excessDelegated).toEqual([]);

    // Someone granted the application-permission app delegated scopes in Entra.
    await env.emu.control.grantDelegated(env.tenantId, 'AllPrincipals', ['Mail.Read', 'openid']);
    const member = env.emu.state.findTenant(env.tenantId)?.findUser(DEMO_TENANT.users.member);
    await env.emu.control.grantDelegated(env.tenantId, member?.id ?? '', ['Calendars.Read']);
    try {
      await recheck();
      const r = await report();
      expect(r.delegatedGrantsChecked).toBe(true);
      expect(
        r.excessDelegated.map((g: { scope: string; consentType: string; userCount: number }) => [
          g.scope,
          g.consentType,
          g.userCount,
        ]),
      ).toEqual([
        ['Calendars.Read', 'Principal', 1],
        ['Mail.Read', 'AllPrincipals', 0],
      ]);
      expect(r.excessDelegated[1].revokeStep).toContain('Rox Orgwide Integration');
    } finally {
      await env.emu.control.revokeDelegated(env.tenantId, 'AllPrincipals', 'Mail.Read');
      await env.emu.control.revokeDelegated(env.tenantId, 'AllPrincipals', 'openid');
      await env.emu.control.revokeDelegated(env.tenantId, member?.id ?? '', 'Calendars.Read');
      await recheck();
    }
    expect((await report()).excessDelegated).toEqual([]);
  });

  it('detects a permission revoked in Entra, switches its feature off and audits it', async () => {
    const before = await status(env, org.admin);
    expect(before.state).toBe('connected');
    expect(before.capabilities).toContain('mail_send');

    await env.emu.control.revokeRole(env.tenantId, 'Mail.Send');
    const queued = await env.api
      .http()
      .post('/api/v1/orgwide/permissions/recheck')
      .set('authorization', `Bearer ${org.admin}`);
    expect(queued.status).toBe(202);
    expect(queued.body).toEqual({ queued: 1, jobIds: [recheckJobId(org.orgId)] });

    const degraded = await eventually(async () => {
      const st = await status(env, org.member);
      return st.state === 'degraded' ? st : null;
    });
    expect(degraded.capabilities).not.toContain('mail_send');
    expect(degraded.degradedReasons).toEqual([
      {
        code: 'PERMISSION_MISSING',
        message: expect.stringContaining('Mail.Send is not granted'),
        nextAction: expect.stringContaining('Grant admin consent again'),
      },
    ]);
    expect(degraded.degradedReasons[0]?.message).toContain('Sending email from Rox');
    expect(degraded.permissionsCheckedAt).not.toBe(before.permissionsCheckedAt);

    const r = await report();
    expect(r.granted).not.toContain('Mail.Send');
    expect(r.missing).toEqual([
      expect.objectContaining({
        permission: 'Mail.Send',
        disables: ['mail_send'],
        disabledFeatures: [expect.stringContaining('Sending email')],
      }),
    ]);

    const [changed] = await auditActions(env, org, 'orgwide.permissions-changed');
    expect(changed?.details).toMatchObject({
      added: [],
      removed: ['Mail.Send'],
      disabledFeatures: [expect.stringContaining('Sending email')],
    });
  });

  it('PermissionRecheck.requestSoon (for 403s elsewhere) picks up a restored grant', async () => {
    await env.emu.control.grantRoles(env.tenantId, ['Mail.Send']);
    await env.api.app.get(PermissionRecheck).requestSoon(org.orgId);
    await eventually(async () => (await status(env, org.admin)).state === 'connected');
    const [changed] = await auditActions(env, org, 'orgwide.permissions-changed');
    expect(changed?.details).toMatchObject({ added: ['Mail.Send'], removed: [] });
  });

  it('the cron enqueues one keyed job per connected org, and a revoked consent degrades without retrying forever', async () => {
    await env.emu.control.removeServicePrincipal(env.tenantId);
    // The cron must only see this test's org: the file's other orgs are not its subject.
    const onlyThisOrg = vi
      .spyOn(worker.get(ConnectionReader), 'connectedOrgs')
      .mockResolvedValue([{ orgId: org.orgId, tenantId: env.tenantId }]);
    try {
      expect(await worker.get(PermissionRecheckScheduler).enqueueAll()).toBe(1);
    } finally {
      onlyThisOrg.mockRestore();
    }

    const degraded = await eventually(async () => {
      const st = await status(env, org.admin);
      return st.degradedReasons[0]?.code === 'CONSENT_REVOKED' ? st : null;
    });
    expect(degraded.state).toBe('degraded');
    expect(degraded.capabilities).toEqual([]);
    expect(degraded.degradedReasons[0]?.nextAction).toMatch(/^Grant admin consent again/);

    // The job ended (completed, so removed) instead of going back to the queue.
    const queue = env.api.app.get<Queue>(getQueueToken(QUEUE.consent));
    await eventually(async () => (await queue.getJob(recheckJobId(org.orgId))) === null);
    const [changed] = await auditActions(env, org, 'orgwide.permissions-changed');
    expect(changed?.details).toMatchObject({ checkError: 'consent_revoked' });

    // A second check of the same revoked state adds no audit noise.
    await env.api.app.get(PermissionRecheck).requestSoon(org.orgId);
    await eventually(async () => (await queue.getJob(recheckJobId(org.orgId))) === null);
    expect(await auditActions(env, org, 'orgwide.permissions-changed')).toHaveLength(3);
  });
});
