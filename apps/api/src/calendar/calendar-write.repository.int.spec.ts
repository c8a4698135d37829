import { randomUUID } from 'node:crypto';

import { type MikroORM } from '@mikro-orm/postgresql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  buildCalendarWrite,
  buildEventCopy,
  CALENDAR_WINDOW,
} from '../../test/factories/calendar.factory';
import { ensureMailbox } from '../../test/factories/mailbox.factory';
import { openTestOrm } from '../../test/factories/test-orm';
import { newOrgId } from '../../test/support/test-env';
import { CalendarWriteRepository } from './calendar-write.repository';
import { CalendarRepository } from './calendar.repository';
import { CalendarWrite } from './entities/calendar-write.entity';

const NOW = new Date('2026-11-28T10:00:00Z');
const DONE = new Date('2026-11-28T10:00:05Z');

describe('CalendarWriteRepository on Postgres', () => {
  let orm: MikroORM;
  const repo = () => new CalendarWriteRepository(orm.em.fork());
  const countRows = (orgId: string) => orm.em.fork().count(CalendarWrite, { orgId });

  beforeAll(async () => {
    orm = await openTestOrm();
  });
  afterAll(() => orm.close(true));

  it('stores a write once per member calendar and idempotency key, and finds it by key and by id', async () => {
    const orgId = newOrgId();
    const other = newOrgId();
    const write = buildCalendarWrite({ orgId, idempotencyKey: 'key-1' });
    expect(await repo().insert(write)).toBe(write);
    // The same key in another org is another write.
    const elsewhere = buildCalendarWrite({ orgId: other, idempotencyKey: 'key-1' });
    expect((await repo().insert(elsewhere)).id).toBe(elsewhere.id);
    // So is the same key for another member's calendar: keys belong to one member.
    const sams = buildCalendarWrite({ orgId, roxUserId: 'sam', idempotencyKey: 'key-1' });
    expect((await repo().insert(sams)).id).toBe(sams.id);
    expect((await repo().byKey(orgId, 'sam', 'key-1'))?.id).toBe(sams.id);
    // The same member's key again answers the row that holds it.
    const again = buildCalendarWrite({ orgId, idempotencyKey: 'key-1' });
    expect((await repo().insert(again)).id).toBe(write.id);

    expect(await repo().byKey(orgId, 'pat', 'key-1')).toMatchObject({
      id: write.id,
      status: 'queued',
      request: { subject: 'Renamed' },
    });
    expect(await repo().byKey(orgId, 'pat', 'key-2')).toBeNull();
    expect((await repo().byId(orgId, write.id))?.idempotencyKey).toBe('key-1');
    // Scoped by org for callers; the worker (no org) finds it by id alone.
    expect(await repo().byId(other, write.id)).toBeNull();
    expect((await repo().byId(null, write.id))?.orgId).toBe(orgId);
    expect(await repo().byId(null, randomUUID())).toBeNull();
  });

  it('a second insert of a key answers the write already stored, also when both race', async () => {
    const orgId = newOrgId();
    const first = buildCalendarWrite({ orgId, idempotencyKey: 'retry' });
    await repo().insert(first);
    const again = buildCalendarWrite({ orgId, idempotencyKey: 'retry', request: { x: 1 } });
    const answered = await repo().insert(again);
    expect(answered.id).toBe(first.id);
    expect(answered.request).toEqual({ subject: 'Renamed' });

    const a = buildCalendarWrite({ orgId, idempotencyKey: 'race', request: { n: 1 } });
    const b = buildCalendarWrite({ orgId, idempotencyKey: 'race', request: { n: 2 } });
    const [ra, rb] = await Promise.all([repo().insert(a), repo().insert(b)]);
    expect(ra.id).toBe(rb.id);
    expect([a.id, b.id]).toContain(ra.id);
    expect(await countRows(orgId)).toBe(2);
  });

  it('saves the progress of a loaded write', async () => {
    const orgId = newOrgId();
    const write = buildCalendarWrite({ orgId, idempotencyKey: 'progress' });
    await repo().insert(write);
    const writes = repo();
    const loaded = await writes.byId(null, write.id);
    if (!loaded) throw new Error('the write was not stored');
    loaded.status = 'succeeded';
    loaded.graphWrites = 1;
    loaded.graphId = 'AAMk-graph-id';
    loaded.resultChangeKey = 'ck-after-write';
    loaded.conflicts = [{ field: 'location', outlookValue: 'Room 2', roxValue: 'Room 1' }];
    loaded.finishedAt = DONE;
    await writes.save(loaded);
    expect(await repo().byKey(orgId, 'pat', 'progress')).toMatchObject({
      status: 'succeeded',
      graphWrites: 1,
      graphId: 'AAMk-graph-id',
      resultChangeKey: 'ck-after-write',
      conflicts: [{ field: 'location', outlookValue: 'Room 2', roxValue: 'Room 1' }],
      finishedAt: DONE,
    });
    expect(await countRows(orgId)).toBe(1);
  });

  it("finds a member's copy of a Rox event with the event, and nobody else's", async () => {
    const orgId = newOrgId();
    const other = newOrgId();
    const calendar = () => new CalendarRepository(orm.em.fork());
    const eventId = randomUUID();
    for (const member of ['pat', 'sam']) await ensureMailbox(orm.em, orgId, member);
    await calendar().applyPage(
      orgId,
      'pat',
      {
        masters: [],
        copies: [buildEventCopy('pat-copy', { dedupeKey: 'ical:m' })],
        removedIds: [],
        newEventIds: new Map([['pat-copy', eventId]]),
      },
      CALENDAR_WINDOW,
      1,
      NOW,
    );
    await calendar().applyPage(
      orgId,
      'sam',
      {
        masters: [],
        copies: [buildEventCopy('sam-copy', { dedupeKey: 'ical:m', isOrganizer: false })],
        removedIds: [],
      },
      CALENDAR_WINDOW,
      1,
      NOW,
    );
    const pat = await repo().copyOf(orgId, 'pat', eventId);
    expect(pat?.link).toMatchObject({ graphId: 'pat-copy', isOrganizer: true });
    expect(pat?.event).toMatchObject({ id: eventId, subject: 'Meeting pat-copy' });
    expect((await repo().copyOf(orgId, 'sam', eventId))?.link).toMatchObject({
      graphId: 'sam-copy',
      isOrganizer: false,
    });
    expect(await repo().copyOf(orgId, 'kim', eventId)).toBeNull();
    expect(await repo().copyOf(other, 'pat', eventId)).toBeNull();
    expect(await repo().copyOf(orgId, 'pat', randomUUID())).toBeNull();

    // A link whose event is gone is no copy.
    await calendar().purgeOrgTable(orgId, 'calendar_event');
    expect(await repo().copyOf(orgId, 'pat', eventId)).toBeNull();
  });
});
