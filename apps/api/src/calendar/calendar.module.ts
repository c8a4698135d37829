import { BullModule } from '@nestjs/bull';
import { Module } from '@nestjs/common';

import { ConsentModule } from '../consent/consent.module';
import { MailboxesModule } from '../mailboxes/mailboxes.module';
import { columnOf, ENCRYPTED_COLUMNS } from '../platform/crypto/encrypted-columns';
import { QUEUE } from '../platform/queue/queue-names';
import { CalendarIdleRounds } from './calendar-idle-rounds.service';
import { CALENDAR_QUEUE_SETTINGS, CalendarJobs } from './calendar-jobs.service';
import { CalendarLifecycle } from './calendar-lifecycle';
import { CalendarReader } from './calendar-reader.service';
import { CalendarScopeService } from './calendar-scope.service';
import { EVENT_BODY_CONTEXT } from './calendar-sync.service';
import { CalendarWriteRepository } from './calendar-write.repository';
import { CalendarWriteService, WRITE_BODY_CONTEXT } from './calendar-write.service';
import { CalendarController } from './calendar.controller';
import { CalendarRepository } from './calendar.repository';

// Event bodies are sealed; the re-encrypt command finds them here.
ENCRYPTED_COLUMNS.push(columnOf(EVENT_BODY_CONTEXT), columnOf(WRITE_BODY_CONTEXT));

/** Calendar sync (Outlook ⇄ Rox): reads, the change feed and channel status; jobs in the worker. */
@Module({
  imports: [
    BullModule.registerQueue({ name: QUEUE.calendar, settings: CALENDAR_QUEUE_SETTINGS }),
    ConsentModule,
    MailboxesModule,
  ],
  controllers: [CalendarController],
  providers: [
    CalendarRepository,
    CalendarJobs,
    CalendarReader,
    CalendarScopeService,
    CalendarIdleRounds,
    CalendarLifecycle,
    CalendarWriteRepository,
    CalendarWriteService,
  ],
  exports: [
    CalendarRepository,
    CalendarJobs,
    CalendarScopeService,
    CalendarReader,
    CalendarWriteService,
  ],
})
export class CalendarModule {}
