import { type INestApplicationContext } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { DEMO_TENANT } from '@rox365/m365-emulator';

import { MailJobs } from '../../src/mail/mail-jobs.service';
import { MailScheduler } from '../../src/mail/mail.scheduler';
import { startApiWithEmulator, type ApiWithEmulator } from '../support/emulator';
import { addMember, connectIndividual } from '../support/individual';
import { memberMailSubjects } from '../support/mail-env';
import { eventually } from '../support/test-app';
import { newOrgId } from '../support/test-env';

const MEGAN = DEMO_TENANT.users.member;

/**
 * Mail over a member's own Outlook connection (no org-wide connection): the same sync through
 * MailboxAccess's delegated route, reading `/me`.
 */
describe('mail over an individual connection', () => {
  let env: ApiWithEmulator;
  let worker: INestApplicationContext;
  let orgId = '';

  beforeAll(async () => {
    env = await startApiWithEmulator();
    worker = await env.api.startWorker();
  }, 60_000);
  afterAll(() => env.close());

  it('syncs the member’s own mailbox through /me, with ImmutableId on every page', async () => {
    const member = await addMember(env, newOrgId('mind'), 'megan', MEGAN);
    orgId = member.orgId;
    await env.emu.control.deliverMail(env.tenantId, MEGAN, {
      subject: 'Delegated hello',
      from: { name: 'Ann', address: 'ann@customer.example' },
    });
    const result = await connectIndividual(env, member, MEGAN, { action: 'accept' }, 'mail');
    expect(result.outcome, JSON.stringify(result)).toBe('connected');
    const status = await eventually(
      async () => {
        const res = await env.api
          .http()
          .get('/api/v1/mail/status/me')
          .set('authorization', `Bearer ${member.token}`);
        return res.status === 200 &&
          res.body.channels.every((c: { stage: string }) => c.stage === 'ok')
          ? res.body
          : null;
      },
      { attempts: 400, intervalMs: 100 },
    );
    expect(status.messages).toBeGreaterThan(0);
    const deltas = await env.emu.control.requests({ pathContains: '/me/mailFolders/' });
    expect(deltas.length).toBeGreaterThan(0);
    expect(deltas.every((r) => /IdType="ImmutableId"/.test(r.prefer ?? ''))).toBe(true);
    expect(await memberMailSubjects(env, member.orgId, 'megan')).toContain('Delegated hello');
    expect(worker).toBeDefined();
  });

  it('an idle cycle leaves a delegated mailbox to its own job: its /me token is in no app-token $batch', async () => {
    expect(orgId).not.toBe('');
    await env.emu.control.clearRequests();
    const jobs = worker.get(MailJobs);
    await jobs.enqueueCycle(orgId);
    await eventually(async () => !(await jobs.isBusy(orgId, ['megan'])), {
      attempts: 600,
      intervalMs: 50,
    });
    const all = await env.emu.control.requests();
    expect(all.filter((r) => r.path.endsWith('/$batch'))).toEqual([]);
    const megan = env.emu.state.findTenant(env.tenantId)?.findUser(MEGAN)?.id;
    const deltas = all.filter((r) => r.path.includes('/messages/delta'));
    // One incremental read per folder, by the member's own job.
    expect(deltas.map((r) => [r.mailbox, r.batchItem ?? false])).toEqual([
      [megan, false],
      [megan, false],
    ]);
    expect(deltas.every((r) => /deltatoken=/.test(r.query))).toBe(true);
  });

  it("the 10-minute cron cycles an org reached only through members' own connections", async () => {
    await env.emu.control.clearRequests();
    const jobs = worker.get(MailJobs);
    expect(await worker.get(MailScheduler).enqueueCycles()).toBeGreaterThanOrEqual(1);
    await eventually(async () => !(await jobs.isBusy(orgId, ['megan'])), {
      attempts: 600,
      intervalMs: 50,
    });
    const deltas = (await env.emu.control.requests()).filter((r) =>
      r.path.includes('/messages/delta'),
    );
    expect(deltas.length).toBeGreaterThan(0);
  });
});
