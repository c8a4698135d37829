import { Controller, Get } from '@nestjs/common';

import {
  CalendarChangePageSchema,
  CalendarChangesQuerySchema,
  CalendarChannelStatusPageSchema,
  CalendarEventPageSchema,
  CalendarMemberParamsSchema,
  ListCalendarEventsQuerySchema,
  MyCalendarSyncSchema,
  PageQuerySchema,
  type CalendarChangesQuery,
  type CalendarMemberParams,
  type ListCalendarEventsQuery,
  type PageQuery,
} from '@rox365/contracts';

import { Roles } from '../platform/auth/access.decorators';
import { CurrentCaller, type Caller } from '../platform/auth/caller';
import { Contract, ValidParams, ValidQuery } from '../platform/http/contract.decorators';
import { CalendarReader } from './calendar-reader.service';

/** Synced calendars for Rox backends and the console. */
@Controller('calendar')
export class CalendarController {
  constructor(private readonly reader: CalendarReader) {}

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
