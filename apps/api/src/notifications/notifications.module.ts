import { BullModule } from '@nestjs/bull';
import { Module } from '@nestjs/common';

import { CalendarModule } from '../calendar/calendar.module';
import { ConsentModule } from '../consent/consent.module';
import { MailModule } from '../mail/mail.module';
import { MailboxesModule } from '../mailboxes/mailboxes.module';
import { QUEUE } from '../platform/queue/queue-names';
import { ChannelRounds } from './channel-rounds.service';
import { GraphSubscriptionRepository } from './graph-subscription.repository';
import { NotificationIntake } from './notification-intake.service';
import { NotificationTargets } from './notification-targets.service';
import { NotificationsJobs } from './notifications-jobs.service';
import { NotificationsLifecycle } from './notifications-lifecycle';
import { NotificationsController } from './notifications.controller';
import { SubscriptionsService } from './subscriptions.service';

/**
 * Graph change notifications for calendar and mail channels: the public receiver (queues and
 * answers 202), the subscriptions' rows and their place in the org's lifecycle; the work runs
 * in the worker.
 */
@Module({
  imports: [
    BullModule.registerQueue({ name: QUEUE.notifications }),
    ConsentModule,
    MailboxesModule,
    CalendarModule,
    MailModule,
  ],
  controllers: [NotificationsController],
  providers: [
    GraphSubscriptionRepository,
    NotificationsJobs,
    NotificationIntake,
    ChannelRounds,
    NotificationTargets,
    SubscriptionsService,
    NotificationsLifecycle,
  ],
  exports: [
    GraphSubscriptionRepository,
    NotificationsJobs,
    ChannelRounds,
    NotificationTargets,
    SubscriptionsService,
  ],
})
export class NotificationsModule {}
