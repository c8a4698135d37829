import { randomUUID } from 'node:crypto';

import { type MikroORM } from '@mikro-orm/postgresql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  buildCalendarWrite,
  buildEventCopy,
  buildSeriesFields,
  CALENDAR_WINDOW,
  dec1,
} from '../../test/factories/calendar.factory';
import { ensureMailbox } from '../../test/factories/mailbox.factory';
import { openTestOrm } from '../../test/factories/test-orm';
import { newOrgId } from '../../test/support/test-env';
import { Mailbox } from '../mailboxes/entities/mailbox.entity';
import { MailboxRepository } from '../mailboxes/mailbox.repository';
import { markQueued, markRunning } from '../platform/sync/sync-channel';
import { type EventCopy } from './calendar.mapper';
import {
  CalendarRepository,
  MAILBOX_LINKS_LOCK_SQL,
  type CalendarPageInput,
} from './calendar.repository';
import { CalendarEventLink } from './entities/calendar-event-link.entity';
import { CalendarEvent } from './entities/calendar-event.entity';
import { CalendarSeries } from './entities/calendar-series.entity';

const NOW = new Date('2026-11-28T10:00:00Z');
const LATER = new Date('2026-11-28T11:00:00Z');

// Fixed Rox ids, so keyset order by (start, id) is known in advance.
const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

const page = (copies: EventCopy[], extra: Partial<CalendarPageInput> = {}): CalendarPageInput => ({
  masters: [],
  copies,
  removedIds: [],
  ...extra,
});

// An occurrence of the 'series-ical' series on 1 December at `hour`.
const occurrence = (graphId: string, hour: number, masterId = 'master-1') =>
  buildEventCopy(graphId, {
    seriesMasterId: masterId,
    dedupeKey: `series:series-ical|${dec1(hour).toISOString()}`,
    fields: {
      iCalUId: null,
      seriesICalUId: 'series-ical',
      originalStart: dec1(hour),
      kind: 'occurrence',
      startAt: dec1(hour),
      endAt: dec1(hour, 30),
      subject: 'Weekly sync',
    },
  });

describe('CalendarRepository on Postgres', () => {
  let orm: MikroORM;
  const repo = () => new CalendarRepository(orm.em.fork());
  const gate = () => new MailboxRepository(orm.em.fork());
  // Member reads list a mailbox's events only while its mailbox row exists.
  const mailboxes = async (orgId: string, ...roxUserIds: string[]) => {
    for (const id of roxUserIds) await ensureMailbox(orm.em, orgId, id);
  };
  const apply = (
    orgId: string,
    roxUserId: string,
    input: CalendarPageInput,
    round = 1,
    now = NOW,
  ) =>
    ensureMailbox(orm.em, orgId, roxUserId).then(() =>
      repo().applyPage(orgId, roxUserId, input, CALENDAR_WINDOW, round, now),
    );
  const feed = async (orgId: string) =>
    (await repo().changesAfter(orgId, '0', 100)).map((c) => [c.eventId, c.change]);
  const event = (orgId: string, dedupeKey: string) =>
    orm.em.fork().findOne(CalendarEvent, { orgId, dedupeKey });
  const linkOwners = async (orgId: string, dedupeKey: string) => {
    const row = await event(orgId, dedupeKey);
    const [found] = row ? await repo().eventsByIds(orgId, [row.id]) : [];
    return found ? found.copies.map((c) => c.roxUserId) : [];
  };

  beforeAll(async () => {
    orm = await openTestOrm();
  });
  afterAll(() => orm.close(true));

  it('keeps one Rox event per meeting across mailboxes, and a replayed page changes nothing', async () => {
    const orgId = newOrgId();
    const other = newOrgId();
    const patPage = page([
      buildEventCopy('pat-m1', { dedupeKey: 'ical:m1' }),
      buildEventCopy('pat-m2', { dedupeKey: 'ical:m2' }),
    ]);
    const first = await apply(orgId, 'pat', patPage);
    expect(first).toMatchObject({ added: 2, updated: 0, removed: 0, changedMasters: [] });
    // Each copy names the Rox event it belongs to.
    expect(first.eventIds).toEqual(
      new Map([
        ['pat-m1', (await event(orgId, 'ical:m1'))?.id],
        ['pat-m2', (await event(orgId, 'ical:m2'))?.id],
      ]),
    );
    const replayed = await apply(orgId, 'pat', patPage);
    expect(replayed).toMatchObject({ added: 0, updated: 0, removed: 0, changedMasters: [] });
    expect(replayed.eventIds).toEqual(first.eventIds);
    // Sam's attendee copy of m1 joins the same event and does not touch the organiser's fields.
    const samCopy = buildEventCopy('sam-m1', {
      dedupeKey: 'ical:m1',
      isOrganizer: false,
      response: 'accepted',
      fields: { subject: 'As Sam sees it' },
    });
    expect(await apply(orgId, 'sam', page([samCopy]))).toMatchObject({ added: 1, updated: 0 });
    expect((await event(orgId, 'ical:m1'))?.subject).toBe('Meeting pat-m1');
    expect(await linkOwners(orgId, 'ical:m1')).toEqual(['pat', 'sam']);
    const m1 = await event(orgId, 'ical:m1');
    const m2 = await event(orgId, 'ical:m2');
    // Two creations in the feed, nothing for the replay or the attendee copy.
    expect(await feed(orgId)).toEqual([
      [m1?.id, 'created'],
      [m2?.id, 'created'],
    ]);

    // The same meeting in another org is another event; this org's rows stay as they were.
    await apply(other, 'pat', patPage);
    const otherM1 = await event(other, 'ical:m1');
    expect(otherM1?.id).not.toBe(m1?.id);
    expect(await linkOwners(orgId, 'ical:m1')).toEqual(['pat', 'sam']);
    expect(await feed(orgId)).toHaveLength(2);
    expect((await repo().channelWithCount(orgId, 'pat')).eventCount).toBe(2);
  });

  it("stores an attendee's copy until the organiser's arrives, which then wins", async () => {
    const orgId = newOrgId();
    const sam = (changeKey: string, subject: string) =>
      buildEventCopy('sam-m', {
        dedupeKey: 'ical:m',
        changeKey,
        isOrganizer: false,
        response: 'accepted',
        fields: { subject },
      });
    await apply(orgId, 'sam', page([sam('s1', 'From Sam')]));
    expect(await event(orgId, 'ical:m')).toMatchObject({
      subject: 'From Sam',
      isFromOrganizer: false,
    });
    // No organiser copy yet: the attendee's newer copy still updates the event.
    expect(await apply(orgId, 'sam', page([sam('s2', 'Sam, edited')]))).toMatchObject({
      updated: 1,
    });
    const organizer = buildEventCopy('pat-m', {
      dedupeKey: 'ical:m',
      fields: { subject: 'The real one' },
    });
    expect(await apply(orgId, 'pat', page([organizer]), 1, LATER)).toMatchObject({
      added: 1,
      updated: 1,
    });
    expect(await event(orgId, 'ical:m')).toMatchObject({
      subject: 'The real one',
      isFromOrganizer: true,
      updatedAt: LATER,
    });
    // Once the organiser's copy is stored, attendees' copies no longer change the event.
    expect(await apply(orgId, 'sam', page([sam('s3', 'Sam again')]))).toMatchObject({
      updated: 0,
    });
    expect((await event(orgId, 'ical:m'))?.subject).toBe('The real one');
    const link = await orm.em
      .fork()
      .findOneOrFail(CalendarEventLink, { orgId, roxUserId: 'sam', graphId: 'sam-m' });
    expect(link.changeKey).toBe('s3');

    // Two copies of one id in a page: the last one wins.
    const twice = page([
      buildEventCopy('pat-m', { dedupeKey: 'ical:m', changeKey: 'p2', fields: { subject: 'x' } }),
      buildEventCopy('pat-m', {
        dedupeKey: 'ical:m',
        changeKey: 'p3',
        fields: { subject: 'Final' },
      }),
    ]);
    expect(await apply(orgId, 'pat', twice)).toMatchObject({ added: 0, updated: 1 });
    expect((await event(orgId, 'ical:m'))?.subject).toBe('Final');
    const id = (await event(orgId, 'ical:m'))?.id;
    expect((await feed(orgId)).map(([, change]) => change)).toEqual([
      'created',
      'updated',
      'updated',
      'updated',
    ]);
    expect(new Set((await feed(orgId)).map(([eventId]) => eventId))).toEqual(new Set([id]));
  });

  it('moves a copy to another event when its key changes, and drops the event left behind', async () => {
    const orgId = newOrgId();
    await apply(orgId, 'pat', page([buildEventCopy('pat-x', { dedupeKey: 'graph:pat-x' })]));
    const before = await event(orgId, 'graph:pat-x');
    // Outlook assigned an iCalUId later: same copy, new dedupe key.
    await apply(
      orgId,
      'pat',
      page([buildEventCopy('pat-x', { dedupeKey: 'ical:x', changeKey: 'ck-2' })]),
    );
    expect(await event(orgId, 'graph:pat-x')).toBeNull();
    const after = await event(orgId, 'ical:x');
    expect((await repo().channelWithCount(orgId, 'pat')).eventCount).toBe(1);
    expect(await feed(orgId)).toEqual([
      [before?.id, 'created'],
      [after?.id, 'created'],
      [before?.id, 'deleted'],
    ]);
  });

  it('tracks series masters: a new changeKey is reported, and removing a master takes its instances', async () => {
    const orgId = newOrgId();
    // A single event that becomes a series keeps its Graph id as the master.
    await apply(orgId, 'pat', page([buildEventCopy('master-1', { dedupeKey: 'ical:single' })]));
    const single = await event(orgId, 'ical:single');
    const master = { graphId: 'master-1', changeKey: 'mk1', fields: buildSeriesFields() };
    const seriesPage = page([occurrence('occ-9', 9), occurrence('occ-11', 11)], {
      masters: [master],
    });
    expect(await apply(orgId, 'pat', seriesPage)).toMatchObject({
      added: 2,
      updated: 0,
      removed: 1,
      changedMasters: [],
    });
    expect(await event(orgId, 'ical:single')).toBeNull();
    expect((await feed(orgId)).filter(([id]) => id === single?.id).map(([, c]) => c)).toEqual([
      'created',
      'deleted',
    ]);
    const stored = await repo().seriesByIds(orgId, 'pat', ['master-1', 'master-1', 'unknown']);
    expect([...stored.keys()]).toEqual(['master-1']);
    expect(stored.get('master-1')?.fields.subject).toBe('Weekly sync');
    expect(await repo().seriesByIds(orgId, 'pat', [])).toEqual(new Map());
    expect((await repo().seriesByIds(orgId, 'sam', ['master-1'])).size).toBe(0);

    // The same changeKey is no change; a new one asks for the series to be reconciled.
    expect((await apply(orgId, 'pat', page([], { masters: [master] }))).changedMasters).toEqual([]);
    const moved = { ...master, changeKey: 'mk2', fields: buildSeriesFields({ subject: 'Moved' }) };
    const change = [{ graphId: 'master-1', changeKey: 'mk2' }];
    expect((await apply(orgId, 'pat', page([], { masters: [moved] }))).changedMasters).toEqual(
      change,
    );
    // Fields at once; the changeKey only once the series is reconciled, so a round that failed
    // before reading the instances finds the change again when it replays the page.
    expect((await repo().seriesByIds(orgId, 'pat', ['master-1'])).get('master-1')).toMatchObject({
      changeKey: master.changeKey,
      fields: { subject: 'Moved' },
    });
    expect((await apply(orgId, 'pat', page([], { masters: [moved] }))).changedMasters).toEqual(
      change,
    );

    // Reconciling the changed series: Graph lists only the 9:00 instance now.
    const at11 = await event(orgId, `series:series-ical|${dec1(11).toISOString()}`);
    expect(
      await repo().reconcileSeries(orgId, 'pat', change[0]!, ['occ-9'], CALENDAR_WINDOW, NOW),
    ).toBe(1);
    expect((await repo().seriesByIds(orgId, 'pat', ['master-1'])).get('master-1')?.changeKey).toBe(
      'mk2',
    );
    expect((await apply(orgId, 'pat', page([], { masters: [moved] }))).changedMasters).toEqual([]);
    expect((await repo().channelWithCount(orgId, 'pat')).eventCount).toBe(1);
    expect((await feed(orgId)).at(-1)).toEqual([at11?.id, 'deleted']);

    // The master removed: its row and its remaining instance go.
    expect(await apply(orgId, 'pat', page([], { removedIds: ['master-1'] }))).toMatchObject({
      removed: 1,
    });
    expect(await repo().seriesByIds(orgId, 'pat', ['master-1'])).toEqual(new Map());
    expect((await repo().channelWithCount(orgId, 'pat')).eventCount).toBe(0);
  });

  it('removes within the window only, and keeps an event another mailbox still holds', async () => {
    const orgId = newOrgId();
    const other = newOrgId();
    const history = buildEventCopy('pat-old', {
      fields: {
        startAt: new Date('2026-10-15T09:00:00Z'),
        endAt: new Date('2026-10-15T10:00:00Z'),
      },
    });
    const patCopies = [
      buildEventCopy('pat-shared', { dedupeKey: 'ical:shared' }),
      buildEventCopy('pat-own'),
      history,
    ];
    await apply(orgId, 'pat', page(patCopies));
    await apply(other, 'pat', page(patCopies));
    await apply(
      orgId,
      'sam',
      page([buildEventCopy('sam-shared', { dedupeKey: 'ical:shared', isOrganizer: false })]),
    );
    const shared = await event(orgId, 'ical:shared');

    // Pat's copy of the shared meeting goes; Sam's keeps the event (no "deleted" in the feed).
    expect(await apply(orgId, 'pat', page([], { removedIds: ['pat-shared'] }))).toMatchObject({
      removed: 1,
    });
    expect(await linkOwners(orgId, 'ical:shared')).toEqual(['sam']);
    expect(await feed(orgId)).not.toContainEqual([shared?.id, 'deleted']);
    // An id both listed and removed in one page is kept (the listed copy is the later word).
    expect(
      await apply(orgId, 'pat', page([buildEventCopy('pat-own')], { removedIds: ['pat-own'] })),
    ).toMatchObject({ removed: 0 });
    expect((await repo().channelWithCount(orgId, 'pat')).eventCount).toBe(2);
    // A removal outside the window leaves the history alone.
    expect(await apply(orgId, 'pat', page([], { removedIds: ['pat-old'] }))).toMatchObject({
      removed: 0,
    });

    // Full round 2 saw nothing of Pat's: what starts in the window goes, history and Sam stay.
    const series = orm.em.fork();
    series.persist(
      new CalendarSeries({
        orgId,
        roxUserId: 'pat',
        graphId: 'stale-master',
        fields: buildSeriesFields(),
        seenRound: 1,
      }),
    );
    await series.flush();
    expect(await repo().reconcile(orgId, 'pat', 2, CALENDAR_WINDOW, NOW)).toBe(1);
    expect(await repo().seriesByIds(orgId, 'pat', ['stale-master'])).toEqual(new Map());
    const left = await orm.em.fork().find(CalendarEventLink, { orgId, roxUserId: 'pat' });
    expect(left.map((l) => l.graphId)).toEqual(['pat-old']);
    expect(await event(orgId, 'ical:pat-own')).toBeNull();
    expect(await linkOwners(orgId, 'ical:shared')).toEqual(['sam']);
    // The other org's copies were never touched.
    expect((await repo().channelWithCount(other, 'pat')).eventCount).toBe(3);
  });

  it('pages a member’s events by (start, id) over a range, and lists recent ones newest first', async () => {
    const orgId = newOrgId();
    const other = newOrgId();
    const copy = (graphId: string, start: Date, end: Date) =>
      buildEventCopy(graphId, { fields: { startAt: start, endAt: end } });
    const ids = new Map([
      ['before', uuid(1)],
      ['b', uuid(3)],
      ['c', uuid(2)],
      ['d', uuid(4)],
      ['at-end', uuid(5)],
    ]);
    await apply(
      orgId,
      'pat',
      page(
        [
          copy('before', dec1(8), dec1(9)), // ends where the range starts
          copy('b', dec1(9), dec1(10)),
          copy('c', dec1(9), dec1(9, 30)), // same start as b, smaller id
          copy('d', dec1(11), dec1(12)),
          copy('at-end', dec1(13), dec1(14)), // starts where the range ends
        ],
        { newEventIds: ids },
      ),
    );
    await apply(orgId, 'sam', page([copy('sams', dec1(10), dec1(11))]));
    await apply(other, 'pat', page([copy('b', dec1(9), dec1(10))]));
    await mailboxes(orgId, 'pat', 'sam');
    await mailboxes(other, 'pat');
    const range = { from: dec1(9), to: dec1(13) };
    const first = await repo().memberEvents(orgId, 'pat', range, null, 2);
    expect(first.map((e) => e.event.id)).toEqual([uuid(2), uuid(3)]);
    const last = first[1]!.event;
    const rest = await repo().memberEvents(orgId, 'pat', range, last, 10);
    expect(rest.map((e) => e.event.id)).toEqual([uuid(4)]);
    expect(await repo().memberEvents(orgId, 'nobody', range, null, 10)).toEqual([]);
    // A removed member (mailbox row gone, copies not yet purged) lists nothing.
    await orm.em.fork().nativeDelete(Mailbox, { orgId, roxUserId: 'sam' });
    expect(
      await repo().memberEvents(orgId, 'sam', { from: dec1(0), to: dec1(23) }, null, 10),
    ).toEqual([]);

    // Recent: by updatedAt, newest first.
    await apply(
      orgId,
      'pat',
      page([
        buildEventCopy('d', {
          changeKey: 'ck-2',
          fields: { startAt: dec1(11), endAt: dec1(12), subject: 'Renamed' },
        }),
      ]),
      1,
      LATER,
    );
    // The rest were written at the same moment: by id.
    expect((await repo().recentMemberEvents(orgId, 'pat', 2)).map((e) => e.event.id)).toEqual([
      uuid(4),
      uuid(1),
    ]);

    // By id: in the order asked, within the org.
    const otherB = await event(other, 'ical:b');
    expect(
      (await repo().eventsByIds(orgId, [uuid(4), uuid(1), otherB?.id ?? ''])).map(
        (e) => e.event.id,
      ),
    ).toEqual([uuid(4), uuid(1)]);
    expect(await repo().eventsByIds(orgId, [])).toEqual([]);
  });

  it('reads events for the API without their sealed body, every other column as stored', async () => {
    const orgId = newOrgId();
    await apply(
      orgId,
      'pat',
      page([
        buildEventCopy('with-body', {
          fields: { startAt: dec1(9), endAt: dec1(10), bodySealed: 'v1.sealed-body' },
        }),
      ]),
    );
    await mailboxes(orgId, 'pat');
    const stored = await event(orgId, 'ical:with-body');
    expect(stored?.bodySealed).toBe('v1.sealed-body');
    const { bodySealed: _sealed, ...listed } = stored!;
    const reads = [
      (await repo().memberEvents(orgId, 'pat', { from: dec1(0), to: dec1(23) }, null, 10))[0],
      (await repo().recentMemberEvents(orgId, 'pat', 10))[0],
      (await repo().eventsByIds(orgId, [stored!.id]))[0],
      (await repo().changesAfter(orgId, '0', 10))[0]?.event,
    ];
    for (const read of reads) {
      expect(read?.event).not.toHaveProperty('bodySealed');
      expect({ ...read?.event }).toEqual({ ...listed });
    }
  });

  it("lists an attendee's copy at the event's new times once the organiser moves it", async () => {
    const orgId = newOrgId();
    const id = uuid(7);
    const at = (start: number, end: number, isOrganizer: boolean, changeKey: string) =>
      buildEventCopy(isOrganizer ? 'pat-moved' : 'sam-moved', {
        dedupeKey: 'ical:moved',
        changeKey,
        isOrganizer,
        fields: { startAt: dec1(start), endAt: dec1(end) },
      });
    await apply(
      orgId,
      'pat',
      page([at(9, 10, true, 'p1')], { newEventIds: new Map([['pat-moved', id]]) }),
    );
    await apply(orgId, 'sam', page([at(9, 10, false, 's1')]));
    // Only the organiser's mailbox has synced the move: Sam's link still says 9:00 for its copy.
    await apply(orgId, 'pat', page([at(15, 16, true, 'p2')]));
    await mailboxes(orgId, 'pat', 'sam');
    const listed = (roxUserId: string, from: number, to: number) =>
      repo()
        .memberEvents(orgId, roxUserId, { from: dec1(from), to: dec1(to) }, null, 10)
        .then((rows) => rows.map((e) => e.event.id));
    for (const member of ['pat', 'sam']) {
      expect(await listed(member, 14, 17)).toEqual([id]);
      expect(await listed(member, 8, 11)).toEqual([]);
    }
    const sams = await orm.em
      .fork()
      .findOneOrFail(CalendarEventLink, { orgId, roxUserId: 'sam', graphId: 'sam-moved' });
    expect([sams.startAt, sams.eventStartAt, sams.eventEndAt]).toEqual([
      dec1(9),
      dec1(15),
      dec1(16),
    ]);
  });

  it('a create from Rox the pull meets first takes the id the create chose, found by its transactionId; an attendee copy seen earlier keeps its own', async () => {
    const orgId = newOrgId();
    const chosen = randomUUID();
    const write = buildCalendarWrite({
      orgId,
      idempotencyKey: 'create-1',
      operation: 'create',
      eventId: chosen,
      transactionId: 'txn-1',
    });
    // Another member's create with the same transactionId is not this mailbox's.
    const sams = buildCalendarWrite({
      orgId,
      roxUserId: 'sam',
      idempotencyKey: 'create-2',
      operation: 'create',
      transactionId: 'txn-2',
    });
    await orm.em.fork().persistAndFlush([write, sams]);
    const result = await apply(
      orgId,
      'pat',
      page([
        buildEventCopy('pat-made', { transactionId: 'txn-1' }),
        buildEventCopy('pat-foreign', { transactionId: 'txn-2' }),
        buildEventCopy('pat-own', { transactionId: 'set-in-outlook' }),
      ]),
    );
    expect(result.eventIds.get('pat-made')).toBe(chosen);
    expect((await event(orgId, 'ical:pat-made'))?.id).toBe(chosen);
    for (const graphId of ['pat-foreign', 'pat-own']) {
      const id = result.eventIds.get(graphId);
      expect(id).toBeDefined();
      expect([chosen, sams.eventId]).not.toContain(id);
    }
    // The create's own job applies Outlook's answer later: the same event, nothing new.
    const byJob = await apply(
      orgId,
      'pat',
      page([buildEventCopy('pat-made', { transactionId: 'txn-1' })], {
        newEventIds: new Map([['pat-made', chosen]]),
      }),
    );
    expect(byJob).toMatchObject({ added: 0, updated: 0 });
    expect(byJob.eventIds.get('pat-made')).toBe(chosen);

    // A meeting Rox already holds from an attendee's copy keeps that event.
    const attendee = await apply(
      orgId,
      'sam',
      page([buildEventCopy('sam-meeting', { dedupeKey: 'ical:meeting', isOrganizer: false })]),
    );
    const held = attendee.eventIds.get('sam-meeting');
    const second = buildCalendarWrite({
      orgId,
      idempotencyKey: 'create-3',
      operation: 'create',
      transactionId: 'txn-3',
    });
    await orm.em.fork().persistAndFlush(second);
    const organizer = await apply(
      orgId,
      'pat',
      page([buildEventCopy('pat-meeting', { dedupeKey: 'ical:meeting', transactionId: 'txn-3' })], {
        newEventIds: new Map([['pat-meeting', second.eventId]]),
      }),
    );
    expect(organizer.eventIds.get('pat-meeting')).toBe(held);
    expect(await linkOwners(orgId, 'ical:meeting')).toEqual(['pat', 'sam']);

    // An id an event already has is never taken again: not from a finished create whose event
    // went (a copy with its transactionId later is another event), nor when given twice.
    const finished = buildCalendarWrite({
      orgId,
      idempotencyKey: 'create-4',
      operation: 'create',
      transactionId: 'txn-4',
    });
    finished.status = 'succeeded';
    await orm.em.fork().persistAndFlush(finished);
    const later = await apply(
      orgId,
      'pat',
      page([buildEventCopy('pat-restored', { transactionId: 'txn-4' })]),
    );
    expect(later.eventIds.get('pat-restored')).not.toBe(finished.eventId);
    const again = await apply(
      orgId,
      'pat',
      page([buildEventCopy('pat-other', { dedupeKey: 'ical:other' })], {
        newEventIds: new Map([['pat-other', chosen]]),
      }),
    );
    expect(again.eventIds.get('pat-other')).not.toBe(chosen);
    expect((await event(orgId, 'ical:pat-made'))?.id).toBe(chosen);
  });

  it('reads the change feed after a sequence, in order, one org at a time', async () => {
    const orgId = newOrgId();
    const other = newOrgId();
    expect(await repo().feedHead(orgId)).toBe('0');
    await apply(orgId, 'pat', page([buildEventCopy('a'), buildEventCopy('b')]));
    await apply(other, 'pat', page([buildEventCopy('z')]));
    await apply(orgId, 'pat', page([buildEventCopy('c')]));
    const all = await repo().changesAfter(orgId, '0', 100);
    expect(all).toHaveLength(3);
    // The head is the org's newest sequence, not another org's.
    expect(await repo().feedHead(orgId)).toBe(all[2]?.sequence);
    expect(await repo().feedHead(other)).not.toBe(all[2]?.sequence);
    const sequences = all.map((c) => BigInt(c.sequence));
    expect([...sequences].sort((x, y) => (x < y ? -1 : 1))).toEqual(sequences);
    const firstTwo = await repo().changesAfter(orgId, '0', 2);
    const next = await repo().changesAfter(orgId, firstTwo[1]!.sequence, 2);
    expect([...firstTwo, ...next].map((c) => c.sequence)).toEqual(all.map((c) => c.sequence));
    expect(await repo().changesAfter(orgId, all[2]!.sequence, 10)).toEqual([]);
    // Each entry comes with its event as it is now and every mailbox's copy of it.
    expect(all.map((c) => c.event?.event.id)).toEqual(all.map((c) => c.eventId));
    expect(all[0]?.event?.copies).toEqual([
      { roxUserId: 'pat', isOrganizer: true, response: 'organizer' },
    ]);
    // A deletion names the event and carries none, and the earlier entries lose theirs.
    await repo().purgeMailbox(orgId, 'pat', LATER);
    const after = await repo().changesAfter(orgId, '0', 100);
    expect(after.slice(3).map((c) => [c.change, c.event])).toEqual([
      ['deleted', null],
      ['deleted', null],
      ['deleted', null],
    ]);
    expect(after.slice(0, 3).map((c) => c.event)).toEqual([null, null, null]);
  });

  it('keeps channels per mailbox, lists them, finds busy ones, and counts who holds links', async () => {
    const orgId = newOrgId();
    const other = newOrgId();
    const fresh = await repo().channel(orgId, 'pat');
    expect(fresh.stage).toBe('never');
    expect((await repo().channelWithCount(orgId, 'pat')).channel).toBeNull();

    const at = (minute: number) => new Date(Date.UTC(2026, 10, 28, 9, minute));
    const save = async (o: string, roxUserId: string, move: (c: typeof fresh) => void) => {
      const channel = await repo().channel(o, roxUserId);
      move(channel);
      await repo().saveChannel(channel);
    };
    await save(orgId, 'zoe', (c) => markRunning(c, at(1)));
    await save(orgId, 'ann', (c) => markQueued(c, at(2)));
    await save(orgId, 'pat', (c) => markRunning(c, at(30)));
    await save(other, 'ann', (c) => {
      c.stage = 'ok';
      c.startedAt = at(1);
    });
    expect((await repo().listChannels(orgId)).map((c) => c.roxUserId)).toEqual([
      'ann',
      'pat',
      'zoe',
    ]);
    expect((await repo().listChannels(orgId, ['zoe', 'nobody'])).map((c) => c.roxUserId)).toEqual([
      'zoe',
    ]);
    const busy = (await repo().channelsBusySince(at(10))).filter((c) =>
      [orgId, other].includes(c.orgId),
    );
    expect(busy.map((c) => `${c.orgId}/${c.roxUserId}`).sort()).toEqual([
      `${orgId}/ann`,
      `${orgId}/zoe`,
    ]);
    // The cursor keeps its column under the engine's name.
    await save(orgId, 'pat', (c) => {
      c.cursor = 'https://graph.example/v1.0/me/calendarView/delta?$deltatoken=t1';
    });
    expect((await repo().channelWithCount(orgId, 'pat')).channel?.cursor).toMatch(/deltatoken=t1$/);

    await apply(orgId, 'sam', page([buildEventCopy('s1'), buildEventCopy('s2')]));
    await apply(orgId, 'pat', page([buildEventCopy('p1')]));
    expect((await repo().syncedMembers(orgId)).sort()).toEqual(['ann', 'pat', 'sam', 'zoe']);
    expect(await repo().syncedMembers(newOrgId())).toEqual([]);
    expect(await repo().linkCounts(orgId, ['sam', 'pat', 'zoe'])).toEqual(
      new Map([
        ['sam', 2],
        ['pat', 1],
      ]),
    );
    expect(await repo().linkCounts(orgId, [])).toEqual(new Map());
  });

  it('records what a read of the mailbox time zone found, touching nothing else of the channel', async () => {
    const orgId = newOrgId();
    const channel = await repo().channel(orgId, 'pat');
    markRunning(channel, NOW);
    channel.cursor = 'https://graph.example/v1.0/users/p/calendarView/delta?$deltatoken=t9';
    await repo().saveChannel(channel);

    // The sync holds its own copy of the row meanwhile; both writes keep their columns.
    const syncCopy = repo();
    const held = await syncCopy.channel(orgId, 'pat');
    await repo().recordWriteZone(orgId, 'pat', {
      zone: 'UTC',
      issue: 'mailbox_time_zone_unavailable',
      checkedAt: NOW,
    });
    held.stage = 'ok';
    await syncCopy.saveChannel(held);

    const stored = (await repo().channelWithCount(orgId, 'pat')).channel;
    expect(stored).toMatchObject({
      stage: 'ok',
      writeZone: 'UTC',
      writeZoneIssue: 'mailbox_time_zone_unavailable',
      writeZoneCheckedAt: NOW,
    });
    expect(stored?.cursor).toMatch(/deltatoken=t9$/);

    await repo().recordWriteZone(orgId, 'pat', {
      zone: 'Pacific Standard Time',
      issue: null,
      checkedAt: LATER,
    });
    expect((await repo().channelWithCount(orgId, 'pat')).channel).toMatchObject({
      stage: 'ok',
      writeZone: 'Pacific Standard Time',
      writeZoneIssue: null,
      writeZoneCheckedAt: LATER,
    });

    // A mailbox written to before its first sync gets a channel row that has never synced.
    await repo().recordWriteZone(orgId, 'sam', {
      zone: 'Europe/Berlin',
      issue: null,
      checkedAt: NOW,
    });
    expect((await repo().channelWithCount(orgId, 'sam')).channel).toMatchObject({
      stage: 'never',
      cursor: null,
      writeZone: 'Europe/Berlin',
    });
    expect((await repo().channelWithCount(newOrgId(), 'pat')).channel).toBeNull();
  });

  it("locks an idle batch's channel rows: stage and cursor by member, others stay free, a second locker waits", async () => {
    const orgId = newOrgId();
    expect(await repo().lockChannelsProgress(orgId, ['pat'])).toEqual(new Map());
    const cursor = (u: string) =>
      `https://graph.example/v1.0/users/${u}/calendarView/delta?$deltatoken=t1`;
    const channels = [];
    for (const member of ['pat', 'sam', 'lee']) {
      const channel = await repo().channel(orgId, member);
      channel.stage = 'ok';
      channel.cursor = cursor(member);
      channels.push(channel);
    }
    await repo().saveChannels(channels);
    const tryLock = (members: string[]) =>
      orm.em.fork().transactional(async (other) => {
        await other.execute(`set local lock_timeout = '100ms'`);
        return new CalendarRepository(other).lockChannelsProgress(orgId, members);
      });
    await orm.em.fork().transactional(async (em) => {
      expect(
        await new CalendarRepository(em).lockChannelsProgress(orgId, ['sam', 'pat', 'x']),
      ).toEqual(
        new Map([
          ['pat', { stage: 'ok', cursor: cursor('pat') }],
          ['sam', { stage: 'ok', cursor: cursor('sam') }],
        ]),
      );
      await expect(tryLock(['pat'])).rejects.toThrow(/lock timeout/);
      // Only the batch's rows are held.
      expect((await tryLock(['lee'])).get('lee')).toMatchObject({ stage: 'ok' });
    });
  });

  it('stores a page unless a purge applied other lists since its round read them; a purge in progress makes it wait (CAL-R9)', async () => {
    const orgId = newOrgId();
    const partner = { domains: ['partner.example'], addresses: [] };
    const both = { domains: ['customer.example', 'partner.example'], addresses: [] };
    type Judged = typeof partner & { appliedAt: Date | null };
    const judged = (graphId: string, restrictions: Judged) =>
      apply(orgId, 'pat', page([buildEventCopy(graphId)], { restrictions }));
    // Before the first purge any lists pass.
    await judged('p1', { ...partner, appliedAt: null });
    const state = await repo().orgState(orgId);
    Object.assign(state, {
      restrictedDomains: partner.domains,
      restrictedUsers: [],
      checkedAt: NOW,
    });
    await repo().saveOrgState(state);
    expect(await gate().restrictionsAppliedAt(orgId, 'calendar')).toEqual(NOW);
    // Read after that purge: its lists, or stricter ones the next purge will apply, pass;
    // laxer ones (a restriction lifted, not purged for yet) wait for that purge.
    await judged('p2', { ...partner, appliedAt: NOW });
    await judged('p3', { ...both, appliedAt: NOW });
    await expect(
      judged('p3b', { domains: [], addresses: [], appliedAt: NOW }),
    ).rejects.toMatchObject({ code: 'CALENDAR_RESTRICTIONS_CHANGED' });
    // Read before it (another purge, or none), with other lists: stored nothing.
    await expect(judged('p4', { ...both, appliedAt: null })).rejects.toMatchObject({
      code: 'CALENDAR_RESTRICTIONS_CHANGED',
    });
    expect(await event(orgId, 'ical:p4')).toBeNull();

    // A purge holding the lock: the page waits for its commit, then finds other lists applied.
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    let locked = () => {};
    const isLocked = new Promise<void>((resolve) => (locked = resolve));
    const purge = orm.em.fork().transactional(async (em) => {
      await new MailboxRepository(em).lockRestrictionsPurge(orgId, 'calendar');
      locked();
      await held;
      await em.execute(
        `update calendar_org_state set restricted_domains = ?, checked_at = ? where org_id = ?`,
        [JSON.stringify(both.domains), LATER, orgId],
      );
    });
    await isLocked;
    let settled = false;
    const waiting = judged('p5', { ...partner, appliedAt: NOW }).finally(() => (settled = true));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(settled).toBe(false);
    release();
    await purge;
    await expect(waiting).rejects.toMatchObject({ code: 'CALENDAR_RESTRICTIONS_CHANGED' });
    expect(await event(orgId, 'ical:p5')).toBeNull();
    expect(
      await gate().restrictionsStillApply(orgId, 'calendar', { ...both, appliedAt: NOW }),
    ).toBe(true);
    expect(
      await gate().restrictionsStillApply(orgId, 'calendar', { ...both, appliedAt: LATER }),
    ).toBe(true);
    // Read after it but laxer than what it applied: waits for the purge of those lists.
    expect(
      await gate().restrictionsStillApply(orgId, 'calendar', { ...partner, appliedAt: LATER }),
    ).toBe(false);
  });

  it('writes a page only while the mailbox is a calendar target; a disconnect waits for a page in flight', async () => {
    const orgId = newOrgId();
    await apply(orgId, 'pat', page([buildEventCopy('pat-a', { dedupeKey: 'ical:a' })]));
    const stored = () => repo().countLinks(orgId, 'pat');
    expect(await stored()).toBe(1);

    // Left calendar sync mid-round: the next page stores nothing and says why.
    await orm.em
      .fork()
      .nativeUpdate(Mailbox, { orgId, roxUserId: 'pat' }, { calendarInScope: false });
    await expect(
      repo().applyPage(
        orgId,
        'pat',
        page([buildEventCopy('pat-b', { dedupeKey: 'ical:b' })]),
        CALENDAR_WINDOW,
        1,
        NOW,
      ),
    ).rejects.toMatchObject({ code: 'CALENDAR_NOT_IN_SCOPE' });
    expect(await stored()).toBe(1);

    // A page in flight holds its mailbox row: deleting it (the purge's first step) waits for
    // the page's commit, so what the page wrote is there for the purge to read.
    await orm.em
      .fork()
      .nativeUpdate(Mailbox, { orgId, roxUserId: 'pat' }, { calendarInScope: true });
    let deleted = false;
    let purge: Promise<unknown> = Promise.resolve();
    await orm.em.fork().transactional(async (em) => {
      await em.execute('select 1 from mailbox where org_id = ? and rox_user_id = ? for key share', [
        orgId,
        'pat',
      ]);
      purge = orm.em
        .fork()
        .nativeDelete(Mailbox, { orgId, roxUserId: 'pat' })
        .then(() => (deleted = true));
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(deleted).toBe(false);
    });
    await purge;
    expect(deleted).toBe(true);
    // Gone: a page after the purge stores nothing.
    await expect(
      repo().applyPage(
        orgId,
        'pat',
        page([buildEventCopy('pat-c', { dedupeKey: 'ical:c' })]),
        CALENDAR_WINDOW,
        1,
        NOW,
      ),
    ).rejects.toMatchObject({ code: 'CALENDAR_NOT_IN_SCOPE' });
  });

  it('serialises the writers of one mailbox (its round and a write from Rox), not of two', async () => {
    const orgId = newOrgId();
    const holder = orm.em.fork();
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const locked = new Promise<void>((resolve) => {
      void holder.transactional(async (em) => {
        await em.execute(MAILBOX_LINKS_LOCK_SQL, [orgId, 'pat']);
        resolve();
        await released;
      });
    });
    await locked;
    const settledSoon = (p: Promise<unknown>) =>
      Promise.race([p.then(() => 'done'), new Promise((r) => setTimeout(() => r('waiting'), 300))]);
    try {
      // Another mailbox is not held up (the test pool has two connections: one at a time here).
      expect(await settledSoon(apply(orgId, 'sam', page([buildEventCopy('sam-1')])))).toBe('done');
      const pat = apply(orgId, 'pat', page([buildEventCopy('pat-1')]));
      expect(await settledSoon(pat)).toBe('waiting');
      release();
      await pat;
    } finally {
      release();
    }
    expect(await repo().countLinks(orgId, 'pat')).toBe(1);
  });

  it('purges one mailbox (counts, orphaned events only) and an org table by table', async () => {
    const orgId = newOrgId();
    const other = newOrgId();
    for (const o of [orgId, other]) {
      await apply(
        o,
        'pat',
        page([buildEventCopy('pat-shared', { dedupeKey: 'ical:shared' }), buildEventCopy('own')], {
          masters: [{ graphId: 'master-1', changeKey: 'mk', fields: buildSeriesFields() }],
        }),
      );
      await apply(
        o,
        'sam',
        page([buildEventCopy('sam-shared', { dedupeKey: 'ical:shared', isOrganizer: false })]),
      );
      const channel = await repo().channel(o, 'pat');
      await repo().saveChannel(channel);
      const em = orm.em.fork();
      em.persist(buildCalendarWrite({ orgId: o, idempotencyKey: 'k1' }));
      em.persist(buildCalendarWrite({ orgId: o, idempotencyKey: 'k2', roxUserId: 'sam' }));
      await em.flush();
    }
    const own = await event(orgId, 'ical:own');
    const feedBefore = (await feed(orgId)).length;

    expect(await repo().purgeMailbox(orgId, 'pat', NOW)).toEqual({
      links: 2,
      events: 1,
      series: 1,
      channels: 1,
    });
    expect((await feed(orgId)).slice(feedBefore)).toEqual([[own?.id, 'deleted']]);
    expect(await linkOwners(orgId, 'ical:shared')).toEqual(['sam']);
    expect(await repo().purgeMailbox(orgId, 'pat', NOW)).toEqual({
      links: 0,
      events: 0,
      series: 0,
      channels: 0,
    });
    expect(await repo().purgeMemberWrites(orgId, 'pat')).toBe(1);
    expect(await repo().purgeMemberWrites(orgId, 'pat')).toBe(0);

    // Pat's count went with Pat's links; Sam's stays, and is what the org purge counts first.
    expect(await repo().countLinks(orgId, 'pat')).toBe(0);
    expect(await repo().linkCounts(orgId, ['pat', 'sam'])).toEqual(new Map([['sam', 1]]));
    // Org purge: what is left of this org, table by table.
    expect(await repo().purgeOrgLinkCounts(orgId)).toBe(1);
    expect(await repo().purgeOrgTable(orgId, 'calendar_event_link')).toBe(1);
    expect(await repo().purgeOrgLinkCounts(orgId)).toBe(0);
    expect(await repo().purgeOrgTable(orgId, 'calendar_event')).toBe(1);
    expect(await repo().purgeOrgTable(orgId, 'calendar_series')).toBe(0);
    expect(await repo().purgeOrgTable(orgId, 'calendar_channel')).toBe(0);
    expect(await repo().purgeOrgTable(orgId, 'calendar_change')).toBe(feedBefore + 1);
    expect(await repo().purgeOrgTable(orgId, 'calendar_write')).toBe(1);

    // The other org still has everything.
    expect((await repo().channelWithCount(other, 'pat')).eventCount).toBe(2);
    expect(await linkOwners(other, 'ical:shared')).toEqual(['pat', 'sam']);
    expect((await repo().channelWithCount(other, 'pat')).channel).not.toBeNull();
    expect((await repo().seriesByIds(other, 'pat', ['master-1'])).size).toBe(1);
    expect(await repo().purgeMemberWrites(other, 'pat')).toBe(1);
  });
  it('drops an event whose last two links two mailboxes remove at once (neither keeps it for the other)', async () => {
    const orgId = newOrgId();
    await apply(orgId, 'pat', page([buildEventCopy('pat-shared', { dedupeKey: 'ical:shared' })]));
    await apply(
      orgId,
      'sam',
      page([buildEventCopy('sam-shared', { dedupeKey: 'ical:shared', isOrganizer: false })]),
    );
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    let patDone = () => {};
    const patRemoved = new Promise<void>((resolve) => (patDone = resolve));
    // Pat's removal stays uncommitted while Sam's runs.
    const pat = orm.em.fork().transactional(async (em) => {
      await new CalendarRepository(em).purgeMailbox(orgId, 'pat', NOW);
      patDone();
      await held;
    });
    await patRemoved;
    const sam = repo().purgeMailbox(orgId, 'sam', NOW);
    // Sam either waits for Pat's transaction or (the old race) finishes without it.
    let settled = false;
    const stop = () => (settled = true);
    void sam.then(stop, stop);
    // Pat and Sam hold this file's two pooled connections: the watcher needs its own.
    const watcher = await openTestOrm();
    const waiting = async () => {
      while (!settled) {
        const [row] = await watcher.em
          .fork()
          .getConnection()
          .execute<{ n: number }[]>(
            `select count(*)::int as n from pg_stat_activity
              where wait_event_type = 'Lock' and query like '%from calendar_event where org_id%for update%'`,
          );
        if ((row?.n ?? 0) > 0) return;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };
    await waiting().finally(() => watcher.close(true));
    release();
    await pat;
    expect((await sam).events).toBe(1);
    expect(await event(orgId, 'ical:shared')).toBeNull();
  });

  it('purges events and series with a restricted participant (organiser or attendee, subdomains, users), keeps state and resets cursors', async () => {
    const orgId = newOrgId();
    const other = newOrgId();
    const attendee = (email: string) => ({
      email,
      name: null,
      type: 'required' as const,
      response: null,
    });
    for (const o of [orgId, other]) {
      await apply(
        o,
        'pat',
        page(
          [
            buildEventCopy('clean', { fields: { attendees: [attendee('sam@contoso.com')] } }),
            buildEventCopy('by-partner', { fields: { organizer: 'ann@sub.partner.example' } }),
            buildEventCopy('with-partner', {
              fields: { attendees: [attendee('bob@partner.example')] },
            }),
            buildEventCopy('with-rita', { fields: { attendees: [attendee('rita@contoso.com')] } }),
            // Only ends with the same letters: not restricted.
            buildEventCopy('lookalike', {
              fields: { attendees: [attendee('x@notpartner.example')] },
            }),
          ],
          {
            masters: [
              {
                graphId: 'partner-series',
                changeKey: 'mk',
                fields: buildSeriesFields({ attendees: [attendee('bob@partner.example')] }),
              },
              { graphId: 'clean-series', changeKey: 'mk', fields: buildSeriesFields() },
            ],
          },
        ),
      );
      await apply(
        o,
        'sam',
        page([buildEventCopy('sam-copy', { dedupeKey: 'ical:with-partner', isOrganizer: false })]),
      );
    }
    const doomed = await Promise.all(
      ['ical:by-partner', 'ical:with-partner', 'ical:with-rita'].map((k) => event(orgId, k)),
    );
    const feedBefore = (await feed(orgId)).length;

    expect(await repo().purgeRestricted(orgId, [], [], NOW)).toEqual({
      events: 0,
      links: 0,
      series: 0,
    });
    expect(
      await repo().purgeRestricted(orgId, ['partner.example'], ['rita@contoso.com'], NOW),
    ).toEqual({ events: 3, links: 4, series: 1 });
    expect((await feed(orgId)).slice(feedBefore).map(([, c]) => c)).toEqual([
      'deleted',
      'deleted',
      'deleted',
    ]);
    expect(new Set((await feed(orgId)).slice(feedBefore).map(([id]) => id))).toEqual(
      new Set(doomed.map((e) => e?.id)),
    );
    for (const key of ['ical:clean', 'ical:lookalike'])
      expect(await event(orgId, key)).not.toBeNull();
    expect([
      ...(await repo().seriesByIds(orgId, 'pat', ['partner-series', 'clean-series'])).keys(),
    ]).toEqual(['clean-series']);
    // The other org is untouched.
    expect(await event(other, 'ical:with-partner')).not.toBeNull();
    expect((await repo().channelWithCount(other, 'pat')).eventCount).toBe(5);

    // The lists last applied, per org; a reset makes every channel of the org start over.
    const state = await repo().orgState(orgId);
    expect(state.checkedAt).toBeNull();
    state.restrictedDomains = ['partner.example'];
    state.checkedAt = NOW;
    await repo().saveOrgState(state);
    expect((await repo().orgState(orgId)).restrictedDomains).toEqual(['partner.example']);
    for (const [o, who] of [
      [orgId, 'pat'],
      [orgId, 'sam'],
      [other, 'pat'],
    ] as const) {
      const channel = await repo().channel(o, who);
      channel.cursor = `https://graph.example/delta?${who}`;
      channel.cursorAt = NOW;
      await repo().saveChannel(channel);
    }
    expect(await repo().resetCursors(orgId)).toBe(2);
    expect((await repo().channelWithCount(orgId, 'sam')).channel?.cursor).toBeNull();
    expect((await repo().channelWithCount(other, 'pat')).channel?.cursor).not.toBeNull();
    expect(await repo().purgeOrgTable(orgId, 'calendar_org_state')).toBe(1);
  });
});
