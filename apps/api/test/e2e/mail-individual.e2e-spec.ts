import { type INestApplicationContext } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { DEMO_TENANT } from '@rox365/m365-emulator';

import { startApiWithEmulator, type ApiWithEmulator } from '../support/emulator';
import { addMember, connectIndividual } from '../support/individual';
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

  beforeAll(async () => {
    env = await startApiWithEmulator();
    worker = await env.api.startWorker();
  }, 60_000);
  afterAll(() => env.close());

  it('syncs the member’s own mailbox through /me, with ImmutableId on every page', async () => {
    const member = await addMember(env, newOrgId('mind'), 'megan', MEGAN);
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
    const service = await env.api.tokenFor({
      roxUserId: 'svc',
      orgId: member.orgId,
      role: 'service',
    });
    const listed = await env.api
      .http()
      .get('/api/v1/mail/messages')
      .query({ roxUserId: 'megan', limit: 200 })
      .set('authorization', `Bearer ${service}`);
    expect((listed.body.items as { subject: string }[]).map((m) => m.subject)).toContain(
      'Delegated hello',
    );
    expect(worker).toBeDefined();
  });
});
