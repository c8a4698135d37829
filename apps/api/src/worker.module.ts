import { Injectable, Module, type DynamicModule, type OnModuleInit } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';

import { CalendarWorkerModule } from './calendar/calendar-worker.module';
import { CALENDAR_CHANNEL_KIND } from './calendar/calendar.constants';
import { type AppConfig } from './config/app-config';
import { ConsentWorkerModule } from './consent/consent-worker.module';
import { DirectoryWorkerModule } from './directory/directory-worker.module';
import { DIRECTORY_CHANNEL_KIND } from './directory/directory.constants';
import { MailWorkerModule } from './mail/mail-worker.module';
import { MAIL_CHANNEL_KIND } from './mail/mail.constants';
import { MailboxesWorkerModule } from './mailboxes/mailboxes-worker.module';
import { MembersWorkerModule } from './members/members-worker.module';
import { NotificationsWorkerModule } from './notifications/notifications-worker.module';
import { Metrics } from './platform/metrics/metrics.service';
import { WorkerMetricsModule } from './platform/metrics/worker-metrics.server';
import { PlatformModule } from './platform/platform.module';
import { PushWorkerModule } from './push/push-worker.module';

/** The kinds of delta round this worker runs, counted from 0 (see `Metrics.expectSyncRounds`). */
@Injectable()
class SyncRoundKinds implements OnModuleInit {
  constructor(private readonly metrics: Metrics) {}

  onModuleInit(): void {
    for (const kind of [DIRECTORY_CHANNEL_KIND, CALENDAR_CHANNEL_KIND, MAIL_CHANNEL_KIND])
      this.metrics.expectSyncRounds(kind);
  }
}

/** The worker: Bull processors and the crons that enqueue their jobs. No HTTP. */
@Module({})
export class WorkerModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: WorkerModule,
      imports: [
        PlatformModule.forRoot(config),
        ...(config.queue.cronsEnabled ? [ScheduleModule.forRoot()] : []),
        ...(config.metrics.enabled && config.metrics.workerPort !== null
          ? [WorkerMetricsModule]
          : []),
        MembersWorkerModule,
        ConsentWorkerModule,
        DirectoryWorkerModule,
        MailboxesWorkerModule,
        MailWorkerModule,
        CalendarWorkerModule,
        PushWorkerModule,
        NotificationsWorkerModule,
      ],
      providers: [SyncRoundKinds],
    };
  }
}
