import { Module } from '@nestjs/common';

import { ConsentModule } from '../consent/consent.module';
import { MailboxesModule } from '../mailboxes/mailboxes.module';
import { NotificationReceiptService } from './notification-receipt.service';
import { NotificationsModule } from './notifications.module';
import { NotificationsProcessor } from './notifications.processor';
import { NotificationsScheduler } from './notifications.scheduler';

/** The notifications feature's background work; imported by the worker entrypoint only. */
@Module({
  imports: [NotificationsModule, ConsentModule, MailboxesModule],
  providers: [NotificationReceiptService, NotificationsProcessor, NotificationsScheduler],
})
export class NotificationsWorkerModule {}
