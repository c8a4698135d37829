import { z } from 'zod';

import { DateTimeInputSchema } from '../common/datetime.schema';
import { RoxUserIdSchema } from '../members/members.schema';
import { WriteTimeZoneIssueSchema } from './calendar.schema';

// ---- writes (Rox → Outlook, read_write level) --------------------------------------------------

const IdempotencyKeySchema = z
  .string()
  .min(8)
  .max(200)
  .regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces')
  .describe('The caller’s key: the same key returns the same write instead of a second one');

const EventFieldsSchema = z.object({
  subject: z.string().max(255),
  body: z.string().max(100_000).describe('Plain text'),
  start: DateTimeInputSchema,
  end: DateTimeInputSchema,
  location: z.string().max(255),
  attendees: z
    .array(z.object({ email: z.email(), type: z.enum(['required', 'optional']).optional() }))
    .max(500),
});

const DateOnlySchema = z.iso.date().describe('A calendar day (YYYY-MM-DD)');

/**
 * A timed event takes `start`/`end` (instants); an all-day event takes `startDate`/`endDate`
 * (days, end exclusive) and is written midnight to midnight in the mailbox's time zone.
 */
export const CreateCalendarEventRequestSchema = EventFieldsSchema.partial({
  body: true,
  location: true,
  attendees: true,
  start: true,
  end: true,
})
  .extend({
    startDate: DateOnlySchema.optional().describe('All-day: the first day'),
    endDate: DateOnlySchema.optional().describe('All-day: the day after the last (exclusive)'),
    idempotencyKey: IdempotencyKeySchema,
  })
  .strict()
  .superRefine((r, ctx) => {
    const timed = r.start !== undefined || r.end !== undefined;
    const allDay = r.startDate !== undefined || r.endDate !== undefined;
    const issue = (path: string, message: string) =>
      ctx.addIssue({ code: 'custom', path: [path], message });
    if (timed && allDay) {
      issue('startDate', 'give start/end (timed) or startDate/endDate (all-day), not both');
      return;
    }
    if (allDay) {
      if (r.startDate === undefined) issue('startDate', 'required with endDate');
      else if (r.endDate === undefined) issue('endDate', 'required with startDate');
      else if (r.endDate <= r.startDate) issue('endDate', 'endDate must be after startDate');
      return;
    }
    if (r.start === undefined) issue('start', 'required');
    else if (r.end === undefined) issue('end', 'required');
    else if (Date.parse(r.end) <= Date.parse(r.start)) issue('end', 'end must be after start');
  })
  .meta({ id: 'CreateCalendarEventRequest' });
export type CreateCalendarEventRequest = z.infer<typeof CreateCalendarEventRequestSchema>;

/**
 * Only the fields given are changed. `start`/`end` move a timed event (both turn an all-day event
 * into a timed one); `startDate`/`endDate` (both, end exclusive) move an all-day event or turn a
 * timed one into an all-day one. `attendees` is the whole new list.
 */
export const UpdateCalendarEventRequestSchema = EventFieldsSchema.partial()
  .extend({
    startDate: DateOnlySchema.optional().describe('All-day: the first day'),
    endDate: DateOnlySchema.optional().describe('All-day: the day after the last (exclusive)'),
    idempotencyKey: IdempotencyKeySchema,
    notifyAttendees: z
      .boolean()
      .optional()
      .describe(
        'Required (true) to move a meeting that has attendees or to change its attendees: they get mail',
      ),
  })
  .strict()
  .superRefine((r, ctx) => {
    const issue = (path: string, message: string) =>
      ctx.addIssue({ code: 'custom', path: [path], message });
    const timed = r.start !== undefined || r.end !== undefined;
    const allDay = r.startDate !== undefined || r.endDate !== undefined;
    if (timed && allDay) {
      issue('startDate', 'give start/end (timed) or startDate/endDate (all-day), not both');
      return;
    }
    if (allDay) {
      if (r.startDate === undefined) issue('startDate', 'required with endDate');
      else if (r.endDate === undefined) issue('endDate', 'required with startDate');
      else if (r.endDate <= r.startDate) issue('endDate', 'endDate must be after startDate');
    }
    if (r.start !== undefined && r.end !== undefined && Date.parse(r.end) <= Date.parse(r.start))
      issue('end', 'end must be after start');
  })
  .meta({ id: 'UpdateCalendarEventRequest' });
export type UpdateCalendarEventRequest = z.infer<typeof UpdateCalendarEventRequestSchema>;

export const DeleteCalendarEventQuerySchema = z
  .object({
    idempotencyKey: IdempotencyKeySchema,
    notifyAttendees: z
      .enum(['true', 'false'])
      .optional()
      .describe('Required (true) to delete a meeting that has attendees: they get a cancellation'),
  })
  .strict();
export type DeleteCalendarEventQuery = z.infer<typeof DeleteCalendarEventQuerySchema>;

export const RespondCalendarEventRequestSchema = z
  .object({
    idempotencyKey: IdempotencyKeySchema,
    response: z.enum(['accept', 'tentative', 'decline']),
    comment: z.string().max(2_000).optional(),
    sendResponse: z.boolean().default(true),
  })
  .strict()
  .meta({ id: 'RespondCalendarEventRequest' });
export type RespondCalendarEventRequest = z.infer<typeof RespondCalendarEventRequestSchema>;

export const CalendarEventParamsSchema = z.object({
  roxUserId: RoxUserIdSchema,
  eventId: z.uuid(),
});
export type CalendarEventParams = z.infer<typeof CalendarEventParamsSchema>;

export const CalendarWriteParamsSchema = z.object({ writeId: z.uuid() });
export type CalendarWriteParams = z.infer<typeof CalendarWriteParamsSchema>;

export const CalendarWriteSchema = z
  .object({
    id: z.uuid(),
    roxUserId: z.string(),
    operation: z.enum(['create', 'update', 'delete', 'respond']),
    eventId: z
      .uuid()
      .describe(
        'The Rox event. For a create, the id it will have; once the write succeeded, the id of the event the copy joined (another id only when Rox already held the meeting from an attendee’s copy)',
      ),
    status: z.enum(['queued', 'running', 'succeeded', 'failed']),
    errorCode: z.string().nullable(),
    graphWrites: z.number().int().describe('Graph writes this operation sent (0 for a no-op save)'),
    conflicts: z
      .array(
        z.object({
          field: z.string(),
          outlookValue: z.unknown(),
          roxValue: z.unknown(),
        }),
      )
      .describe('Fields changed in Outlook meanwhile: Outlook’s value was kept'),
    timeZone: z
      .string()
      .nullable()
      .describe(
        'The zone a create or update sent its times in; null for other operations and until it ran',
      ),
    timeZoneIssue: WriteTimeZoneIssueSchema.nullable().describe(
      'Why the times went out in UTC instead of the mailbox’s own zone (the write still succeeded)',
    ),
    createdAt: z.iso.datetime(),
    finishedAt: z.iso.datetime().nullable(),
  })
  .meta({ id: 'CalendarWrite' });
export type CalendarWrite = z.infer<typeof CalendarWriteSchema>;
