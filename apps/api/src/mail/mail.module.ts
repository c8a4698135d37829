import { BullModule } from '@nestjs/bull';
import { Module } from '@nestjs/common';

import { ConsentModule } from '../consent/consent.module';
import { DirectoryModule } from '../directory/directory.module';
import { MailboxesModule } from '../mailboxes/mailboxes.module';
import { columnOf, ENCRYPTED_COLUMNS } from '../platform/crypto/encrypted-columns';
import { QUEUE } from '../platform/queue/queue-names';
import { MailAttachmentsService } from './mail-attachments.service';
import { MailFolders } from './mail-folders.service';
import { MAIL_QUEUE_SETTINGS, MailJobs } from './mail-jobs.service';
import { MailLifecycle } from './mail-lifecycle';
import { MailReader } from './mail-reader.service';
import { MailSendService } from './mail-send.service';
import { MAIL_BODY_COLUMN, MAIL_SEND_CONTENT_COLUMN } from './mail.constants';
import { MailController } from './mail.controller';
import { MailRepository } from './mail.repository';

// Message bodies are sealed with the key ring; re-encryption must find them.
ENCRYPTED_COLUMNS.push(columnOf(MAIL_BODY_COLUMN));
// Outgoing content, kept sealed only until it is sent.
ENCRYPTED_COLUMNS.push(columnOf(MAIL_SEND_CONTENT_COLUMN));

/**
 * Mail sync: per in-scope mailbox, Inbox, Sent Items and the org's extra folders on the
 * delta-round engine, restricted domains and users enforced before anything is stored; reads,
 * the change feed, purges.
 */
@Module({
  imports: [
    BullModule.registerQueue({ name: QUEUE.mail, settings: MAIL_QUEUE_SETTINGS }),
    ConsentModule,
    DirectoryModule,
    MailboxesModule,
  ],
  controllers: [MailController],
  providers: [
    MailRepository,
    MailFolders,
    MailJobs,
    MailReader,
    MailLifecycle,
    MailSendService,
    MailAttachmentsService,
  ],
  exports: [MailRepository, MailFolders, MailJobs, MailSendService],
})
export class MailModule {}
