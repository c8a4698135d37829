import { Controller, Delete, Get, HttpCode, Patch, Post } from '@nestjs/common';

import {
  CalendarChangePageSchema,
  CalendarChangesQuerySchema,
  CalendarChannelStatusPageSchema,
  CalendarChannelStatusSchema,
  CalendarEventPageSchema,
  CalendarEventParamsSchema,
  CalendarMemberParamsSchema,
  CalendarWriteParamsSchema,
  CalendarWriteSchema,
  CreateCalendarEventRequestSchema,
  DeleteCalendarEventQuerySchema,
  ListCalendarEventsQuerySchema,
  MyCalendarSyncSchema,
  PageQuerySchema,
  RespondCalendarEventRequestSchema,
  UpdateCalendarEventRequestSchema,
  type CalendarChangesQuery,
  type CalendarEventParams,
  type CalendarMemberParams,
  type CalendarWriteParams,
  type CreateCalendarEventRequest,
  type DeleteCalendarEventQuery,
  type ListCalendarEventsQuery,
  type PageQuery,
  type RespondCalendarEventRequest,
  type UpdateCalendarEventRequest,
} from '@rox365/contracts';

import { Roles } from '../platform/auth/access.decorators';
import { CurrentCaller, type Caller } from '../platform/auth/caller';
import { Contract, ValidBody, ValidParams, ValidQuery } from '../platform/http/contract.decorators';
import { CalendarReader } from './calendar-reader.service';
import { CalendarWriteService } from './calendar-write.service';

/** Synced calendars for Rox backends and the console. */
@Controller('calendar')
export class CalendarController {
  constructor(
    private readonly reader: CalendarReader,
    private readonly writes: CalendarWriteService,
  ) {}

  @Post('members/:roxUserId/events')
  @HttpCode(202)
  @Roles('admin', 'service', 'member')
  @Contract({
    summary: 'Create an event in a member’s Outlook calendar (read_write level; async write)',
    description:
      'Answers the write’s status resource. The same idempotencyKey returns the same write. Attendees get one invitation, even when the write is retried.',
    response: CalendarWriteSchema,
    status: 202,
    tags: ['calendar'],
  })
  createEvent(
    @CurrentCaller() caller: Caller,
    @ValidParams(CalendarMemberParamsSchema) params: CalendarMemberParams,
    @ValidBody(CreateCalendarEventRequestSchema) body: CreateCalendarEventRequest,
  ) {
    return this.writes.create(caller, params.roxUserId, body);
  }

  @Patch('members/:roxUserId/events/:eventId')
  @HttpCode(202)
  @Roles('admin', 'service', 'member')
  @Contract({
    summary: 'Update changed fields of an event the member organises (async write)',
    description:
      'Only fields that differ from Rox’s copy are sent, with If-Match. A save without changes writes nothing. Fields changed in Outlook meanwhile keep Outlook’s value and are listed as conflicts.',
    response: CalendarWriteSchema,
    status: 202,
    tags: ['calendar'],
  })
  updateEvent(
    @CurrentCaller() caller: Caller,
    @ValidParams(CalendarEventParamsSchema) params: CalendarEventParams,
    @ValidBody(UpdateCalendarEventRequestSchema) body: UpdateCalendarEventRequest,
  ) {
    return this.writes.update(caller, params.roxUserId, params.eventId, body);
  }

  @Delete('members/:roxUserId/events/:eventId')
  @HttpCode(202)
  @Roles('admin', 'service', 'member')
  @Contract({
    summary: 'Delete an event the member organises (async write; attendees get a cancellation)',
    response: CalendarWriteSchema,
    status: 202,
    tags: ['calendar'],
  })
  deleteEvent(
    @CurrentCaller() caller: Caller,
    @ValidParams(CalendarEventParamsSchema) params: CalendarEventParams,
    @ValidQuery(DeleteCalendarEventQuerySchema) query: DeleteCalendarEventQuery,
  ) {
    return this.writes.remove(caller, params.roxUserId, params.eventId, query);
  }

  @Post('members/:roxUserId/events/:eventId/respond')
  @HttpCode(202)
  @Roles('admin', 'service', 'member')
  @Contract({
    summary: 'Accept, tentatively accept or decline a meeting the member attends (async write)',
    response: CalendarWriteSchema,
    status: 202,
    tags: ['calendar'],
  })
  respond(
    @CurrentCaller() caller: Caller,
    @ValidParams(CalendarEventParamsSchema) params: CalendarEventParams,
    @ValidBody(RespondCalendarEventRequestSchema) body: RespondCalendarEventRequest,
  ) {
    return this.writes.respond(caller, params.roxUserId, params.eventId, body);
  }

  @Get('writes/:writeId')
  @Roles('admin', 'service', 'member')
  @Contract({
    summary: 'A calendar write’s status: queued, running, succeeded or failed, with conflicts',
    response: CalendarWriteSchema,
    tags: ['calendar'],
  })
  write(
    @CurrentCaller() caller: Caller,
    @ValidParams(CalendarWriteParamsSchema) params: CalendarWriteParams,
  ) {
    return this.writes.get(caller, params.writeId);
  }

  @Get('members/:roxUserId/events')
  @Roles('admin', 'service', 'member')
  @Contract({
    summary: 'A member’s synced events overlapping a time range (members: their own only)',
    response: CalendarEventPageSchema,
    tags: ['calendar'],
  })
  memberEvents(
    @CurrentCaller() caller: Caller,
    @ValidParams(CalendarMemberParamsSchema) params: CalendarMemberParams,
    @ValidQuery(ListCalendarEventsQuerySchema) query: ListCalendarEventsQuery,
  ) {
    return this.reader.memberEvents(caller, params.roxUserId, query);
  }

  @Get('changes')
  @Roles('admin', 'service')
  @Contract({
    summary: 'The org’s calendar change feed (created / updated / deleted, in commit order)',
    response: CalendarChangePageSchema,
    tags: ['calendar'],
  })
  changes(
    @CurrentCaller() caller: Caller,
    @ValidQuery(CalendarChangesQuerySchema) query: CalendarChangesQuery,
  ) {
    return this.reader.changes(caller.orgId, query);
  }

  @Get('channels')
  @Roles('admin')
  @Contract({
    summary: 'Each member’s calendar channel: stage, status, reason, next action, last success',
    response: CalendarChannelStatusPageSchema,
    tags: ['calendar'],
  })
  channels(@CurrentCaller() caller: Caller, @ValidQuery(PageQuerySchema) query: PageQuery) {
    return this.reader.channels(caller.orgId, query);
  }

  @Get('channels/:roxUserId')
  @Roles('admin')
  @Contract({
    summary: 'One member’s calendar channel (the console’s per-member details)',
    response: CalendarChannelStatusSchema,
    tags: ['calendar'],
  })
  channel(
    @CurrentCaller() caller: Caller,
    @ValidParams(CalendarMemberParamsSchema) params: CalendarMemberParams,
  ) {
    return this.reader.channel(caller.orgId, params.roxUserId);
  }

  @Get('me')
  @Roles('admin', 'member')
  @Contract({
    summary: 'The caller’s calendar channel and the last events synced',
    response: MyCalendarSyncSchema,
    tags: ['calendar'],
  })
  mine(@CurrentCaller() caller: Caller) {
    return this.reader.mine(caller);
  }
}
