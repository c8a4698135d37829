import { z } from 'zod';

import { DateTimeInputSchema } from '../common/datetime.schema';
import { pageOf } from '../common/paging.schema';
import { RoxUserIdSchema } from '../members/members.schema';

// ---- events ------------------------------------------------------------------------------------

export const CalendarAttendeeSchema = z.object({
  email: z.string(),
  name: z.string().nullable(),
  type: z.enum(['required', 'optional', 'resource']).nullable(),
  response: z.string().nullable(),
});
export type CalendarAttendee = z.infer<typeof CalendarAttendeeSchema>;

export const CalendarEventSchema = z
  .object({
    id: z.string().describe('Rox event id: one per meeting across every in-scope mailbox'),
    iCalUId: z.string().nullable(),
    seriesICalUId: z
      .string()
      .nullable()
      .describe('The series master’s iCalUId, for occurrences and exceptions'),
    originalStart: z.iso.datetime().nullable().describe('Occurrences: the slot in the series'),
    kind: z.enum(['single', 'occurrence', 'exception']),
    status: z.enum(['confirmed', 'cancelled']),
    isPrivate: z
      .boolean()
      .describe('Private, personal or confidential in Outlook: a busy block with no details'),
    isAllDay: z.boolean(),
    start: z.iso.datetime().describe('UTC instant (all-day: midnight UTC of startDate)'),
    end: z.iso.datetime(),
    startDate: z.string().nullable().describe('All-day only: first day (YYYY-MM-DD)'),
    endDate: z.string().nullable().describe('All-day only: day after the last (exclusive)'),
    timeZone: z.string().nullable().describe('The zone Outlook created it in, as an IANA name'),
    subject: z.string().nullable(),
    location: z.string().nullable(),
    joinUrl: z.string().nullable(),
    showAs: z.string().nullable(),
    organizer: z.string().nullable(),
    attendees: z.array(CalendarAttendeeSchema),
    mailboxes: z
      .array(
        z.object({
          roxUserId: z.string(),
          isOrganizer: z.boolean(),
          response: z.string().nullable(),
        }),
      )
      .describe('The in-scope mailboxes holding a copy'),
    updatedAt: z.iso.datetime(),
  })
  .meta({ id: 'CalendarEvent' });
export type CalendarEvent = z.infer<typeof CalendarEventSchema>;

export const ListCalendarEventsQuerySchema = z
  .object({
    from: DateTimeInputSchema,
    to: DateTimeInputSchema,
    cursor: z.string().min(1).max(200).optional(),
    limit: z.coerce.number().int().min(1).max(200).default(100),
  })
  .refine((q) => Date.parse(q.from) < Date.parse(q.to), {
    message: 'from must be before to',
    path: ['to'],
  })
  .refine((q) => Date.parse(q.to) - Date.parse(q.from) <= 500 * 86_400_000, {
    message: 'the range may span at most 500 days',
    path: ['to'],
  });
export type ListCalendarEventsQuery = z.infer<typeof ListCalendarEventsQuerySchema>;

export const CalendarEventPageSchema = pageOf(CalendarEventSchema).meta({
  id: 'CalendarEventPage',
});
export type CalendarEventPage = z.infer<typeof CalendarEventPageSchema>;

export const CalendarMemberParamsSchema = z.object({ roxUserId: RoxUserIdSchema });
export type CalendarMemberParams = z.infer<typeof CalendarMemberParamsSchema>;

// ---- change feed -------------------------------------------------------------------------------

export const CalendarChangeSchema = z
  .object({
    sequence: z.string().describe('Commit order within the org (a decimal integer)'),
    change: z.enum(['created', 'updated', 'deleted']),
    eventId: z.string(),
    at: z.iso.datetime(),
    event: CalendarEventSchema.nullable().describe('The event as it is now; null once deleted'),
  })
  .meta({ id: 'CalendarChange' });
export type CalendarChange = z.infer<typeof CalendarChangeSchema>;

export const CalendarChangesQuerySchema = z.object({
  cursor: z
    .string()
    .regex(/^\d{1,18}$/, 'a sequence number from a previous page')
    .optional()
    .describe('The nextCursor of the previous page; omit to start at the beginning'),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
export type CalendarChangesQuery = z.infer<typeof CalendarChangesQuerySchema>;

export const CalendarChangePageSchema = z
  .object({
    items: z.array(CalendarChangeSchema),
    nextCursor: z
      .string()
      .describe('Always present: pass it back to resume after the last change returned'),
    hasMore: z.boolean(),
  })
  .meta({ id: 'CalendarChangePage' });
export type CalendarChangePage = z.infer<typeof CalendarChangePageSchema>;

// ---- channel status ----------------------------------------------------------------------------

/**
 * Why Rox writes a mailbox's events in UTC instead of its own zone: `mailbox_time_zone_unavailable`
 * when Graph refused the mailbox settings (403: MailboxSettings.Read not granted; 404: no
 * settings), `mailbox_time_zone_unconvertible` when the zone is a custom or unknown one.
 */
export const WriteTimeZoneIssueSchema = z
  .enum(['mailbox_time_zone_unavailable', 'mailbox_time_zone_unconvertible'])
  .meta({ id: 'WriteTimeZoneIssue' });
export type WriteTimeZoneIssue = z.infer<typeof WriteTimeZoneIssueSchema>;

export const CalendarWriteTimeZoneSchema = z
  .object({
    zone: z
      .string()
      .describe('The zone name Rox sends Outlook with event times (UTC on a fallback)'),
    issue: WriteTimeZoneIssueSchema.nullable().describe(
      'Why it is UTC; null when it is the mailbox’s own zone',
    ),
    reason: z.string().nullable(),
    nextAction: z.string().nullable(),
    checkedAt: z.iso.datetime().describe('When Rox last read the mailbox’s zone'),
  })
  .meta({ id: 'CalendarWriteTimeZone' });
export type CalendarWriteTimeZone = z.infer<typeof CalendarWriteTimeZoneSchema>;

export const CalendarChannelStatusSchema = z
  .object({
    roxUserId: z.string(),
    email: z.string().nullable(),
    inScope: z.boolean(),
    level: z.string().describe('Effective calendar level: off, read or read_write'),
    stage: z.enum(['never', 'queued', 'running', 'ok', 'failed']),
    status: z.enum([
      'not_in_scope',
      'pending',
      'syncing',
      'ok',
      'stale',
      'throttled',
      'blocked_by_access_policy',
      'no_mailbox',
      'failed',
    ]),
    reason: z.string().nullable(),
    nextAction: z.string().nullable(),
    lastSuccessAt: z.iso.datetime().nullable(),
    cursorAgeHours: z.number().nullable(),
    window: z.object({ start: z.iso.datetime(), end: z.iso.datetime() }).nullable(),
    eventCount: z.number().int(),
    lastCounts: z.object({
      added: z.number().int(),
      updated: z.number().int(),
      removed: z.number().int(),
      total: z.number().int(),
    }),
    writeTimeZone: CalendarWriteTimeZoneSchema.nullable().describe(
      'The zone Rox writes this mailbox’s events in (CAL-W1), as the last create or update found it; null before any',
    ),
  })
  .meta({ id: 'CalendarChannelStatus' });
export type CalendarChannelStatus = z.infer<typeof CalendarChannelStatusSchema>;

export const CalendarChannelStatusPageSchema = pageOf(CalendarChannelStatusSchema).meta({
  id: 'CalendarChannelStatusPage',
});
export type CalendarChannelStatusPage = z.infer<typeof CalendarChannelStatusPageSchema>;

export const MyCalendarSyncSchema = z
  .object({
    channel: CalendarChannelStatusSchema,
    recentEvents: z.array(CalendarEventSchema).describe('The last few events synced'),
  })
  .meta({ id: 'MyCalendarSync' });
export type MyCalendarSync = z.infer<typeof MyCalendarSyncSchema>;
