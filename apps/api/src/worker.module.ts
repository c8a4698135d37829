import { Module, type DynamicModule } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';

import { CalendarWorkerModule } from './calendar/calendar-worker.module';
import { type AppConfig } from './config/app-config';
import { ConsentWorkerModule } from './consent/consent-worker.module';
import { DirectoryWorkerModule } from './directory/directory-worker.module';
import { MailWorkerModule } from './mail/mail-worker.module';
import { MailboxesWorkerModule } from './mailboxes/mailboxes-worker.module';
import { MembersWorkerModule } from './members/members-worker.module';
import { NotificationsWorkerModule } from './notifications/notifications-worker.module';
import { WorkerMetricsModule } from './platform/metrics/worker-metrics.server';
import { PlatformModule } from './platform/platform.module';
import { PushWorkerModule } from './push/push-worker.module';

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
    };
  }
}
