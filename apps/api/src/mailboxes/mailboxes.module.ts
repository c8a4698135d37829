import { BullModule } from '@nestjs/bull';
import { Module } from '@nestjs/common';

import { ConsentModule } from '../consent/consent.module';
import { DirectoryModule } from '../directory/directory.module';
import { MembersModule } from '../members/members.module';
import { QUEUE } from '../platform/queue/queue-names';
import { MailboxReader } from './mailbox-reader.service';
import { MailboxRefresh } from './mailbox-refresh.service';
import { MailboxRepository } from './mailbox.repository';
import { MAILBOXES_QUEUE_SETTINGS, MailboxesJobs } from './mailboxes-jobs.service';
import { MailboxesLifecycle } from './mailboxes-lifecycle';
import { MailboxesController } from './mailboxes.controller';
import { MailboxesService } from './mailboxes.service';
import { RestrictionPolicy } from './restriction-policy.service';

/**
 * Members' mailboxes as sync targets: one materialised row per member (route, configured and
 * effective levels, scope with reason and next action), refreshed by keyed jobs when an input
 * changes; probes and the access-policy script. Calendar and mail read their targets here.
 */
@Module({
  imports: [
    BullModule.registerQueue({ name: QUEUE.mailboxes, settings: MAILBOXES_QUEUE_SETTINGS }),
    ConsentModule,
    DirectoryModule,
    MembersModule,
  ],
  controllers: [MailboxesController],
  providers: [
    MailboxRepository,
    MailboxRefresh,
    MailboxReader,
    MailboxesJobs,
    MailboxesService,
    MailboxesLifecycle,
    RestrictionPolicy,
  ],
  exports: [MailboxRepository, MailboxReader, MailboxRefresh, MailboxesJobs, RestrictionPolicy],
})
export class MailboxesModule {}
