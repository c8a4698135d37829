import { type INestApplicationContext } from '@nestjs/common';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { type CalendarEvent } from '@rox365/contracts';
import { type BoundGraphClient } from '@rox365/graph-client';
import { DEMO_TENANT } from '@rox365/m365-emulator';

import {
  calendarCycle,
  calendarWriteFinished,
  memberDirectoryIds,
  outlookEventWrites,
  outlookIdOf,
  tenantGraph,
} from '../support/calendar-env';
import { mailboxesSettled, syncFinished } from '../support/directory-env';
import { startApiWithEmulator, type ApiWithEmulator } from '../support/emulator';
import { connectOrg, orgTokens, seedMembers, type OrgTokens } from '../support/orgwide';
import { newOrgId } from '../support/test-env';

const MEGAN = DEMO_TENANT.users.member;
const ISAIAH = DEMO_TENANT.users.globalAdmin;
const ZOE = DEMO_TENANT.users.unicode;
const EXTERNAL = 'pat.quinn@fabrikam.example';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

interface OutlookEvent {
  isAllDay?: boolean;
  subject?: string;
  start?: { dateTime: string; timeZone: string };
  end?: { dateTime: string; timeZone: string };
  attendees?: { emailAddress: { address: string }; type: string }[];
}

/**
 * Updates Rox sends Outlook beyond subject, body, location and instants: all-day dates, timed ↔
 * all-day, and the attendee list (invitations, cancellations, 412 conflicts, no-op saves).
 */
describe('calendar updates: all-day dates and attendees (Rox → Outlook)', () => {
  let env: ApiWithEmulator;
  let org: OrgTokens;
  let worker: INestApplicationContext;
  let graph: BoundGraphClient;
  const ids = new Map<string, string>();
  let keyN = 0;
  const key = () => `update-key-${Date.now()}-${++keyN}`;
  // One whole-minute base for the file: two calls a second apart must not give times a second off.
  const base = Math.floor(Date.now() / 60_000) * 60_000;
  const at = (hours: number) => new Date(base + DAY + hours * HOUR).toISOString();
  /** A day `n` days from today (UTC), as YYYY-MM-DD. */
  const day = (n: number) => new Date(Date.now() + n * DAY).toISOString().slice(0, 10);

  const api = () => env.api.http();
  const auth = () => `Bearer ${org.service}`;
  const create = async (body: Record<string, unknown>) => {
    const res = await api()
      .post('/api/v1/calendar/members/megan/events')
      .set('authorization', auth())
      .send({ idempotencyKey: key(), ...body });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    const write = await calendarWriteFinished(env, org.service, res.body.id as string);
    expect(write.status).toBe('succeeded');
    return write.eventId;
  };
  const update = (eventId: string, body: Record<string, unknown>) =>
    api()
      .patch(`/api/v1/calendar/members/megan/events/${eventId}`)
      .set('authorization', auth())
      .send({ idempotencyKey: key(), ...body });
  const updated = async (eventId: string, body: Record<string, unknown>) => {
    const res = await update(eventId, body);
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    return calendarWriteFinished(env, org.service, res.body.id as string);
  };
  const roxEvent = async (eventId: string): Promise<CalendarEvent | undefined> => {
    const res = await api()
      .get('/api/v1/calendar/members/megan/events')
      .query({ from: new Date(Date.now() - 2 * DAY).toISOString(), to: at(30 * 24), limit: 200 })
      .set('authorization', auth());
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return (res.body.items as CalendarEvent[]).find((e) => e.id === eventId);
  };
  const outlookEvent = async (eventId: string) =>
    graph.get<OutlookEvent>(
      graph.url(
        `/users/${ids.get('megan') ?? ''}/events/${encodeURIComponent(await outlookIdOf(env, org.orgId, 'megan', eventId))}`,
      ),
    );
  const addresses = (event: OutlookEvent) =>
    (event.attendees ?? []).map((a) => `${a.emailAddress.address.toLowerCase()} ${a.type}`).sort();

  beforeAll(async () => {
    env = await startApiWithEmulator();
    worker = await env.api.startWorker();
    org = await orgTokens(env, newOrgId());
    await seedMembers(env, org, [
      { roxUserId: 'megan', email: MEGAN },
      { roxUserId: 'isaiah', email: ISAIAH },
    ]);
    expect(
      await connectOrg(env, org, {
        settings: { calendarAccess: 'read_write', emailAccess: 'off' },
      }),
    ).toBe('connected');
    await syncFinished(env, org, null);
    await mailboxesSettled(env, org.orgId);
    for (const [member, id] of await memberDirectoryIds(env, org)) ids.set(member, id);
    graph = tenantGraph(env);
    await calendarCycle(env, worker, org.orgId);
  });
  afterAll(() => env.close());
  beforeEach(async () => {
    await env.emu.control.clearFaults();
    await env.emu.control.clearRequests();
    await env.emu.control.clearInvitations(env.tenantId);
  });

  it('an occurrence edited from Rox keeps its Rox id, in the write and after the pull (CAL-W3)', async () => {
    const series = await env.emu.control.createEvent(env.tenantId, MEGAN, {
      subject: 'W3 daily',
      start: `${day(2)}T08:00:00`,
      end: `${day(2)}T08:30:00`,
      timeZone: 'UTC',
      recurrence: {
        pattern: { type: 'daily', interval: 1 },
        range: { type: 'numbered', startDate: day(2), numberOfOccurrences: 3 },
      },
    });
    expect(series.id).toBeTruthy();
    await calendarCycle(env, worker, org.orgId);
    // The calendar feed after a cursor, every page: its entries and the cursor at its end.
    const feedAfter = async (from: string) => {
      const items: { eventId: string; change: string }[] = [];
      let cursor = from;
      for (;;) {
        const page = await api()
          .get('/api/v1/calendar/changes')
          .query({ cursor, limit: 100 })
          .set('authorization', auth());
        expect(page.status, JSON.stringify(page.body)).toBe(200);
        const body = page.body as {
          items: { eventId: string; change: string }[];
          nextCursor: string;
        };
        items.push(...body.items);
        if (body.items.length === 0) return { items, cursor };
        cursor = body.nextCursor;
      }
    };
    const res = await api()
      .get('/api/v1/calendar/members/megan/events')
      .query({ from: new Date(Date.now()).toISOString(), to: at(30 * 24), limit: 200 })
      .set('authorization', auth());
    const occurrence = (res.body.items as CalendarEvent[]).find(
      (e) => e.subject === 'W3 daily' && e.kind === 'occurrence',
    );
    expect(occurrence).toBeTruthy();
    const { cursor: before } = await feedAfter('0');

    const write = await updated(occurrence?.id ?? '', { subject: 'W3 moved to the lab' });
    expect(write).toMatchObject({ status: 'succeeded', eventId: occurrence?.id });
    expect(await roxEvent(occurrence?.id ?? '')).toMatchObject({
      subject: 'W3 moved to the lab',
      kind: 'exception',
    });
    await calendarCycle(env, worker, org.orgId);
    expect(await roxEvent(occurrence?.id ?? '')).toMatchObject({ subject: 'W3 moved to the lab' });
    // Updated in place: no event of the series was deleted or made anew on the way.
    const { items: after } = await feedAfter(before);
    expect(after.length).toBeGreaterThan(0);
    expect(after.filter((c) => c.change !== 'updated')).toEqual([]);
  });

  it('moves an all-day event by dates, turns it timed and back; each lands in Outlook and in Rox after the pull', async () => {
    const eventId = await create({ subject: 'Offsite', startDate: day(3), endDate: day(4) });
    await env.emu.control.clearRequests();

    // An all-day move: dates, midnight to midnight.
    const moved = await updated(eventId, { startDate: day(5), endDate: day(7) });
    expect(moved).toMatchObject({ status: 'succeeded', graphWrites: 1, conflicts: [] });
    expect((await outlookEventWrites(env)).map((r) => [r.method, r.status])).toEqual([
      ['PATCH', 200],
    ]);
    let outlook = await outlookEvent(eventId);
    expect(outlook.isAllDay).toBe(true);
    await calendarCycle(env, worker, org.orgId);
    expect(await roxEvent(eventId)).toMatchObject({
      isAllDay: true,
      startDate: day(5),
      endDate: day(7),
    });

    // The same dates again: nothing to send.
    await env.emu.control.clearRequests();
    expect(await updated(eventId, { startDate: day(5), endDate: day(7) })).toMatchObject({
      graphWrites: 0,
    });
    expect(await outlookEventWrites(env)).toEqual([]);

    // All-day → timed takes both instants.
    const half = await update(eventId, { start: at(24 * 8) });
    expect(half.status).toBe(400);
    expect(half.body.code).toBe('CALENDAR_TIMES_REQUIRED');
    expect(half.headers['content-type']).toMatch(/application\/problem\+json/);
    const timed = await updated(eventId, { start: at(24 * 8), end: at(24 * 8 + 2) });
    expect(timed).toMatchObject({ status: 'succeeded', graphWrites: 1 });
    outlook = await outlookEvent(eventId);
    expect(outlook.isAllDay).toBe(false);
    await calendarCycle(env, worker, org.orgId);
    const pulled = await roxEvent(eventId);
    expect(pulled).toMatchObject({ isAllDay: false, startDate: null, endDate: null });
    expect(Date.parse(pulled?.end ?? '') - Date.parse(pulled?.start ?? '')).toBe(2 * HOUR);

    // Timed → all-day again.
    const back = await updated(eventId, { startDate: day(9), endDate: day(10) });
    expect(back).toMatchObject({ status: 'succeeded', graphWrites: 1 });
    expect((await outlookEvent(eventId)).isAllDay).toBe(true);
    await calendarCycle(env, worker, org.orgId);
    expect(await roxEvent(eventId)).toMatchObject({
      isAllDay: true,
      startDate: day(9),
      endDate: day(10),
    });
  });

  it('refuses mixed or backwards times as problem+json, before anything is sent', async () => {
    const eventId = await create({ subject: 'Shape check', start: at(1), end: at(2) });
    await env.emu.control.clearRequests();
    const cases: Record<string, unknown>[] = [
      { start: at(3), startDate: day(3), endDate: day(4) },
      { startDate: day(4), endDate: day(4) },
      { startDate: day(4) },
      { start: at(3), end: at(2) },
    ];
    for (const body of cases) {
      const res = await update(eventId, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    }
    expect(await outlookEventWrites(env)).toEqual([]);
  });

  it('a meeting moved to other days still needs notifyAttendees', async () => {
    const eventId = await create({
      subject: 'All-day meeting',
      startDate: day(11),
      endDate: day(12),
      attendees: [{ email: ISAIAH }],
    });
    await env.emu.control.clearRequests();
    const refused = await update(eventId, { startDate: day(12), endDate: day(13) });
    expect(refused.status).toBe(400);
    expect(refused.body.code).toBe('CALENDAR_NOTIFY_ATTENDEES_REQUIRED');
    expect(await outlookEventWrites(env)).toEqual([]);
    expect(
      await updated(eventId, { startDate: day(12), endDate: day(13), notifyAttendees: true }),
    ).toMatchObject({ status: 'succeeded', graphWrites: 1 });
  });

  it('changes attendees: one invitation to the new one, none again for the others, a cancellation for the removed one; the same list again writes nothing', async () => {
    const isaiah = ids.get('isaiah') ?? '';
    const eventId = await create({
      subject: 'Roster',
      start: at(20),
      end: at(21),
      attendees: [{ email: ISAIAH }],
    });
    await env.emu.control.clearRequests();
    await env.emu.control.clearInvitations(env.tenantId);

    // Attendee changes send mail: the caller must say so.
    const refused = await update(eventId, {
      attendees: [{ email: ISAIAH }, { email: ZOE, type: 'optional' }],
    });
    expect(refused.status).toBe(400);
    expect(refused.body.code).toBe('CALENDAR_NOTIFY_ATTENDEES_REQUIRED');
    expect(await outlookEventWrites(env)).toEqual([]);

    const added = await updated(eventId, {
      attendees: [{ email: ISAIAH }, { email: ZOE, type: 'optional' }],
      notifyAttendees: true,
    });
    expect(added).toMatchObject({ status: 'succeeded', graphWrites: 1 });
    expect(addresses(await outlookEvent(eventId))).toEqual([
      `${ISAIAH} required`,
      `${ZOE} optional`,
    ]);
    const zoeId = await directoryIdOf(ZOE);
    let invitations = await env.emu.control.invitations(env.tenantId);
    expect(invitations[zoeId]).toEqual({ created: 1, updated: 0, cancelled: 0 });
    // Isaiah was invited already: an update of his copy, no second invitation.
    expect(invitations[isaiah]).toMatchObject({ created: 0, cancelled: 0 });

    // Isaiah taken off: he gets a cancellation, Zoe nothing new.
    await env.emu.control.clearInvitations(env.tenantId);
    const removed = await updated(eventId, {
      attendees: [{ email: ZOE, type: 'optional' }],
      notifyAttendees: true,
    });
    expect(removed).toMatchObject({ status: 'succeeded', graphWrites: 1 });
    invitations = await env.emu.control.invitations(env.tenantId);
    expect(invitations[isaiah]).toMatchObject({ created: 0, cancelled: 1 });
    expect(invitations[zoeId]).toMatchObject({ created: 0, cancelled: 0 });
    await calendarCycle(env, worker, org.orgId);
    expect((await roxEvent(eventId))?.attendees.map((a) => [a.email, a.type])).toEqual([
      [ZOE.toLowerCase(), 'optional'],
    ]);

    // The same list, other case: zero Graph writes (and no notifyAttendees needed).
    await env.emu.control.clearRequests();
    const noop = await update(eventId, {
      attendees: [{ email: ZOE.toUpperCase(), type: 'optional' }],
    });
    expect(noop.status, JSON.stringify(noop.body)).toBe(202);
    expect(noop.body).toMatchObject({ status: 'succeeded', graphWrites: 0 });
    expect(await outlookEventWrites(env)).toEqual([]);
  });

  it('on 412 with attendees changed in Outlook meanwhile, Outlook’s list wins, the other fields apply and a conflict is recorded', async () => {
    const megan = ids.get('megan') ?? '';
    const eventId = await create({
      subject: 'Contested',
      start: at(30),
      end: at(31),
      attendees: [{ email: ISAIAH }],
    });
    // Megan adds Zoe in Outlook before Rox's edit arrives.
    await env.emu.control.updateEvent(
      env.tenantId,
      megan,
      await outlookIdOf(env, org.orgId, 'megan', eventId),
      {
        attendees: [ISAIAH, ZOE],
      },
    );
    await env.emu.control.clearRequests();

    const done = await updated(eventId, {
      subject: 'Contested (Rox)',
      attendees: [{ email: ISAIAH }, { email: EXTERNAL }],
      notifyAttendees: true,
    });
    expect(done.status).toBe('succeeded');
    expect(done.conflicts).toHaveLength(1);
    expect(done.conflicts[0]).toMatchObject({ field: 'attendees' });
    expect((await outlookEventWrites(env)).map((r) => [r.method, r.status])).toEqual([
      ['PATCH', 412],
      ['PATCH', 200],
    ]);
    const outlook = await outlookEvent(eventId);
    expect(outlook.subject).toBe('Contested (Rox)');
    expect(addresses(outlook)).toEqual([`${ISAIAH} required`, `${ZOE} required`]);
    expect((await roxEvent(eventId))?.attendees.map((a) => a.email).sort()).toEqual([
      ISAIAH.toLowerCase(),
      ZOE.toLowerCase(),
    ]);
    const entries: { details: { writeId: string; fields: string[] } }[] = await env.api.sql(
      `select details from audit_entry where org_id = ? and action = 'calendar.write_conflict'`,
      [org.orgId],
    );
    expect(entries.map((e) => e.details)).toContainEqual(
      expect.objectContaining({ writeId: done.id, fields: ['attendees'] }),
    );
  });

  it('on 412 after Outlook moved the event, Rox’s dates are not applied: the move is one conflict, other fields apply', async () => {
    const megan = ids.get('megan') ?? '';
    const eventId = await create({ subject: 'Moved twice', start: at(40), end: at(41) });
    // Megan moves it by an hour in Outlook (the end only) before Rox's edit arrives.
    await env.emu.control.updateEvent(
      env.tenantId,
      megan,
      await outlookIdOf(env, org.orgId, 'megan', eventId),
      {
        end: at(42).slice(0, 19),
        timeZone: 'UTC',
      },
    );
    await env.emu.control.clearRequests();

    const done = await updated(eventId, {
      subject: 'Moved twice (Rox)',
      startDate: day(14),
      endDate: day(15),
    });
    expect(done.status).toBe('succeeded');
    expect(done.conflicts.map((c) => c.field).sort()).toEqual(['endDate', 'startDate']);
    expect((await outlookEventWrites(env)).map((r) => [r.method, r.status])).toEqual([
      ['PATCH', 412],
      ['PATCH', 200],
    ]);
    const outlook = await outlookEvent(eventId);
    expect(outlook).toMatchObject({ subject: 'Moved twice (Rox)', isAllDay: false });
    const rox = await roxEvent(eventId);
    expect(rox).toMatchObject({ isAllDay: false, subject: 'Moved twice (Rox)' });
    expect(Date.parse(rox?.end ?? '') - Date.parse(rox?.start ?? '')).toBe(2 * HOUR);
  });

  /** A user's directory id in the emulator's tenant (invitation counts are keyed by it). */
  async function directoryIdOf(address: string): Promise<string> {
    const user = await graph.get<{ id: string }>(
      graph.url(`/users/${encodeURIComponent(address)}`, { $select: 'id' }),
    );
    return user.id;
  }
});
