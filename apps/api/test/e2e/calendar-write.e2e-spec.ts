import { MikroORM, RequestContext } from '@mikro-orm/postgresql';
import { type INestApplicationContext } from '@nestjs/common';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { type CalendarEvent, type CalendarWrite } from '@rox365/contracts';
import { type BoundGraphClient } from '@rox365/graph-client';
import { DEMO_TENANT } from '@rox365/m365-emulator';

import { CalendarSyncService } from '../../src/calendar/calendar-sync.service';
import { ROX_EVENT_ID_PROPERTY, uuidV5 } from '../../src/calendar/calendar-write.service';
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
import {
  connectOrg,
  orgTokens,
  saveSettings,
  seedMembers,
  type OrgTokens,
} from '../support/orgwide';
import { eventually } from '../support/test-app';
import { newOrgId } from '../support/test-env';

const MEGAN = DEMO_TENANT.users.member;
const ISAIAH = DEMO_TENANT.users.globalAdmin;
const ZOE = DEMO_TENANT.users.unicode;
const HOUR = 3_600_000;

/**
 * Rox → Outlook writes against the emulator with a worker, Postgres and Redis: CAL-W1, W2, W3,
 * W4, W5 (the gate and the answers), W7 and the refusals as problem+json.
 */
describe('calendar writes (Rox → Outlook)', () => {
  let env: ApiWithEmulator;
  let org: OrgTokens;
  let worker: INestApplicationContext;
  let graph: BoundGraphClient;
  const ids = new Map<string, string>();
  let keyN = 0;
  const key = () => `test-key-${Date.now()}-${++keyN}`;
  const at = (hours: number) => new Date(Date.now() + 24 * HOUR + hours * HOUR).toISOString();

  const api = () => env.api.http();
  const auth = () => `Bearer ${org.service}`;
  const create = async (body: Record<string, unknown>, member = 'megan') => {
    const res = await api()
      .post(`/api/v1/calendar/members/${member}/events`)
      .set('authorization', auth())
      .send(body);
    return res;
  };
  /** Creates an event as Megan and waits for its write to finish. */
  const created = async (body: Record<string, unknown>) =>
    calendarWriteFinished(
      env,
      org.service,
      (await create({ idempotencyKey: key(), ...body })).body.id as string,
    );
  /** Asks to delete one of Megan's events (`notifyAttendees` as the query carries it). */
  const remove = (eventId: string | undefined, query: Record<string, string> = {}) =>
    api()
      .delete(`/api/v1/calendar/members/megan/events/${eventId}`)
      .query({ idempotencyKey: key(), ...query })
      .set('authorization', auth());
  const eventsOf = async (member: string): Promise<CalendarEvent[]> => {
    const res = await api()
      .get(`/api/v1/calendar/members/${member}/events`)
      .query({ from: at(-48), to: at(48), limit: 200 })
      .set('authorization', auth());
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body.items as CalendarEvent[];
  };
  const feedAfter = async (cursor: string) => {
    const res = await api()
      .get('/api/v1/calendar/changes')
      .query({ cursor, limit: 500 })
      .set('authorization', auth());
    expect(res.status).toBe(200);
    return res.body as { items: { change: string; eventId: string }[]; nextCursor: string };
  };
  const feedEnd = async () => {
    let cursor = '0';
    for (;;) {
      const page = await feedAfter(cursor);
      if (page.nextCursor === cursor) return cursor;
      cursor = page.nextCursor;
    }
  };

  /**
   * Megan's next create is made in Outlook by its first run, which loses every answer; later runs
   * cannot look it up, so the write stays unfinished until the faults are cleared.
   */
  const loseCreateAnswers = async () => {
    const megan = ids.get('megan') ?? '';
    await env.emu.control.addFault({
      match: `POST /v1\\.0/users/${megan}/events$`,
      status: 504,
      afterExecute: true,
      count: 5,
    });
    await env.emu.control.addFault({
      match: `GET /v1\\.0/users/${megan}/events\\?`,
      status: 503,
    });
  };
  /** Waits until that first run's five POSTs reached Outlook. */
  const createMadeUnanswered = () =>
    eventually(
      async () => (await outlookEventWrites(env)).filter((r) => r.method === 'POST').length === 5,
      { attempts: 600 },
    );

  beforeAll(async () => {
    env = await startApiWithEmulator();
    worker = await env.api.startWorker();
    org = await orgTokens(env, newOrgId());
    await seedMembers(env, org, [
      { roxUserId: 'megan', email: MEGAN },
      { roxUserId: 'isaiah', email: ISAIAH },
      { roxUserId: 'zoe', email: ZOE },
    ]);
    expect(
      await connectOrg(env, org, {
        settings: { calendarAccess: 'read_write', emailAccess: 'off' },
      }),
    ).toBe('connected');
    await syncFinished(env, org, null);
    const override = await api()
      .put('/api/v1/orgwide/overrides/isaiah')
      .set('authorization', `Bearer ${org.admin}`)
      .send({ calendarAccess: 'read', emailAccess: null });
    expect(override.status).toBe(200);
    const off = await api()
      .put('/api/v1/orgwide/overrides/zoe')
      .set('authorization', `Bearer ${org.admin}`)
      .send({ calendarAccess: 'off', emailAccess: null });
    expect(off.status).toBe(200);
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

  it('derives transactionIds as RFC 4122 version 5 UUIDs', () => {
    // The RFC's DNS namespace example.
    expect(uuidV5('6ba7b810-9dad-11d1-80b4-00c04fd430c8', 'www.example.com')).toBe(
      '2ed6657d-e927-568b-95e1-2665a8aea6a2',
    );
  });

  it('a create whose answer is lost is retried with the same transactionId: one event, one invitation, ids stored (CAL-W1, W2)', async () => {
    const megan = ids.get('megan') ?? '';
    const isaiah = ids.get('isaiah') ?? '';
    await env.emu.control.addFault({
      match: `POST /v1\\.0/users/${megan}/events$`,
      status: 504,
      afterExecute: true,
      count: 1,
    });
    const idempotencyKey = key();
    const body = {
      idempotencyKey,
      subject: 'Rox kickoff',
      body: 'Agenda: everything',
      start: at(1),
      end: at(2),
      location: 'Room 1',
      attendees: [{ email: ISAIAH }],
    };
    const res = await create(body);
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    expect(res.body).toMatchObject({ operation: 'create', status: 'queued' });
    const write = await calendarWriteFinished(env, org.service, res.body.id as string);
    expect(write).toMatchObject({ status: 'succeeded', graphWrites: 1, errorCode: null });

    const posts = (await outlookEventWrites(env)).filter((r) => r.method === 'POST');
    expect(posts.map((r) => r.status)).toEqual([504, 200]); // the retry got the event already made
    // One event in Megan's calendar, one invitation on Isaiah's.
    const invitations = await env.emu.control.invitations(env.tenantId);
    expect(invitations[isaiah]).toMatchObject({ created: 1, updated: 0, cancelled: 0 });
    const stored = await eventsOf('megan');
    const event = stored.find((e) => e.id === write.eventId);
    expect(event).toMatchObject({ subject: 'Rox kickoff', location: 'Room 1' });
    expect(event?.iCalUId).toBeTruthy();
    expect(stored.filter((e) => e.subject === 'Rox kickoff')).toHaveLength(1);
    // The ledger: Outlook's id and changeKey stored with the write and on the mailbox's copy.
    const [ledger] = await env.api.sql<{
      graph_id: string;
      result_change_key: string;
      change_key: string;
    }>(
      `select w.graph_id, w.result_change_key, l.change_key from calendar_write w
         join calendar_event_link l on l.org_id = w.org_id and l.graph_id = w.graph_id
        where w.id = ?`,
      [write.id],
    );
    expect(ledger?.result_change_key).toBeTruthy();
    expect(ledger?.change_key).toBe(ledger?.result_change_key);

    // The same key again: the same write, nothing sent.
    await env.emu.control.clearRequests();
    const again = await create(body);
    expect(again.status).toBe(202);
    expect(again.body.id).toBe(write.id);
    expect(await outlookEventWrites(env)).toEqual([]);
    // A key reused for another operation on the same calendar is refused.
    const reused = await api()
      .delete(`/api/v1/calendar/members/megan/events/${write.eventId}`)
      .query({ idempotencyKey: body.idempotencyKey, notifyAttendees: 'true' })
      .set('authorization', auth());
    expect(reused.status).toBe(409);
    expect(reused.headers['content-type']).toMatch(/application\/problem\+json/);
    // Another member who knows the key learns nothing of Megan's write: the caller's right to
    // act for the calendar comes first.
    const other = await env.api.tokenFor({ roxUserId: 'isaiah', orgId: org.orgId, role: 'member' });
    const peek = await api()
      .post('/api/v1/calendar/members/megan/events')
      .set('authorization', `Bearer ${other}`)
      .send(body);
    expect(peek.status).toBe(404);
    expect(JSON.stringify(peek.body)).not.toContain(write.id);
  });

  it('tags what it creates with the Rox event id and, on a job retry after a lost answer, finds it by the tag instead of posting again (CAL-W8)', async () => {
    const megan = ids.get('megan') ?? '';
    const isaiah = ids.get('isaiah') ?? '';
    // Every attempt of the first run reaches Outlook and loses its answer (1 + 4 in-process retries).
    await env.emu.control.addFault({
      match: `POST /v1\\.0/users/${megan}/events$`,
      status: 504,
      afterExecute: true,
      count: 5,
    });
    const res = await create({
      idempotencyKey: key(),
      subject: 'Tagged kickoff',
      start: at(17),
      end: at(18),
      attendees: [{ email: ISAIAH }],
    });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    const write = await calendarWriteFinished(env, org.service, res.body.id as string);
    expect(write).toMatchObject({ status: 'succeeded', graphWrites: 1, errorCode: null });

    const calls = (await env.emu.control.requests({ pathContains: `/users/${megan}/events` }))
      .filter((r) => !r.path.includes('/_emulator'))
      .map((r) => ({ method: r.method, status: r.status, query: decodeURIComponent(r.query) }));
    // The first run's five POSTs; the retried job looked the event up by its tag and sent none.
    expect(calls.filter((c) => c.method === 'POST').map((c) => c.status)).toEqual([
      504, 504, 504, 504, 504,
    ]);
    const lookups = calls.filter((c) => c.method === 'GET');
    expect(lookups).toHaveLength(1);
    expect(lookups[0]?.query).toContain(
      `singleValueExtendedProperties/Any(ep: ep/id eq '${ROX_EVENT_ID_PROPERTY}' and ep/value eq '${write.eventId}')`,
    );
    expect((await env.emu.control.invitations(env.tenantId))[isaiah]).toMatchObject({
      created: 1,
    });
    expect((await eventsOf('megan')).filter((e) => e.subject === 'Tagged kickoff')).toEqual([
      expect.objectContaining({ id: write.eventId }),
    ]);
    // Outlook's copy carries the tag with the Rox event id.
    const graphId = await outlookIdOf(env, org.orgId, 'megan', write.eventId);
    const outlook = await graph.get<{ singleValueExtendedProperties?: unknown }>(
      graph.url(`/users/${megan}/events/${encodeURIComponent(graphId)}`, {
        $expand: `singleValueExtendedProperties($filter=id eq '${ROX_EVENT_ID_PROPERTY}')`,
      }),
    );
    expect(outlook.singleValueExtendedProperties).toEqual([
      { id: ROX_EVENT_ID_PROPERTY, value: write.eventId },
    ]);
  });

  it('a create the pull meets before its job stored it keeps the id the create answered with (CAL-W1)', async () => {
    await loseCreateAnswers();
    const before = await feedEnd();
    const res = await create({
      idempotencyKey: key(),
      subject: 'Pulled first',
      start: at(19),
      end: at(20),
    });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    const chosen = res.body.eventId as string;
    await createMadeUnanswered();

    // Megan's round imports the event Outlook made: it takes the id the create answered with.
    await RequestContext.create(worker.get(MikroORM).em, () =>
      worker.get(CalendarSyncService).sync(org.orgId, 'megan'),
    );
    expect((await eventsOf('megan')).filter((e) => e.subject === 'Pulled first')).toEqual([
      expect.objectContaining({ id: chosen }),
    ]);

    await env.emu.control.clearFaults();
    const write = await calendarWriteFinished(env, org.service, res.body.id as string);
    expect(write).toMatchObject({ status: 'succeeded', eventId: chosen });
    expect((await eventsOf('megan')).filter((e) => e.subject === 'Pulled first')).toEqual([
      expect.objectContaining({ id: chosen }),
    ]);
    // One event, created once in the feed and never deleted.
    const changes = (await feedAfter(before)).items.filter((c) => c.eventId === chosen);
    expect(changes.map((c) => c.change)).toEqual(['created']);
  });

  it('a meeting Rox already holds from an attendee’s copy when the create is stored: the write names that event (CAL-W1)', async () => {
    await loseCreateAnswers();
    const res = await create({
      idempotencyKey: key(),
      subject: 'Invitation pulled first',
      start: at(21),
      end: at(22),
      attendees: [{ email: ISAIAH }],
    });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    await createMadeUnanswered();
    // Isaiah's round imports his invitation: the meeting gets an id of its own.
    await RequestContext.create(worker.get(MikroORM).em, () =>
      worker.get(CalendarSyncService).sync(org.orgId, 'isaiah'),
    );
    const [held] = (await eventsOf('isaiah')).filter(
      (e) => e.subject === 'Invitation pulled first',
    );
    expect(held?.id).toBeDefined();
    expect(held?.id).not.toBe(res.body.eventId);

    await env.emu.control.clearFaults();
    const write = await calendarWriteFinished(env, org.service, res.body.id as string);
    // Megan's copy joined that event, and the write says so: its id names an event that exists.
    expect(write).toMatchObject({ status: 'succeeded', eventId: held?.id });
    expect(
      (await eventsOf('megan')).filter((e) => e.subject === 'Invitation pulled first'),
    ).toEqual([expect.objectContaining({ id: held?.id })]);
  });

  it('a pull of our own write is not a change, and a save without changes writes nothing (CAL-W4)', async () => {
    const res = await create({
      idempotencyKey: key(),
      subject: 'Echo check',
      start: at(3),
      end: at(4),
    });
    const write = await calendarWriteFinished(env, org.service, res.body.id as string);
    expect(write.status).toBe('succeeded');
    const cursor = await feedEnd();
    await env.emu.control.clearRequests();
    await calendarCycle(env, worker, org.orgId);
    expect((await feedAfter(cursor)).items.filter((c) => c.eventId === write.eventId)).toEqual([]);
    expect(await outlookEventWrites(env)).toEqual([]);

    const stored = (await eventsOf('megan')).find((e) => e.id === write.eventId);
    const noop = await api()
      .patch(`/api/v1/calendar/members/megan/events/${write.eventId}`)
      .set('authorization', auth())
      .send({
        idempotencyKey: key(),
        subject: 'Echo check',
        start: stored?.start,
        end: stored?.end,
      });
    expect(noop.status, JSON.stringify(noop.body)).toBe(202);
    expect(noop.body).toMatchObject({ status: 'succeeded', graphWrites: 0 });
    expect(await outlookEventWrites(env)).toEqual([]);
  });

  it('an update sends only changed fields with If-Match; on 412 Outlook wins field by field with a conflict entry (CAL-W3)', async () => {
    const megan = ids.get('megan') ?? '';
    const plan = await created({ subject: 'Plan', start: at(5), end: at(6), location: 'A' });
    const write = (
      await api().get(`/api/v1/calendar/writes/${plan.id}`).set('authorization', auth())
    ).body as CalendarWrite;
    const graphId = (await env.emu.control.requests({ pathContains: `/users/${megan}/events` }))
      .length;
    void graphId;
    // Someone edits the subject in Outlook before Rox's edit arrives.
    const stored = (await eventsOf('megan')).find((e) => e.id === write.eventId);
    expect(stored).toBeDefined();
    const outlookId = await outlookIdOf(env, org.orgId, 'megan', write.eventId);
    await env.emu.control.updateEvent(env.tenantId, megan, outlookId, {
      subject: 'Plan (Outlook)',
    });
    await env.emu.control.clearRequests();

    const res = await api()
      .patch(`/api/v1/calendar/members/megan/events/${write.eventId}`)
      .set('authorization', auth())
      .send({ idempotencyKey: key(), subject: 'Plan (Rox)', location: 'B' });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    const done = await calendarWriteFinished(env, org.service, res.body.id as string);
    expect(done.status).toBe('succeeded');
    expect(done.conflicts).toEqual([
      { field: 'subject', outlookValue: 'Plan (Outlook)', roxValue: 'Plan (Rox)' },
    ]);
    const patches = (await outlookEventWrites(env)).filter((r) => r.method === 'PATCH');
    // The first PATCH carried If-Match with the stored changeKey (hence the 412).
    expect(patches.map((r) => r.status)).toEqual([412, 200]);
    const after = (await eventsOf('megan')).find((e) => e.id === write.eventId);
    expect(after).toMatchObject({ subject: 'Plan (Outlook)', location: 'B' });
    const [entry] = await env.api.sql<{ details: { writeId: string; fields: string[] } }>(
      `select details from audit_entry where org_id = ? and action = 'calendar.write_conflict'`,
      [org.orgId],
    );
    expect(entry?.details).toMatchObject({ writeId: done.id, fields: ['subject'] });
  });

  it('on 412 an all-day move goes out as a pair: a date Outlook already holds is sent again with the other (CAL-W3)', async () => {
    const megan = ids.get('megan') ?? '';
    const day = (d: number) =>
      new Date(Date.now() + (1 + d) * 24 * HOUR).toISOString().slice(0, 10);
    const offsite = await created({ subject: 'Offsite', startDate: day(0), endDate: day(1) });
    expect(offsite.status).toBe('succeeded');
    const outlookId = await outlookIdOf(env, org.orgId, 'megan', offsite.eventId);
    await env.emu.control.updateEvent(env.tenantId, megan, outlookId, {
      subject: 'Offsite (Outlook)',
    });
    await env.emu.control.clearRequests();
    const res = await api()
      .patch(`/api/v1/calendar/members/megan/events/${offsite.eventId}`)
      .set('authorization', auth())
      .send({ idempotencyKey: key(), startDate: day(0), endDate: day(2) });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    const done = await calendarWriteFinished(env, org.service, res.body.id as string);
    expect(done).toMatchObject({ status: 'succeeded', conflicts: [] });
    const patches = (await outlookEventWrites(env)).filter((r) => r.method === 'PATCH');
    expect(patches.map((r) => r.status)).toEqual([412, 200]);
    expect((await eventsOf('megan')).find((e) => e.id === offsite.eventId)).toMatchObject({
      subject: 'Offsite (Outlook)',
      startDate: day(0),
      endDate: day(2),
    });
  });

  it('attendees may only respond: no update or delete of a meeting the member does not organise (CAL-W5)', async () => {
    const isaiah = ids.get('isaiah') ?? '';
    await env.emu.control.createEvent(env.tenantId, isaiah, {
      subject: 'Isaiah’s review',
      start: at(7),
      end: at(8),
      attendees: [MEGAN],
    });
    await calendarCycle(env, worker, org.orgId);
    const copy = (await eventsOf('megan')).find((e) => e.subject === 'Isaiah’s review');
    expect(copy?.mailboxes.find((m) => m.roxUserId === 'megan')?.isOrganizer).toBe(false);
    await env.emu.control.clearRequests();
    const patch = await api()
      .patch(`/api/v1/calendar/members/megan/events/${copy?.id}`)
      .set('authorization', auth())
      .send({ idempotencyKey: key(), subject: 'Hijacked' });
    expect(patch.status).toBe(403);
    expect(patch.body.code).toBe('CALENDAR_NOT_ORGANIZER');
    expect(patch.headers['content-type']).toMatch(/application\/problem\+json/);
    const del = await remove(copy?.id, { notifyAttendees: 'true' });
    expect(del.status).toBe(403);
    expect(del.body.code).toBe('CALENDAR_NOT_ORGANIZER');
    expect(await outlookEventWrites(env)).toEqual([]);
    // An organiser does not respond to their own meeting.
    const own = (await eventsOf('megan')).find((e) => e.subject === 'Rox kickoff');
    const respond = await api()
      .post(`/api/v1/calendar/members/megan/events/${own?.id}/respond`)
      .set('authorization', auth())
      .send({ idempotencyKey: key(), response: 'decline' });
    expect(respond.status).toBe(409);
    expect(respond.body.code).toBe('CALENDAR_ORGANIZER_CANNOT_RESPOND');
  });

  it('an attendee answers through Graph: accept, tentative and decline show in the pulled state (CAL-W5)', async () => {
    const megan = ids.get('megan') ?? '';
    const isaiah = ids.get('isaiah') ?? '';
    await env.emu.control.createEvent(env.tenantId, isaiah, {
      subject: 'Answer me',
      start: at(15),
      end: at(16),
      attendees: [MEGAN],
    });
    await calendarCycle(env, worker, org.orgId);
    const event = (await eventsOf('megan')).find((e) => e.subject === 'Answer me');
    expect(event).toBeDefined();
    const eventId = event?.id ?? '';
    const graphId = await outlookIdOf(env, org.orgId, 'megan', eventId);
    const respond = async (response: string, extra: Record<string, unknown> = {}) => {
      await env.emu.control.clearRequests();
      const res = await api()
        .post(`/api/v1/calendar/members/megan/events/${eventId}/respond`)
        .set('authorization', auth())
        .send({ idempotencyKey: key(), response, ...extra });
      expect(res.status, JSON.stringify(res.body)).toBe(202);
      expect(await calendarWriteFinished(env, org.service, res.body.id as string)).toMatchObject({
        operation: 'respond',
        status: 'succeeded',
        graphWrites: 1,
      });
      // Exactly one Graph write: the answer, in Megan's own mailbox, on her copy's id.
      const sent = await outlookEventWrites(env);
      expect(sent.map((r) => [r.method, r.path, r.status])).toEqual([
        ['POST', `/v1.0/users/${megan}/events/${graphId}/${ACTION[response]}`, 202],
      ]);
      await calendarCycle(env, worker, org.orgId);
      const stored = (await eventsOf('isaiah')).find((e) => e.id === eventId);
      return {
        mine: stored?.mailboxes.find((m) => m.roxUserId === 'megan')?.response ?? null,
        tracked: stored?.attendees.find((a) => a.email === MEGAN.toLowerCase())?.response ?? null,
      };
    };
    const ACTION: Record<string, string> = {
      accept: 'accept',
      tentative: 'tentativelyAccept',
      decline: 'decline',
    };

    // Megan's copy says what she answered; Isaiah's (the organiser's, which Rox shows) tracks it.
    expect(await respond('accept', { comment: 'Count me in' })).toEqual({
      mine: 'accepted',
      tracked: 'accepted',
    });
    // Without sendResponse the organiser is not told.
    expect(await respond('tentative', { sendResponse: false })).toEqual({
      mine: 'tentativelyAccepted',
      tracked: 'accepted',
    });
    // A decline takes the meeting off Megan's calendar: her copy goes, the meeting stays.
    expect(await respond('decline')).toEqual({ mine: null, tracked: 'declined' });
    expect((await eventsOf('megan')).some((e) => e.id === eventId)).toBe(false);
    // Her copy is gone, so there is nothing left to answer.
    const again = await api()
      .post(`/api/v1/calendar/members/megan/events/${eventId}/respond`)
      .set('authorization', auth())
      .send({ idempotencyKey: key(), response: 'accept' });
    expect(again.status).toBe(404);
    expect(again.body.code).toBe('CALENDAR_EVENT_NOT_FOUND');
  });

  it('deletes only as organiser with notifyAttendees for meetings, and a 404 counts as done (CAL-W7)', async () => {
    const megan = ids.get('megan') ?? '';
    const isaiah = ids.get('isaiah') ?? '';
    const meeting = await created({
      subject: 'To cancel',
      start: at(9),
      end: at(10),
      attendees: [{ email: ISAIAH }],
    });
    await env.emu.control.clearRequests();
    await env.emu.control.clearInvitations(env.tenantId);
    const refused = await remove(meeting.eventId);
    expect(refused.status).toBe(400);
    expect(refused.body.code).toBe('CALENDAR_NOTIFY_ATTENDEES_REQUIRED');
    const move = await api()
      .patch(`/api/v1/calendar/members/megan/events/${meeting.eventId}`)
      .set('authorization', auth())
      .send({ idempotencyKey: key(), start: at(11), end: at(12) });
    expect(move.body.code).toBe('CALENDAR_NOTIFY_ATTENDEES_REQUIRED');
    expect(await outlookEventWrites(env)).toEqual([]);

    const ok = await remove(meeting.eventId, { notifyAttendees: 'true' });
    expect(ok.status).toBe(202);
    expect(await calendarWriteFinished(env, org.service, ok.body.id as string)).toMatchObject({
      status: 'succeeded',
      graphWrites: 1,
    });
    expect((await env.emu.control.invitations(env.tenantId))[isaiah]).toMatchObject({
      cancelled: 1,
    });
    expect((await eventsOf('megan')).some((e) => e.id === meeting.eventId)).toBe(false);

    // Deleted in Outlook meanwhile: Graph answers 404, the write still succeeds.
    const solo = await created({ subject: 'Gone already', start: at(13), end: at(14) });
    await env.emu.control.deleteEvent(
      env.tenantId,
      megan,
      await outlookIdOf(env, org.orgId, 'megan', solo.eventId),
    );
    const gone = await remove(solo.eventId);
    expect(await calendarWriteFinished(env, org.service, gone.body.id as string)).toMatchObject({
      status: 'succeeded',
      graphWrites: 0,
    });
  });

  it('an org that keeps meeting deletes off: a meeting is never cancelled from Rox, a solo event still deletes (CAL-W7 setting)', async () => {
    const isaiah = ids.get('isaiah') ?? '';
    const setDeletes = (calendarMeetingDeletes: string) =>
      saveSettings(env, org, {
        calendarAccess: 'read_write',
        emailAccess: 'off',
        calendarMeetingDeletes,
      });
    const meeting = await created({
      subject: 'Keep in Outlook',
      start: at(15),
      end: at(16),
      attendees: [{ email: ISAIAH }],
    });
    const solo = await created({ subject: 'Solo', start: at(17), end: at(18) });
    await setDeletes('never');
    try {
      const settings = await api()
        .get('/api/v1/orgwide/settings')
        .set('authorization', `Bearer ${org.admin}`);
      expect(settings.body.calendarMeetingDeletes).toBe('never');
      await env.emu.control.clearRequests();
      await env.emu.control.clearInvitations(env.tenantId);
      const refused = await remove(meeting.eventId, { notifyAttendees: 'true' });
      expect(refused.status).toBe(403);
      expect(refused.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(refused.body.code).toBe('CALENDAR_MEETING_DELETES_OFF');
      expect(refused.body.detail).toMatch(/calendarMeetingDeletes/);
      expect(await outlookEventWrites(env)).toEqual([]);
      expect((await env.emu.control.invitations(env.tenantId))[isaiah]?.cancelled ?? 0).toBe(0);
      expect((await eventsOf('megan')).some((e) => e.id === meeting.eventId)).toBe(true);

      const gone = await remove(solo.eventId);
      expect(gone.status).toBe(202);
      expect(await calendarWriteFinished(env, org.service, gone.body.id as string)).toMatchObject({
        status: 'succeeded',
        graphWrites: 1,
      });
    } finally {
      await setDeletes('confirm');
    }
    // The default again: the meeting goes once the call confirms.
    const ok = await remove(meeting.eventId, { notifyAttendees: 'true' });
    expect(ok.status).toBe(202);
    expect(await calendarWriteFinished(env, org.service, ok.body.id as string)).toMatchObject({
      status: 'succeeded',
    });
    type Audit = {
      details: {
        before: { calendarMeetingDeletes?: string };
        after: { calendarMeetingDeletes: string };
      };
    };
    const audits = await env.api.sql<Audit>(
      `select details from audit_entry where org_id = ? and action = 'orgwide.settings-updated' order by id`,
      [org.orgId],
    );
    expect(audits.map((a) => a.details.after.calendarMeetingDeletes).slice(-2)).toEqual([
      'never',
      'confirm',
    ]);
  });

  it('refuses writes to read-only and out-of-scope calendars as problem+json', async () => {
    const readOnly = await create(
      { idempotencyKey: key(), subject: 'x', start: at(1), end: at(2) },
      'isaiah',
    );
    expect(readOnly.status).toBe(403);
    expect(readOnly.body.code).toBe('CALENDAR_READ_ONLY');
    expect(readOnly.headers['content-type']).toMatch(/application\/problem\+json/);
    const outOfScope = await create(
      { idempotencyKey: key(), subject: 'x', start: at(1), end: at(2) },
      'zoe',
    );
    expect(outOfScope.status).toBe(403);
    expect(outOfScope.body.code).toBe('CALENDAR_NOT_IN_SCOPE');
    const backwards = await create({
      idempotencyKey: key(),
      subject: 'x',
      start: at(2),
      end: at(1),
    });
    expect(backwards.status).toBe(400);
    expect(await outlookEventWrites(env)).toEqual([]);
  });
});
