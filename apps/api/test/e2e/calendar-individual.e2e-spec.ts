import { type INestApplicationContext } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { type CalendarEvent, type CalendarWrite } from '@rox365/contracts';
import { DEMO_TENANT } from '@rox365/m365-emulator';

import { CalendarSyncScheduler } from '../../src/calendar/calendar-sync.scheduler';
import { calendarCycle, calendarSettled } from '../support/calendar-env';
import { startApiWithEmulator, type ApiWithEmulator } from '../support/emulator';
import { addMember, connectIndividual } from '../support/individual';
import { eventually } from '../support/test-app';
import { newOrgId } from '../support/test-env';

const MEGAN = DEMO_TENANT.users.member;
const DAY = 86_400_000;

/**
 * The calendar over a member's own Outlook connection (no org-wide connection): the same pull
 * and writes through MailboxAccess's delegated route, on `/me` with the member's token.
 */
describe('calendar over an individual connection', () => {
  let env: ApiWithEmulator;
  let worker: INestApplicationContext;

  beforeAll(async () => {
    env = await startApiWithEmulator();
    worker = await env.api.startWorker();
  }, 60_000);
  afterAll(() => env.close());

  it('pulls the member’s own calendar and writes to it through /me with the delegated token', async () => {
    const member = await addMember(env, newOrgId('cind'), 'megan', MEGAN);
    const at = (hours: number) => new Date(Date.now() + 2 * DAY + hours * 3_600_000);
    await env.emu.control.createEvent(env.tenantId, MEGAN, {
      subject: 'Delegated review',
      start: at(0).toISOString().slice(0, 19),
      end: at(1).toISOString().slice(0, 19),
      timeZone: 'UTC',
    });
    await env.emu.control.clearRequests();
    const http = () => env.api.http();
    const auth = `Bearer ${member.token}`;

    // Outlook Calendar, connected by the member alone (read_write, the default for calendar).
    const result = await connectIndividual(env, member, MEGAN);
    expect(result.outcome, JSON.stringify(result)).toBe('connected');
    // The connect is a scope change: the member's calendar syncs without anyone asking.
    const mine = await eventually(
      async () => {
        const res = await http().get('/api/v1/calendar/me').set('authorization', auth);
        return res.status === 200 && res.body.channel?.status === 'ok' ? res.body : null;
      },
      { attempts: 400, intervalMs: 100 },
    );
    expect(mine.channel).toMatchObject({ inScope: true, level: 'read_write' });
    const events = async (): Promise<CalendarEvent[]> => {
      const res = await http()
        .get('/api/v1/calendar/members/megan/events')
        .query({
          from: new Date(Date.now() - DAY).toISOString(),
          to: new Date(Date.now() + 10 * DAY).toISOString(),
          limit: 200,
        })
        .set('authorization', auth);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return res.body.items as CalendarEvent[];
    };
    expect((await events()).map((e) => e.subject)).toContain('Delegated review');

    // Every Graph call went to /me with the individual app's (delegated) token: no /users path.
    const individualApp = env.emu.apps.individual.clientId;
    const pulls = await env.emu.control.requests({ pathContains: '/calendarView/delta' });
    expect(pulls.length).toBeGreaterThan(0);
    for (const r of pulls) {
      expect(r.path).toBe('/v1.0/me/calendarView/delta');
      expect(r.appId).toBe(individualApp);
      expect(r.status).toBe(200);
      expect(r.prefer ?? '').toMatch(/IdType="ImmutableId"/);
    }
    expect(
      (await env.emu.control.requests({ pathContains: '/users/' })).filter(
        (r) => !r.path.includes('/_emulator'),
      ),
    ).toEqual([]);

    // A write, by the member: the create goes to POST /me/events under the same token.
    await env.emu.control.clearRequests();
    const created = await http()
      .post('/api/v1/calendar/members/megan/events')
      .set('authorization', auth)
      .send({
        idempotencyKey: `individual-${Date.now()}`,
        subject: 'Booked from Rox',
        start: at(3).toISOString(),
        end: at(4).toISOString(),
      });
    expect(created.status, JSON.stringify(created.body)).toBe(202);
    const write = await eventually<CalendarWrite>(
      async () => {
        const res = await http()
          .get(`/api/v1/calendar/writes/${created.body.id as string}`)
          .set('authorization', auth);
        const w = res.body as CalendarWrite;
        return w.status === 'succeeded' || w.status === 'failed' ? w : null;
      },
      { attempts: 300, intervalMs: 50 },
    );
    expect(write).toMatchObject({ status: 'succeeded', graphWrites: 1 });
    const writes = (await env.emu.control.requests({ pathContains: '/events' })).filter(
      (r) => r.method !== 'GET' && !r.path.includes('/_emulator'),
    );
    expect(writes.map((r) => [r.method, r.path, r.status, r.appId])).toEqual([
      ['POST', '/v1.0/me/events', 201, individualApp],
    ]);
    expect((await events()).find((e) => e.id === write.eventId)?.subject).toBe('Booked from Rox');

    // The next pull reads the new event back on /me as Rox's own: still one event.
    await calendarCycle(env, worker, member.orgId);
    expect((await events()).filter((e) => e.subject === 'Booked from Rox')).toHaveLength(1);
  });

  it("the 5-minute cron cycles an org reached only through members' own connections", async () => {
    const member = await addMember(env, newOrgId('ccron'), 'megan', MEGAN);
    const result = await connectIndividual(env, member, MEGAN);
    expect(result.outcome, JSON.stringify(result)).toBe('connected');
    await calendarSettled(env, member.orgId);
    await env.emu.control.clearRequests();
    expect(await worker.get(CalendarSyncScheduler).enqueueCycles()).toBeGreaterThanOrEqual(1);
    await calendarSettled(env, member.orgId);
    const pulls = await env.emu.control.requests({ pathContains: '/calendarView/delta' });
    expect(pulls.length).toBeGreaterThan(0);
  });
});
