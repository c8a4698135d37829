import {
  type CalendarAttendee,
  type CalendarEvent as CalendarEventContract,
} from '@rox365/contracts';
import { type CalendarGraphEvent } from '@rox365/graph-client';

import { normalizeMailAddress } from '../mailboxes/participant-restrictions';
import { graphDateOnly, graphDateTimeToUtc, toIanaZone } from './calendar-time';
import {
  type CalendarEvent,
  type ListedEvent,
  type StoredAttendee,
} from './entities/calendar-event.entity';
import { type SeriesFields } from './entities/calendar-series.entity';

const PRIVATE_SENSITIVITIES = new Set(['private', 'personal', 'confidential']);

/** What one mailbox's copy of an event says, ready to store (body already sealed). */
export interface EventCopy {
  graphId: string;
  seriesMasterId: string | null;
  changeKey: string | null;
  isOrganizer: boolean;
  response: string | null;
  dedupeKey: string;
  /** The transactionId the event was created with (Graph returns it only when one was set). */
  transactionId: string | null;
  fields: EventFields;
}

/** The Rox event's own fields. */
export interface EventFields {
  iCalUId: string | null;
  seriesICalUId: string | null;
  originalStart: Date | null;
  kind: 'single' | 'occurrence' | 'exception';
  isCancelled: boolean;
  isPrivate: boolean;
  isAllDay: boolean;
  startAt: Date;
  endAt: Date;
  startDate: string | null;
  endDate: string | null;
  timeZone: string | null;
  subject: string | null;
  bodySealed: string | null;
  location: string | null;
  joinUrl: string | null;
  showAs: string | null;
  organizer: string | null;
  attendees: StoredAttendee[];
}

type Seal = (plaintext: string) => string;

function attendeesOf(event: Pick<CalendarGraphEvent, 'attendees'>): StoredAttendee[] {
  return (event.attendees ?? [])
    .filter((a) => a.emailAddress?.address)
    .map((a) => ({
      // Addresses are compared lower-cased and trimmed everywhere (scope, dedupe, participants).
      email: (a.emailAddress.address ?? '').trim().toLowerCase(),
      name: a.emailAddress.name ?? null,
      type: a.type ?? null,
      response: a.status?.response ?? null,
    }));
}

function changeKeyOf(event: CalendarGraphEvent): string | null {
  if (event.changeKey) return event.changeKey;
  const etag = event['@odata.etag'];
  const match = etag ? /^W\/"(.*)"$/.exec(etag) : null;
  return match?.[1] ?? null;
}

/** What a series master passes on to its occurrences (in one mailbox). */
export function seriesFieldsOf(master: CalendarGraphEvent, seal: Seal): SeriesFields {
  return {
    iCalUId: master.iCalUId ?? null,
    subject: master.subject ?? null,
    bodySealed: master.body?.content ? seal(master.body.content) : null,
    location: master.location?.displayName || null,
    joinUrl: master.onlineMeeting?.joinUrl ?? null,
    showAs: master.showAs ?? null,
    organizer: master.organizer?.emailAddress?.address?.trim().toLowerCase() ?? null,
    attendees: attendeesOf(master),
    sensitivity: master.sensitivity ?? null,
    isCancelled: master.isCancelled ?? false,
    isOrganizer: master.isOrganizer ?? false,
    isAllDay: master.isAllDay ?? false,
    timeZone: toIanaZone(master.originalStartTimeZone),
  };
}

/**
 * One mailbox's copy of a single event, occurrence or exception as a Rox event. Occurrences
 * (skeletal in calendarView delta) take everything but their id and times from the master;
 * exceptions keep their own fields. Private, personal and confidential events become busy
 * blocks: times and showAs only.
 */
export function toEventCopy(
  event: CalendarGraphEvent,
  series: SeriesFields | null,
  seal: Seal,
): EventCopy {
  if (!event.start || !event.end) throw new RangeError(`Event ${event.id} has no start or end`);
  const type = event.type ?? 'singleInstance';
  const isInstance = type === 'occurrence' || type === 'exception';
  const own: SeriesFields = type === 'occurrence' && series ? series : seriesFieldsOf(event, seal);
  const isAllDay = event.isAllDay ?? own.isAllDay;
  const startAt = isAllDay
    ? new Date(`${graphDateOnly(event.start)}T00:00:00Z`)
    : graphDateTimeToUtc(event.start);
  const endAt = isAllDay
    ? new Date(`${graphDateOnly(event.end)}T00:00:00Z`)
    : graphDateTimeToUtc(event.end);
  const seriesICalUId = isInstance ? (series?.iCalUId ?? null) : null;
  // An occurrence's original start is its start; an exception names it.
  const originalStart = isInstance
    ? event.originalStart
      ? new Date(event.originalStart)
      : startAt
    : null;
  const iCalUId = type === 'occurrence' ? null : (event.iCalUId ?? null);
  const dedupeKey =
    isInstance && seriesICalUId && originalStart
      ? `series:${seriesICalUId}|${originalStart.toISOString()}`
      : iCalUId
        ? `ical:${iCalUId}`
        : `graph:${event.id}`;
  const sensitivity =
    type === 'occurrence' ? own.sensitivity : (event.sensitivity ?? own.sensitivity);
  const isPrivate = PRIVATE_SENSITIVITIES.has((sensitivity ?? 'normal').toLowerCase());
  const isCancelled = (event.isCancelled ?? false) || (type === 'occurrence' && own.isCancelled);
  const fields: EventFields = {
    iCalUId,
    seriesICalUId,
    originalStart,
    kind: type === 'occurrence' ? 'occurrence' : type === 'exception' ? 'exception' : 'single',
    isCancelled,
    isPrivate,
    isAllDay,
    startAt,
    endAt,
    startDate: isAllDay ? graphDateOnly(event.start) : null,
    endDate: isAllDay ? graphDateOnly(event.end) : null,
    timeZone:
      type === 'occurrence'
        ? own.timeZone
        : (toIanaZone(event.originalStartTimeZone) ?? own.timeZone),
    subject: isPrivate ? null : own.subject,
    bodySealed: isPrivate ? null : own.bodySealed,
    location: isPrivate ? null : own.location,
    joinUrl: isPrivate ? null : own.joinUrl,
    showAs: own.showAs,
    organizer: isPrivate ? null : own.organizer,
    attendees: isPrivate ? [] : (own.attendees as StoredAttendee[]),
  };
  return {
    graphId: event.id,
    seriesMasterId: isInstance ? (event.seriesMasterId ?? null) : null,
    changeKey: changeKeyOf(event),
    isOrganizer: event.isOrganizer ?? own.isOrganizer,
    response: event.responseStatus?.response ?? null,
    dedupeKey,
    transactionId: event.transactionId ?? null,
    fields,
  };
}

/** A series' people: its organiser and attendees (normalised addresses). */
export function seriesParticipants(series: SeriesFields): string[] {
  const out = new Set<string>();
  for (const a of [
    series.organizer,
    ...(series.attendees as StoredAttendee[]).map((x) => x.email),
  ]) {
    const address = normalizeMailAddress(a);
    if (address) out.add(address);
  }
  return [...out];
}

/**
 * Everyone taking part in one copy, read before the privacy rule drops them: the organiser and
 * attendees, for an occurrence its series'.
 */
export function eventParticipants(
  event: CalendarGraphEvent,
  series: SeriesFields | null,
): string[] {
  if (event.type === 'occurrence') return series ? seriesParticipants(series) : [];
  const out = new Set<string>();
  for (const a of [
    event.organizer?.emailAddress?.address,
    ...(event.attendees ?? []).map((x) => x.emailAddress?.address),
  ]) {
    const address = normalizeMailAddress(a);
    if (address) out.add(address);
  }
  return [...out];
}

/** Whether storing `next` over the stored row changes anything a reader sees. */
export function fieldsDiffer(row: CalendarEvent, next: EventFields): boolean {
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  return (
    row.isCancelled !== next.isCancelled ||
    row.isPrivate !== next.isPrivate ||
    row.isAllDay !== next.isAllDay ||
    row.startAt.getTime() !== next.startAt.getTime() ||
    row.endAt.getTime() !== next.endAt.getTime() ||
    row.timeZone !== next.timeZone ||
    row.subject !== next.subject ||
    row.location !== next.location ||
    row.joinUrl !== next.joinUrl ||
    row.showAs !== next.showAs ||
    row.organizer !== next.organizer ||
    !same(row.attendees, next.attendees) ||
    // Sealed bodies differ per seal (random IV): compare presence only; content changes come
    // with other changes or a new changeKey, which rewrites the row anyway.
    (row.bodySealed === null) !== (next.bodySealed === null)
  );
}

/** A stored Rox event as the API shows it. */
export function toCalendarEventContract(
  row: ListedEvent,
  links: readonly { roxUserId: string; isOrganizer: boolean; response: string | null }[],
): CalendarEventContract {
  return {
    id: row.id,
    iCalUId: row.iCalUId,
    seriesICalUId: row.seriesICalUId,
    originalStart: row.originalStart?.toISOString() ?? null,
    kind: row.kind,
    status: row.isCancelled ? 'cancelled' : 'confirmed',
    isPrivate: row.isPrivate,
    isAllDay: row.isAllDay,
    start: row.startAt.toISOString(),
    end: row.endAt.toISOString(),
    startDate: row.startDate,
    endDate: row.endDate,
    timeZone: row.timeZone,
    subject: row.subject,
    location: row.location,
    joinUrl: row.joinUrl,
    showAs: row.showAs,
    organizer: row.organizer,
    attendees: row.attendees.map((a): CalendarAttendee => ({
      email: a.email,
      name: a.name,
      type: a.type,
      response: a.response,
    })),
    mailboxes: links.map((l) => ({
      roxUserId: l.roxUserId,
      isOrganizer: l.isOrganizer,
      response: l.response,
    })),
    updatedAt: row.updatedAt.toISOString(),
  };
}
