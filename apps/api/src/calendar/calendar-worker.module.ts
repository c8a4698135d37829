import { Module } from '@nestjs/common';

import { ConsentModule } from '../consent/consent.module';
import { MailboxesModule } from '../mailboxes/mailboxes.module';
import { CalendarSyncScheduler } from './calendar-sync.scheduler';
import { CalendarSyncService } from './calendar-sync.service';
import { CalendarModule } from './calendar.module';
import { CalendarProcessor } from './calendar.processor';

/** The calendar feature's background work; imported by the worker entrypoint only. */
@Module({
  imports: [CalendarModule, ConsentModule, MailboxesModule],
  providers: [CalendarSyncService, CalendarProcessor, CalendarSyncScheduler],
})
export class CalendarWorkerModule {}
