import { randomBytes } from 'node:crypto';

import { isRecord } from '../../http/types';
import type { Mailbox } from '../../state/mailbox';
import type { Attendee, EventRecord, UserRecord } from '../../state/model';
import { hashHex } from '../../util/prng';
import { ianaZone, isoSeconds, wallTimeToUtcMs } from '../../util/timezone';
import { badRequest } from '../errors';
import type { ChangeEmitter } from '../mail/mail-actions';
import { mergeExtendedProperties } from './extended-properties';

export function newEventChangeKey(id: string): string {
  return `DwAAABYAAA${hashHex(id, Date.now(), randomBytes(4).toString('hex')).slice(0, 24)}`;
}

function dtz(v: unknown, name: string): { utc: string; zone: string } {
  if (!isRecord(v) || typeof v.dateTime !== 'string')
    throw badRequest(`${name} is required.`, 'ErrorInvalidRequest');
  const zone = typeof v.timeZone === 'string' ? v.timeZone : 'UTC';
  if (!ianaZone(zone))
    throw badRequest(
      `A valid TimeZone value must be specified. The following TimeZone value is not supported: '${zone}'.`,
      'TimeZoneNotSupportedException',
    );
  const ms = wallTimeToUtcMs(v.dateTime, zone);
  if (Number.isNaN(ms))
    throw badRequest(
      `Cannot convert the literal '${v.dateTime}' to the expected type 'Edm.DateTimeOffset'.`,
      'ErrorInvalidRequest',
    );
  return { utc: isoSeconds(ms), zone };
}

/** Attendees of a create or PATCH; people already invited keep the answer they gave. */
function attendees(v: unknown, before: Attendee[] = []): Attendee[] {
  if (!Array.isArray(v)) return [];
  const known = new Map(before.map((a) => [a.emailAddress.address.toLowerCase(), a.status]));
  return v.filter(isRecord).map((a) => {
    const ea = isRecord(a.emailAddress) ? a.emailAddress : {};
    const address = typeof ea.address === 'string' ? ea.address : '';
    const type = a.type === 'optional' || a.type === 'resource' ? a.type : 'required';
    return {
      type,
      status: known.get(address.toLowerCase()) ?? {
        response: 'none',
        time: '0001-01-01T00:00:00Z',
      },
      emailAddress: { name: typeof ea.name === 'string' ? ea.name : address, address },
    };
  });
}

/** Applies Graph event JSON (create or PATCH) onto a record. */
export function applyEventInput(base: EventRecord, body: Record<string, unknown>): EventRecord {
  const e: EventRecord = { ...base };
  if (typeof body.subject === 'string') e.subject = body.subject;
  if (
    typeof body.sensitivity === 'string' &&
    ['normal', 'personal', 'private', 'confidential'].includes(body.sensitivity)
  )
    e.sensitivity = body.sensitivity;
  if (typeof body.showAs === 'string') e.showAs = body.showAs;
  if (isRecord(body.body) && typeof body.body.content === 'string') e.bodyHtml = body.body.content;
  if (body.start !== undefined) {
    const s = dtz(body.start, 'Start');
    e.startUtc = s.utc;
    e.originalStartTimeZone = s.zone;
  }
  if (body.end !== undefined) {
    const en = dtz(body.end, 'End');
    e.endUtc = en.utc;
    e.originalEndTimeZone = en.zone;
  }
  if (typeof body.isAllDay === 'boolean') e.isAllDay = body.isAllDay;
  if (e.isAllDay) {
    const s = Date.parse(e.startUtc);
    const en = Date.parse(e.endUtc);
    const startMidnight = wallTimeToUtcMs(
      `${new Date(s).toISOString().slice(0, 10)}T00:00:00`,
      e.originalStartTimeZone,
    );
    if (
      s !== startMidnight &&
      isRecord(body.start) &&
      typeof body.start.dateTime === 'string' &&
      !/T00:00:00/.test(body.start.dateTime)
    ) {
      throw badRequest(
        "Your request can't be completed. If IsAllDay is true, the start and end times must be midnight in the same time zone.",
        'ErrorPropertyValidationFailure',
      );
    }
    if (en <= s)
      throw badRequest('The end time must be after the start time.', 'ErrorInvalidRequest');
  }
  if (typeof body.isOnlineMeeting === 'boolean') {
    e.isOnlineMeeting = body.isOnlineMeeting;
    if (body.isOnlineMeeting) {
      e.onlineMeetingProvider =
        typeof body.onlineMeetingProvider === 'string'
          ? body.onlineMeetingProvider
          : 'teamsForBusiness';
      e.joinUrl =
        e.joinUrl ??
        `https://teams.microsoft.com/l/meetup-join/19%3ameeting_${hashHex(e.id).slice(0, 24)}%40thread.v2/0`;
    }
  }
  if (isRecord(body.location) && typeof body.location.displayName === 'string')
    e.location = body.location.displayName;
  if (body.attendees !== undefined) e.attendees = attendees(body.attendees, base.attendees);
  if (typeof body.showAs === 'string') e.showAs = body.showAs;
  if (Array.isArray(body.categories)) e.categories = body.categories.map(String);
  if (body.recurrence === null) e.recurrence = null;
  else if (
    isRecord(body.recurrence) &&
    isRecord(body.recurrence.pattern) &&
    isRecord(body.recurrence.range)
  ) {
    e.recurrence = body.recurrence as unknown as EventRecord['recurrence'];
  }
  if (body.singleValueExtendedProperties !== undefined)
    e.extendedProperties = mergeExtendedProperties(
      e.extendedProperties ?? [],
      body.singleValueExtendedProperties,
    );
  if (Date.parse(e.endUtc) < Date.parse(e.startUtc))
    throw badRequest('The end time must be after the start time.', 'ErrorInvalidRequest');
  return e;
}

export function createEvent(
  tenantId: string,
  user: UserRecord,
  mailbox: Mailbox,
  body: Record<string, unknown>,
  nowMs: number,
  emit: ChangeEmitter,
): { event: EventRecord; created: boolean } {
  const transactionId = typeof body.transactionId === 'string' ? body.transactionId : null;
  if (transactionId) {
    const existingId = mailbox.transactionIds.get(transactionId);
    const existing = existingId ? mailbox.events.get(existingId) : undefined;
    if (existing) return { event: existing, created: false };
  }
  const id = mailbox.newId('event');
  const at = isoSeconds(nowMs);
  const blank: EventRecord = {
    id,
    iCalUId: `040000008200E00074C5B7101A82E008000000${hashHex(id).slice(0, 32).toUpperCase()}`,
    transactionId,
    subject: '',
    bodyHtml: '',
    startUtc: at,
    endUtc: at,
    originalStartTimeZone: 'UTC',
    originalEndTimeZone: 'UTC',
    isAllDay: false,
    isCancelled: false,
    isOnlineMeeting: false,
    onlineMeetingProvider: 'unknown',
    joinUrl: null,
    location: '',
    organizer: { name: user.displayName, address: user.mail ?? user.userPrincipalName },
    attendees: [],
    showAs: 'busy',
    sensitivity: 'normal',
    importance: 'normal',
    categories: [],
    createdDateTime: at,
    lastModifiedDateTime: at,
    changeKey: newEventChangeKey(id),
    recurrence: null,
    exceptions: {},
  };
  if (body.start === undefined || body.end === undefined)
    throw badRequest('Start and End are required.', 'ErrorInvalidRequest');
  const event = applyEventInput(blank, body);
  mailbox.events.put(event);
  if (transactionId) mailbox.transactionIds.set(transactionId, id);
  emit(tenantId, user.id, 'events', 'created', id);
  return { event, created: true };
}

export function updateEvent(
  tenantId: string,
  userId: string,
  mailbox: Mailbox,
  event: EventRecord,
  body: Record<string, unknown>,
  nowMs: number,
  emit: ChangeEmitter,
): EventRecord {
  const updated = {
    ...applyEventInput(event, body),
    lastModifiedDateTime: isoSeconds(nowMs),
    changeKey: newEventChangeKey(event.id),
  };
  mailbox.events.put(updated);
  emit(tenantId, userId, 'events', 'updated', event.id);
  return updated;
}

/**
 * Edits or deletes one occurrence of a series by recording an exception on the master. Exchange
 * keeps exceptions on the master item, so the master gets a new changeKey too.
 */
export function updateOccurrence(
  tenantId: string,
  userId: string,
  mailbox: Mailbox,
  master: EventRecord,
  originalStartUtc: string,
  change: {
    delete?: boolean;
    subject?: string;
    startUtc?: string;
    endUtc?: string;
    isCancelled?: boolean;
  },
  nowMs: number,
  emit: ChangeEmitter,
): EventRecord {
  const at = isoSeconds(nowMs);
  const previous = master.exceptions[originalStartUtc];
  const exception = change.delete
    ? { isDeleted: true, changeKey: newEventChangeKey(master.id), lastModifiedDateTime: at }
    : {
        ...(previous ?? {}),
        ...(change.subject !== undefined ? { subject: change.subject } : {}),
        ...(change.startUtc ? { startUtc: change.startUtc } : {}),
        ...(change.endUtc ? { endUtc: change.endUtc } : {}),
        ...(change.isCancelled !== undefined ? { isCancelled: change.isCancelled } : {}),
        changeKey: newEventChangeKey(master.id),
        lastModifiedDateTime: at,
      };
  const updated: EventRecord = {
    ...master,
    exceptions: { ...master.exceptions, [originalStartUtc]: exception },
    lastModifiedDateTime: at,
    changeKey: newEventChangeKey(master.id),
  };
  mailbox.events.put(updated);
  emit(tenantId, userId, 'events', 'updated', master.id);
  return updated;
}

export function deleteEvent(
  tenantId: string,
  userId: string,
  mailbox: Mailbox,
  event: EventRecord,
  emit: ChangeEmitter,
): void {
  mailbox.events.remove(event.id, 'deleted');
  emit(tenantId, userId, 'events', 'deleted', event.id);
}
