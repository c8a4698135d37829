import { type INestApplicationContext } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

import { type CalendarEvent } from '@rox365/contracts';
import { type BoundGraphClient } from '@rox365/graph-client';
import { DEMO_TENANT } from '@rox365/m365-emulator';

import { windowAround } from '../../src/calendar/calendar-time';
import { OrgwideGraph } from '../../src/platform/graph/graph.module';
import { Clock } from '../../src/platform/time/clock';
import {
  calendarChannels,
  calendarCycle,
  memberDirectoryIds,
  outlookEventWrites,
  tenantGraph,
} from '../support/calendar-env';
import { mailboxesSettled, syncFinished } from '../support/directory-env';
import { startApiWithEmulator, type ApiWithEmulator } from '../support/emulator';
import { connectOrg, orgTokens, seedMembers, type OrgTokens } from '../support/orgwide';
import { newOrgId } from '../support/test-env';

const MEGAN = DEMO_TENANT.users.member;
const ISAIAH = DEMO_TENANT.users.globalAdmin;
const ZOE = DEMO_TENANT.users.unicode;
const BIANCA = DEMO_TENANT.users.privilegedRoleAdmin;
const DAY = 86_400_000;
const HOUR = 3_600_000;

/**
 * Outlook → Rox over the org-wide connection, against the emulator with a real worker,
 * Postgres and Redis: criteria, CAL-R1, R2, R3, R4, R5, R6, R7, R8, R9, R10, W6
 * (pull side) and leaving scope.
 */
describe('calendar pull (Outlook → Rox)', () => {
  let env: ApiWithEmulator;
  let org: OrgTokens;
  let worker: INestApplicationContext;
  let graph: BoundGraphClient;
  const userIds = new Map<string, string>();
  let firstRounds: Awaited<ReturnType<ApiWithEmulator['emu']['control']['requests']>> = [];

  const cycle = () => calendarCycle(env, worker, org.orgId);
  const window = () => {
    const now = Date.now();
    return {
      from: new Date(now - 89 * DAY).toISOString(),
      to: new Date(now + 364 * DAY).toISOString(),
    };
  };
  const eventsOf = async (
    roxUserId: string,
    range?: { from: string; to: string },
  ): Promise<CalendarEvent[]> => {
    const all: CalendarEvent[] = [];
    let cursor: string | null = null;
    do {
      const { from, to } = range ?? window();
      const res = await env.api
        .http()
        .get(`/api/v1/calendar/members/${roxUserId}/events`)
        .query({ from, to, limit: 200, ...(cursor ? { cursor } : {}) })
        .set('authorization', `Bearer ${org.service}`);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      all.push(...(res.body.items as CalendarEvent[]));
      cursor = res.body.nextCursor as string | null;
    } while (cursor);
    return all;
  };
  const changes = async (cursor: string) => {
    const res = await env.api
      .http()
      .get('/api/v1/calendar/changes')
      .query({ cursor, limit: 500 })
      .set('authorization', `Bearer ${org.service}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body as {
      items: { sequence: string; change: string; eventId: string; event: CalendarEvent | null }[];
      nextCursor: string;
    };
  };
  const feedEnd = async () => {
    let cursor = '0';
    for (;;) {
      const page = await changes(cursor);
      if (page.nextCursor === cursor) return cursor;
      cursor = page.nextCursor;
    }
  };

  beforeAll(async () => {
    env = await startApiWithEmulator();
    worker = await env.api.startWorker();
    org = await orgTokens(env, newOrgId());
    await seedMembers(env, org, [
      { roxUserId: 'megan', email: MEGAN },
      { roxUserId: 'isaiah', email: ISAIAH },
      { roxUserId: 'zoe', email: ZOE },
      { roxUserId: 'bianca', email: BIANCA },
      { roxUserId: 'ghost', email: 'ghost@contoso.com' },
    ]);
    expect(
      await connectOrg(env, org, {
        settings: { calendarAccess: 'read', emailAccess: 'off', restrictedUsers: [BIANCA] },
      }),
    ).toBe('connected');
    await syncFinished(env, org, null);
    const override = await env.api
      .http()
      .put('/api/v1/orgwide/overrides/zoe')
      .set('authorization', `Bearer ${org.admin}`)
      .send({ calendarAccess: 'off', emailAccess: null });
    expect(override.status).toBe(200);
    await mailboxesSettled(env, org.orgId);
    // The connect started the first rounds by itself; they ask for the window's start.
    await cycle();
    firstRounds = await env.emu.control.requests({ pathContains: '/calendarView/delta' });
    for (const [member, id] of await memberDirectoryIds(env, org)) userIds.set(member, id);
    graph = tenantGraph(env);
    await env.emu.control.clearRequests();
    await env.emu.control.clearInvitations(env.tenantId);
    await cycle();
  });
  afterAll(() => env.close());

  it('reads every in-scope mailbox over the window with the required headers, and never the others (CAL-R1, X-5, X-7)', async () => {
    const deltas = await env.emu.control.requests({ pathContains: '/calendarView/delta' });
    expect(deltas.length).toBeGreaterThan(0);
    const mailboxes = new Set(deltas.map((r) => r.mailbox));
    expect(mailboxes).toEqual(new Set([userIds.get('megan'), userIds.get('isaiah')]));
    for (const r of deltas) {
      expect(r.prefer ?? '').toMatch(/IdType="ImmutableId"/);
      expect(r.prefer ?? '').toMatch(/odata\.maxpagesize=100/);
      expect(r.prefer ?? '').toMatch(/outlook\.timezone="UTC"/);
    }
    const first = firstRounds.find((r) => r.query.includes('startDateTime'));
    expect(decodeURIComponent(first?.query ?? '')).toMatch(
      /startDateTime=\d{4}-\d\d-\d\dT00:00:00\.000Z/,
    );
    for (const outsider of ['zoe', 'bianca']) {
      const id = userIds.get(outsider) ?? 'missing';
      expect(await env.emu.control.requests({ pathContains: `/users/${id}` })).toEqual([]);
    }
    const channels = await calendarChannels(env, org);
    expect(channels.get('megan')).toMatchObject({ status: 'ok', stage: 'ok', inScope: true });
    expect(channels.get('zoe')).toMatchObject({ status: 'not_in_scope', eventCount: 0 });
    expect(channels.get('bianca')).toMatchObject({ status: 'not_in_scope' });
    expect(channels.get('ghost')).toMatchObject({ status: 'not_in_scope' });
    expect(channels.get('megan')?.cursorAgeHours).toBe(0);
    const stored = await env.api.sql<{ delta_link: string }>(
      'select delta_link from calendar_channel where org_id = ? and rox_user_id = ?',
      [org.orgId, 'megan'],
    );
    expect(stored[0]?.delta_link).toMatch(/^https:\/\/.*calendarView\/delta\?.*deltatoken=/i);
  });

  it('holds exactly what Outlook shows: occurrences hydrated from the master, exceptions with their own fields, no master row (CAL-R1, CAL-R2)', async () => {
    const { from, to } = window();
    const truth = await graph.listAll<{ id: string; type: string; subject: string }>(
      graph.url(`/users/${userIds.get('megan')}/calendarView`, {
        startDateTime: from,
        endDateTime: to,
        $top: 500,
      }),
    );
    const mine = await eventsOf('megan');
    expect(mine).toHaveLength(truth.length);
    const standup = mine.filter((e) => e.subject?.startsWith('Daily stand-up'));
    expect(standup.some((e) => e.kind === 'occurrence' && e.subject === 'Daily stand-up')).toBe(
      true,
    );
    const moved = standup.find((e) => e.kind === 'exception');
    expect(moved?.subject).toBe('Daily stand-up (moved)');
    for (const occurrence of standup.filter((e) => e.kind === 'occurrence')) {
      expect(occurrence.joinUrl).toBeTruthy();
      expect(occurrence.organizer).toBeTruthy();
      expect(occurrence.seriesICalUId).toBeTruthy();
    }
    expect(new Set(mine.map((e) => e.id)).size).toBe(mine.length);
  });

  it('syncs nothing back: zero writes and zero invitations during the initial sync (CAL-W6, pull side)', async () => {
    expect(await outlookEventWrites(env)).toEqual([]);
    expect(await env.emu.control.invitations(env.tenantId)).toEqual({});
  });

  it('a replayed round changes nothing and emits no feed entry (CAL-R10)', async () => {
    const cursor = await feedEnd();
    await env.api.sql('update calendar_channel set delta_link = null where org_id = ?', [
      org.orgId,
    ]);
    await cycle();
    expect((await changes(cursor)).items).toEqual([]);
  });

  it('one meeting with two in-scope mailboxes is one Rox event with two links (CAL-R7)', async () => {
    const created = await graph.request<{ id: string; iCalUId: string }>(
      `/users/${userIds.get('megan')}/events`,
      {
        method: 'POST',
        body: {
          subject: 'Dedupe review',
          start: {
            dateTime: new Date(Date.now() + 3 * DAY).toISOString().slice(0, 19),
            timeZone: 'UTC',
          },
          end: {
            dateTime: new Date(Date.now() + 3 * DAY + 3_600_000).toISOString().slice(0, 19),
            timeZone: 'UTC',
          },
          attendees: [{ emailAddress: { address: ISAIAH }, type: 'required' }],
        },
      },
    );
    await cycle();
    const megan = (await eventsOf('megan')).filter((e) => e.subject === 'Dedupe review');
    const isaiah = (await eventsOf('isaiah')).filter((e) => e.subject === 'Dedupe review');
    expect(megan).toHaveLength(1);
    expect(isaiah.map((e) => e.id)).toEqual(megan.map((e) => e.id));
    expect(megan[0]?.iCalUId).toBe(created.body?.iCalUId);
    expect(megan[0]?.mailboxes.map((m) => [m.roxUserId, m.isOrganizer]).sort()).toEqual([
      ['isaiah', false],
      ['megan', true],
    ]);
  });

  it('deleted is removed, cancelled stays cancelled, and the feed says so in order (CAL-R4)', async () => {
    const cursor = await feedEnd();
    const single = (await eventsOf('megan')).find(
      (e) =>
        e.kind === 'single' && e.mailboxes.length === 1 && !e.isAllDay && e.status === 'confirmed',
    );
    const copy = await env.api.sql<{ graph_id: string }>(
      'select graph_id from calendar_event_link where org_id = ? and event_id = ?',
      [org.orgId, single?.id],
    );
    await env.emu.control.deleteEvent(env.tenantId, MEGAN, copy[0]?.graph_id ?? '');
    const meeting = (await eventsOf('megan')).find((e) => e.subject === 'Dedupe review');
    const organizerCopy = await env.api.sql<{ graph_id: string }>(
      'select graph_id from calendar_event_link where org_id = ? and event_id = ? and rox_user_id = ?',
      [org.orgId, meeting?.id, 'megan'],
    );
    await env.emu.control.cancelEvent(env.tenantId, MEGAN, organizerCopy[0]?.graph_id ?? '');
    await cycle();
    expect((await eventsOf('megan')).map((e) => e.id)).not.toContain(single?.id);
    const cancelled = (await eventsOf('isaiah')).find((e) => e.id === meeting?.id);
    expect(cancelled?.status).toBe('cancelled');
    expect(cancelled?.mailboxes.map((m) => m.roxUserId)).toContain('isaiah');
    const feed = (await changes(cursor)).items;
    expect(feed.find((c) => c.eventId === single?.id)?.change).toBe('deleted');
    expect(feed.find((c) => c.eventId === meeting?.id)).toMatchObject({
      change: 'updated',
      event: { status: 'cancelled' },
    });
    const sequences = feed.map((c) => BigInt(c.sequence));
    expect([...sequences].sort((a, b) => (a < b ? -1 : 1))).toEqual(sequences);
  });

  it("an organiser's cancel through Graph (their copy goes, the attendee's says cancelled) leaves the Rox event cancelled (CAL-R4)", async () => {
    const at = (hours: number) =>
      new Date(Date.now() + 4 * DAY + hours * 3_600_000).toISOString().slice(0, 19);
    const created = await graph.request<{ id: string }>(`/users/${userIds.get('megan')}/events`, {
      method: 'POST',
      body: {
        subject: 'Cancelled through Graph',
        start: { dateTime: at(0), timeZone: 'UTC' },
        end: { dateTime: at(1), timeZone: 'UTC' },
        attendees: [{ emailAddress: { address: ISAIAH }, type: 'required' }],
      },
    });
    await cycle();
    const meeting = (await eventsOf('isaiah')).find((e) => e.subject === 'Cancelled through Graph');
    expect(meeting?.status).toBe('confirmed');
    await graph.request(`/users/${userIds.get('megan')}/events/${created.body?.id}/cancel`, {
      method: 'POST',
      body: { comment: 'Not needed' },
    });
    await cycle();
    // Whichever mailbox's round came first, the attendee's cancelled copy is what is left.
    const after = (await eventsOf('isaiah')).find((e) => e.id === meeting?.id);
    expect(after?.status).toBe('cancelled');
    expect(after?.mailboxes.map((m) => m.roxUserId)).toEqual(['isaiah']);
  });

  it('an expired token (410), even mid-round, restarts the window and reconciles by set difference (CAL-R5)', async () => {
    const before = await eventsOf('megan');
    const doomed = before.find(
      (e) => e.kind === 'single' && e.mailboxes.length === 1 && e.status === 'confirmed',
    );
    const [link] = await env.api.sql<{ graph_id: string }>(
      'select graph_id from calendar_event_link where org_id = ? and event_id = ?',
      [org.orgId, doomed?.id],
    );
    await env.emu.control.expireDeltaTokens(env.tenantId, {
      resource: 'events',
      user: userIds.get('megan'),
    });
    await env.emu.control.deleteEvent(env.tenantId, MEGAN, link?.graph_id ?? '');
    const start = new Date(Date.now() + 5 * DAY).toISOString().slice(0, 19);
    const end = new Date(Date.now() + 5 * DAY + 1_800_000).toISOString().slice(0, 19);
    await env.emu.control.createEvent(env.tenantId, MEGAN, {
      subject: 'After expiry',
      start,
      end,
      timeZone: 'UTC',
    });
    await env.emu.control.clearRequests();
    await cycle();
    const after = await eventsOf('megan');
    expect(after.map((e) => e.id)).not.toContain(doomed?.id);
    expect(after.filter((e) => e.subject === 'After expiry')).toHaveLength(1);
    const deltas = await env.emu.control.requests({ pathContains: '/calendarView/delta' });
    expect(deltas.some((r) => r.status === 410)).toBe(true);
    expect(await outlookEventWrites(env)).toEqual([]);

    // Mid-round: the first page is served, then every token dies before the next one.
    await env.emu.control.addFault({
      match: `GET /v1.0/users/${userIds.get('megan')}/calendarView/delta\\?.*skiptoken`,
      status: 410,
      errorCode: 'SyncStateNotFound',
      count: 1,
    });
    await env.api.sql(
      'update calendar_channel set delta_link = null where org_id = ? and rox_user_id = ?',
      [org.orgId, 'megan'],
    );
    await cycle();
    await env.emu.control.clearFaults();
    const channels = await calendarChannels(env, org);
    // The fault fails that round (no cursor to fall back to); the next cycle completes it.
    await cycle();
    expect((await calendarChannels(env, org)).get('megan')).toMatchObject({ status: 'ok' });
    expect((await eventsOf('megan')).map((e) => e.id).sort()).toEqual(
      after.map((e) => e.id).sort(),
    );
    expect(channels.get('isaiah')).toMatchObject({ status: 'ok' });
  });

  it('series edits reconcile through the instances: a moved series moves, an occurrence deleted without @removed goes, a single turned series leaves no duplicate (CAL-R3)', async () => {
    const day = (d: number) => new Date(Date.now() + d * DAY).toISOString().slice(0, 10);
    const series = await env.emu.control.createEvent(env.tenantId, MEGAN, {
      subject: 'R3 daily',
      start: `${day(2)}T09:00:00`,
      end: `${day(2)}T09:30:00`,
      timeZone: 'UTC',
      recurrence: {
        pattern: { type: 'daily', interval: 1 },
        range: { type: 'numbered', startDate: day(2), numberOfOccurrences: 5 },
      },
    });
    const occurrences = async () =>
      (await eventsOf('megan'))
        .filter((e) => e.subject === 'R3 daily')
        .sort((a, b) => a.start.localeCompare(b.start));
    await cycle();
    const first = await occurrences();
    expect(first.map((e) => [e.kind, e.start.slice(11, 16)])).toEqual(
      Array.from({ length: 5 }, () => ['occurrence', '09:00']),
    );

    // The organiser moves the whole series two hours later in Outlook.
    await env.emu.control.updateEvent(env.tenantId, MEGAN, series.id, {
      start: `${day(2)}T11:00:00`,
      end: `${day(2)}T11:30:00`,
      timeZone: 'UTC',
    });
    await cycle();
    const moved = await occurrences();
    expect(moved.map((e) => e.start.slice(11, 16))).toEqual(Array(5).fill('11:00'));
    expect(moved.map((e) => e.start.slice(0, 10))).toEqual(first.map((e) => e.start.slice(0, 10)));

    // One occurrence is deleted and calendarView delta says nothing about it (only the changed
    // master comes back): the instances of the series are read again and its link goes.
    const doomed = moved[2];
    const [link] = await env.api.sql<{ graph_id: string }>(
      'select graph_id from calendar_event_link where org_id = ? and event_id = ?',
      [org.orgId, doomed?.id],
    );
    await env.emu.control.updateSettings({ deletedOccurrenceInDelta: 'silent' });
    try {
      await env.emu.control.deleteEvent(env.tenantId, MEGAN, link?.graph_id ?? '');
      await env.emu.control.clearRequests();
      await cycle();
    } finally {
      await env.emu.control.updateSettings({ deletedOccurrenceInDelta: 'removed' });
    }
    expect(
      await env.emu.control.requests({ pathContains: `/events/${series.id}/instances` }),
    ).toHaveLength(1);
    const after = await occurrences();
    expect(after).toHaveLength(4);
    expect(after.map((e) => e.id)).not.toContain(doomed?.id);

    // A single event turned into a series keeps its id as the master: no duplicate remains.
    const single = await env.emu.control.createEvent(env.tenantId, MEGAN, {
      subject: 'R3 single',
      start: `${day(3)}T14:00:00`,
      end: `${day(3)}T15:00:00`,
      timeZone: 'UTC',
    });
    await cycle();
    expect((await eventsOf('megan')).filter((e) => e.subject === 'R3 single')).toHaveLength(1);
    await env.emu.control.updateEvent(env.tenantId, MEGAN, single.id, {
      recurrence: {
        pattern: { type: 'daily', interval: 1 },
        range: { type: 'numbered', startDate: day(3), numberOfOccurrences: 3 },
      },
    });
    await cycle();
    const turned = (await eventsOf('megan')).filter((e) => e.subject === 'R3 single');
    expect(turned.map((e) => e.kind)).toEqual(['occurrence', 'occurrence', 'occurrence']);
  });

  it('a mailbox outside the access policy or without a mailbox marks only its channel; the others keep syncing and it recovers by itself (X-6)', async () => {
    const megan = userIds.get('megan') ?? '';
    const isaiah = userIds.get('isaiah') ?? '';
    const soon = (h: number) =>
      new Date(Date.now() + 2 * DAY + h * HOUR).toISOString().slice(0, 19);
    const subjects = async (member: string) => (await eventsOf(member)).map((e) => e.subject);
    const held = (await eventsOf('megan')).length;

    // Megan's mailbox falls outside the org-wide app's access policy (Exchange answers 403).
    const policy = await env.emu.control.addAccessPolicy(env.tenantId, {
      group: DEMO_TENANT.groups.sales,
      accessRight: 'DenyAccess',
    });
    await env.emu.control.createEvent(env.tenantId, MEGAN, {
      subject: 'X6 Megan',
      start: soon(1),
      end: soon(2),
      timeZone: 'UTC',
    });
    await env.emu.control.createEvent(env.tenantId, ISAIAH, {
      subject: 'X6 Isaiah',
      start: soon(1),
      end: soon(2),
      timeZone: 'UTC',
    });
    await env.emu.control.clearRequests();
    try {
      await cycle();
      let channels = await calendarChannels(env, org);
      expect(channels.get('megan')).toMatchObject({
        status: 'blocked_by_access_policy',
        nextAction: expect.any(String),
      });
      expect(channels.get('isaiah')).toMatchObject({ status: 'ok' });
      expect(await subjects('isaiah')).toContain('X6 Isaiah');
      // What Megan's calendar held stays; the refused round is not retried by Bull.
      expect(await eventsOf('megan')).toHaveLength(held);
      const refused = (await env.emu.control.requests({ pathContains: `/users/${megan}/` })).map(
        (r) => r.status,
      );
      // Once in the cycle's idle `$batch` (its item answers 403), once by the channel's own job,
      // which then stops: no Bull retry asks a third time.
      expect(refused).toEqual([403, 403]);

      // The admin fixes the policy; meanwhile Isaiah's mailbox stops being an Exchange Online one.
      await env.emu.control.removeAccessPolicy(env.tenantId, policy.id);
      await env.emu.control.addFault({
        match: `GET /v1\\.0/users/${isaiah}/`,
        status: 404,
        errorCode: 'MailboxNotEnabledForRESTAPI',
      });
      await cycle();
      channels = await calendarChannels(env, org);
      expect(channels.get('megan')).toMatchObject({ status: 'ok' });
      expect(channels.get('isaiah')).toMatchObject({ status: 'no_mailbox' });
      expect(await subjects('megan')).toContain('X6 Megan');
    } finally {
      await env.emu.control.clearFaults();
      await env.emu.control.removeAccessPolicy(env.tenantId, policy.id).catch(() => undefined);
    }
    // Licensed again: the next cycle picks Isaiah up without anyone asking.
    await cycle();
    expect((await calendarChannels(env, org)).get('isaiah')).toMatchObject({ status: 'ok' });
  });

  it('stores UTC instants, the IANA zone and date-only all-day events across DST (CAL-R8)', async () => {
    // Europe's 2027 switch is on 28 March, the US one on 14 March.
    const make = (
      subject: string,
      start: string,
      end: string,
      timeZone: string,
      isAllDay = false,
    ) =>
      env.emu.control.createEvent(env.tenantId, MEGAN, { subject, start, end, timeZone, isAllDay });
    await make('TZ Pacific', '2027-03-15T09:00:00', '2027-03-15T10:00:00', 'Pacific Standard Time');
    await make(
      'TZ Berlin before',
      '2027-03-27T10:00:00',
      '2027-03-27T11:00:00',
      'W. Europe Standard Time',
    );
    await make(
      'TZ Berlin after',
      '2027-03-29T10:00:00',
      '2027-03-29T11:00:00',
      'W. Europe Standard Time',
    );
    await make('TZ Kolkata', '2027-03-29T10:00:00', '2027-03-29T11:00:00', 'Asia/Kolkata');
    await make(
      'TZ all day',
      '2027-03-28T00:00:00',
      '2027-03-29T00:00:00',
      'W. Europe Standard Time',
      true,
    );
    await cycle();
    const bySubject = new Map((await eventsOf('megan')).map((e) => [e.subject, e]));
    expect(bySubject.get('TZ Pacific')).toMatchObject({
      start: '2027-03-15T16:00:00.000Z',
      timeZone: 'America/Los_Angeles',
    });
    expect(bySubject.get('TZ Berlin before')).toMatchObject({
      start: '2027-03-27T09:00:00.000Z',
      timeZone: 'Europe/Berlin',
    });
    expect(bySubject.get('TZ Berlin after')).toMatchObject({ start: '2027-03-29T08:00:00.000Z' });
    expect(bySubject.get('TZ Kolkata')?.start).toBe('2027-03-29T04:30:00.000Z');
    expect(['Asia/Kolkata', 'Asia/Calcutta']).toContain(bySubject.get('TZ Kolkata')?.timeZone);
    expect(bySubject.get('TZ all day')).toMatchObject({
      isAllDay: true,
      startDate: '2027-03-28',
      endDate: '2027-03-29',
    });
  });

  it('private events are busy blocks; bodies are sealed at rest (CAL-R9)', async () => {
    const at = (d: number) => new Date(Date.now() + d * DAY).toISOString().slice(0, 19);
    for (const [subject, sensitivity] of [
      ['Secret offsite', 'private'],
      ['Plain sync', 'normal'],
    ] as const) {
      await graph.request(`/users/${userIds.get('megan')}/events`, {
        method: 'POST',
        body: {
          subject,
          sensitivity,
          body: { contentType: 'text', content: `Body of ${subject} with a secret phrase` },
          start: { dateTime: at(7), timeZone: 'UTC' },
          end: { dateTime: at(7.1), timeZone: 'UTC' },
        },
      });
    }
    await cycle();
    const mine = await eventsOf('megan');
    expect(mine.find((e) => e.subject === 'Secret offsite')).toBeUndefined();
    const block = mine.find((e) => e.isPrivate);
    expect(block).toMatchObject({ subject: null, location: null, attendees: [], organizer: null });
    const rows = await env.api.sql<{ body_sealed: string | null }>(
      `select body_sealed from calendar_event where org_id = ? and subject = 'Plain sync'`,
      [org.orgId],
    );
    expect(rows[0]?.body_sealed).toBeTruthy();
    expect(rows[0]?.body_sealed).not.toContain('secret phrase');
  });

  it('re-bases the window a week on: a new full round over the new window, what slid out of the past stays as history (CAL-R6)', async () => {
    const megan = userIds.get('megan') ?? '';
    const wall = (ms: number) => new Date(ms).toISOString().slice(0, 19);
    const now = Date.now();
    await env.emu.control.createEvent(env.tenantId, MEGAN, {
      subject: 'R6 history',
      start: wall(now - 85 * DAY),
      end: wall(now - 85 * DAY + HOUR),
      timeZone: 'UTC',
    });
    await env.emu.control.createEvent(env.tenantId, MEGAN, {
      subject: 'R6 horizon',
      start: wall(now + 369 * DAY),
      end: wall(now + 369 * DAY + HOUR),
      timeZone: 'UTC',
    });
    await cycle();
    const inRange = async () =>
      (
        await eventsOf('megan', {
          from: new Date(now - 100 * DAY).toISOString(),
          to: new Date(now + 380 * DAY).toISOString(),
        })
      ).map((e) => e.subject);
    expect(await inRange()).toContain('R6 history');
    expect(await inRange()).not.toContain('R6 horizon');

    // Eight days later on both clocks. MSAL caches app tokens by the real clock, so the worker
    // drops the ones the emulator now sees as expired.
    const later = 8 * DAY;
    const expected = windowAround(new Date(now + later), 90, 365);
    await env.emu.control.advanceClock(later / 1000);
    const clock = vi
      .spyOn(worker.get(Clock), 'now')
      .mockImplementation(() => new Date(Date.now() + later));
    try {
      worker.get(OrgwideGraph).appTokens.forget(env.tenantId);
      await env.emu.control.clearRequests();
      await cycle();
    } finally {
      clock.mockRestore();
      await env.emu.control.advanceClock(-later / 1000);
      worker.get(OrgwideGraph).appTokens.forget(env.tenantId);
    }
    // Less than 358 days of future were left: the stored deltaLink was not resumed, a full
    // round opened the new window.
    const deltas = (
      await env.emu.control.requests({ pathContains: `/users/${megan}/calendarView/delta` })
    ).map((r) => new URLSearchParams(r.query));
    expect(deltas[0]?.get('startDateTime')).toBe(expected.start.toISOString());
    expect(deltas[0]?.get('endDateTime')).toBe(expected.end.toISOString());
    const [channel] = await env.api.sql<{ window_start: string; window_end: string }>(
      'select window_start, window_end from calendar_channel where org_id = ? and rox_user_id = ?',
      [org.orgId, 'megan'],
    );
    expect(new Date(channel?.window_start ?? 0).toISOString()).toBe(expected.start.toISOString());
    expect(new Date(channel?.window_end ?? 0).toISOString()).toBe(expected.end.toISOString());
    // Now before the window: kept as history, not deleted. The future bound moved over the other.
    const subjects = await inRange();
    expect(subjects).toContain('R6 history');
    expect(subjects).toContain('R6 horizon');
  });

  it('a mailbox leaving scope is purged within one cycle with an audit receipt; shared events keep the other link', async () => {
    const shared = (await eventsOf('isaiah')).find((e) => e.mailboxes.length === 2);
    const res = await env.api
      .http()
      .put('/api/v1/orgwide/overrides/isaiah')
      .set('authorization', `Bearer ${org.admin}`)
      .send({ calendarAccess: 'off', emailAccess: null });
    expect(res.status).toBe(200);
    await cycle();
    const left = await env.api.sql<{ n: number }>(
      'select count(*)::int as n from calendar_event_link where org_id = ? and rox_user_id = ?',
      [org.orgId, 'isaiah'],
    );
    expect(left[0]?.n).toBe(0);
    if (shared) {
      const still = (await eventsOf('megan')).find((e) => e.id === shared.id);
      expect(still?.mailboxes.map((m) => m.roxUserId)).toEqual(['megan']);
    }
    const audit = await env.api
      .http()
      .get('/api/v1/audit?limit=50')
      .set('authorization', `Bearer ${org.admin}`);
    const receipt = (
      audit.body.items as {
        action: string;
        target: { id: string };
        details: Record<string, number>;
      }[]
    ).find((a) => a.action === 'calendar.mailbox_purged' && a.target.id === 'isaiah');
    expect(receipt?.details.calendar_event_link).toBeGreaterThan(0);
    expect((await calendarChannels(env, org)).get('isaiah')).toMatchObject({
      status: 'not_in_scope',
      eventCount: 0,
    });
  });
});
