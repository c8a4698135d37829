import { randomUUID } from 'node:crypto';

import { type EventCopy, type EventFields } from '../../src/calendar/calendar.mapper';
import { type SeriesFields } from '../../src/calendar/entities/calendar-series.entity';
import { CalendarWrite } from '../../src/calendar/entities/calendar-write.entity';
import { FACTORY_NOW } from './member.factory';

/** A UTC instant on 1 December 2026 at `hour`:`minute`. */
export function dec1(hour: number, minute = 0): Date {
  return new Date(Date.UTC(2026, 11, 1, hour, minute));
}

/** The window a test channel's delta token covers: all of November to January. */
export const CALENDAR_WINDOW = {
  start: new Date('2026-11-01T00:00:00Z'),
  end: new Date('2027-02-01T00:00:00Z'),
};

/** One mailbox's copy of a single meeting (9:00–10:00 on 1 December), keyed by `ical:<graphId>`. */
export function buildEventCopy(
  graphId: string,
  over: Partial<Omit<EventCopy, 'fields'>> & { fields?: Partial<EventFields> } = {},
): EventCopy {
  const { fields, ...rest } = over;
  return {
    graphId,
    seriesMasterId: null,
    changeKey: `ck-${graphId}-1`,
    isOrganizer: true,
    response: 'organizer',
    dedupeKey: `ical:${graphId}`,
    transactionId: null,
    ...rest,
    fields: {
      iCalUId: graphId,
      seriesICalUId: null,
      originalStart: null,
      kind: 'single',
      isCancelled: false,
      isPrivate: false,
      isAllDay: false,
      startAt: dec1(9),
      endAt: dec1(10),
      startDate: null,
      endDate: null,
      timeZone: 'Europe/Berlin',
      subject: `Meeting ${graphId}`,
      bodySealed: null,
      location: null,
      joinUrl: null,
      showAs: 'busy',
      organizer: 'pat@contoso.com',
      attendees: [],
      ...fields,
    },
  };
}

/** What a weekly series master passes on to its occurrences. */
export function buildSeriesFields(over: Partial<SeriesFields> = {}): SeriesFields {
  return {
    iCalUId: 'series-ical',
    subject: 'Weekly sync',
    bodySealed: null,
    location: null,
    joinUrl: null,
    showAs: 'busy',
    organizer: 'pat@contoso.com',
    attendees: [],
    sensitivity: 'normal',
    isCancelled: false,
    isOrganizer: true,
    isAllDay: false,
    timeZone: 'Europe/Berlin',
    ...over,
  };
}

/** A queued Rox → Outlook write of `roxUserId` with a fresh id. */
export function buildCalendarWrite(
  over: Partial<ConstructorParameters<typeof CalendarWrite>[0]> & {
    orgId: string;
    idempotencyKey: string;
    transactionId?: string;
  },
): CalendarWrite {
  const { transactionId, ...fields } = over;
  const write = new CalendarWrite({
    id: randomUUID(),
    roxUserId: 'pat',
    operation: 'update',
    eventId: randomUUID(),
    request: { subject: 'Renamed' },
    createdAt: FACTORY_NOW,
    ...fields,
  });
  write.transactionId = transactionId ?? null;
  return write;
}
