import { MikroORM } from '@mikro-orm/postgresql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { DEMO_TENANT } from '@rox365/m365-emulator';

import { startApiWithEmulator, type ApiWithEmulator } from '../support/emulator';
import { connectOrg, orgTokens, seedMembers, type OrgTokens } from '../support/orgwide';
import { eventually } from '../support/test-app';
import { newOrgId } from '../support/test-env';

const MEGAN = DEMO_TENANT.users.member;
const DAY = 86_400_000;

/**
 * A connect alone starts the first calendar and mail rounds: nobody presses "sync" and the
 * periodic cycles (every few minutes) are not waited for. The rounds must run after the
 * mailbox rows were built, or they find nobody in scope.
 */
describe('the first sync after a connect', () => {
  let env: ApiWithEmulator;
  let org: OrgTokens;
  const count = async (table: 'mail_message' | 'calendar_event') => {
    const rows = await env.api.app
      .get(MikroORM)
      .em.fork()
      .getConnection()
      .execute<{ n: string }[]>(`select count(*) as n from ${table} where org_id = ?`, [org.orgId]);
    return Number(rows[0]?.n ?? 0);
  };

  beforeAll(async () => {
    env = await startApiWithEmulator();
    await env.api.startWorker();
    org = await orgTokens(env, newOrgId());
    await seedMembers(env, org, [{ roxUserId: 'megan', email: MEGAN }]);
    await env.emu.control.deliverMail(env.tenantId, MEGAN, {
      subject: 'Waiting before the connect',
      from: { name: 'Ann', address: 'ann@customer.example' },
    });
    const start = new Date(Date.now() + 2 * DAY).toISOString().slice(0, 19);
    const end = new Date(Date.now() + 2 * DAY + 1_800_000).toISOString().slice(0, 19);
    await env.emu.control.createEvent(env.tenantId, MEGAN, {
      subject: 'Booked before the connect',
      start,
      end,
      timeZone: 'UTC',
    });
  }, 120_000);
  afterAll(() => env.close());

  it('syncs the mailbox’s mail and calendar with no sync request', async () => {
    const settings = { calendarAccess: 'read', emailAccess: 'metadata' };
    expect(await connectOrg(env, org, { settings })).toBe('connected');
    // Well under the periodic cycles' interval: only the connect can have started these.
    await eventually(async () => (await count('mail_message')) > 0, {
      attempts: 600,
      intervalMs: 100,
    });
    await eventually(async () => (await count('calendar_event')) > 0, {
      attempts: 600,
      intervalMs: 100,
    });
    const deltas = await env.emu.control.requests({ pathContains: '/delta' });
    expect(deltas.some((r) => r.path.includes('/messages/delta'))).toBe(true);
    expect(deltas.some((r) => r.path.includes('/calendarView/delta'))).toBe(true);
  }, 120_000);
});
