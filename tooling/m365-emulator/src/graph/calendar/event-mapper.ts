import type { EventRecord } from '../../state/model';
import { formatInZone } from '../../util/timezone';
import type { Instance } from './recurrence';

function dateTimeTz(
  utcIso: string,
  zone: string,
  allDay: boolean,
  originalZone: string,
): { dateTime: string; timeZone: string } {
  // All-day events are floating dates: midnight in the zone they were created in.
  const wall = allDay
    ? formatInZone(Date.parse(utcIso), originalZone)
    : formatInZone(Date.parse(utcIso), zone);
  return { dateTime: wall, timeZone: zone };
}

function stripHtml(html: string): string {
  return html
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Graph event JSON. `instance` shapes an occurrence/exception; `skeletal` gives the delta form of occurrences. */
export function eventToGraph(
  e: EventRecord,
  zone: string,
  instance?: Instance,
  skeletal = false,
): Record<string, unknown> {
  const type = instance ? instance.type : e.recurrence ? 'seriesMaster' : 'singleInstance';
  const id = instance?.id ?? e.id;
  const changeKey = instance?.changeKey ?? e.changeKey;
  const startUtc = instance?.startUtc ?? e.startUtc;
  const endUtc = instance?.endUtc ?? e.endUtc;
  const start = dateTimeTz(startUtc, zone, e.isAllDay, e.originalStartTimeZone);
  const end = dateTimeTz(endUtc, zone, e.isAllDay, e.originalEndTimeZone);
  const seriesMasterId = instance && instance.type !== 'singleInstance' ? e.id : null;
  if (skeletal) {
    return {
      '@odata.type': '#microsoft.graph.event',
      '@odata.etag': `W/"${changeKey}"`,
      id,
      seriesMasterId,
      type,
      start,
      end,
    };
  }
  return {
    '@odata.type': '#microsoft.graph.event',
    '@odata.etag': `W/"${changeKey}"`,
    id,
    createdDateTime: e.createdDateTime,
    lastModifiedDateTime: instance?.lastModifiedDateTime ?? e.lastModifiedDateTime,
    changeKey,
    categories: e.categories,
    transactionId: e.transactionId,
    originalStartTimeZone: e.originalStartTimeZone,
    originalEndTimeZone: e.originalEndTimeZone,
    iCalUId: instance?.originalStartUtc
      ? `${e.iCalUId}${instance.originalStartUtc.replace(/\D/g, '').slice(0, 8)}`
      : e.iCalUId,
    reminderMinutesBeforeStart: 15,
    isReminderOn: true,
    hasAttachments: false,
    subject: instance?.subject ?? e.subject,
    bodyPreview: stripHtml(e.bodyHtml).slice(0, 255),
    importance: e.importance,
    sensitivity: e.sensitivity,
    isAllDay: e.isAllDay,
    isCancelled: instance?.isCancelled ?? e.isCancelled,
    isOrganizer: e.isOrganizer ?? true,
    responseRequested: true,
    seriesMasterId,
    showAs: e.showAs,
    type,
    webLink: `https://outlook.office365.com/owa/?itemid=${encodeURIComponent(id)}&exvsurl=1&path=/calendar/item`,
    onlineMeetingUrl: null,
    isOnlineMeeting: e.isOnlineMeeting,
    onlineMeetingProvider: e.onlineMeetingProvider,
    allowNewTimeProposals: true,
    isDraft: false,
    hideAttendees: false,
    ...(instance?.originalStartUtc ? { originalStart: instance.originalStartUtc } : {}),
    responseStatus:
      (e.isOrganizer ?? true)
        ? { response: 'organizer', time: '0001-01-01T00:00:00Z' }
        : (e.responseStatus ?? { response: 'notResponded', time: '0001-01-01T00:00:00Z' }),
    body: { contentType: 'html', content: e.bodyHtml },
    start,
    end,
    location: {
      displayName: e.location,
      locationType: 'default',
      uniqueIdType: 'unknown',
      address: {},
      coordinates: {},
    },
    locations: e.location
      ? [{ displayName: e.location, locationType: 'default', uniqueIdType: 'unknown' }]
      : [],
    recurrence: instance ? null : e.recurrence,
    attendees: e.attendees,
    organizer: { emailAddress: e.organizer },
    onlineMeeting: e.joinUrl ? { joinUrl: e.joinUrl } : null,
  };
}
