import { Module } from '@nestjs/common';

import { ConsentModule } from '../consent/consent.module';
import { DirectoryModule } from '../directory/directory.module';
import { MailboxesModule } from '../mailboxes/mailboxes.module';
import { MailCycleService } from './mail-cycle.service';
import { MailIdleRounds } from './mail-idle-rounds.service';
import { MailSyncService } from './mail-sync.service';
import { MailModule } from './mail.module';
import { MailProcessor } from './mail.processor';
import { MailScheduler } from './mail.scheduler';

/** The mail feature's background work; imported by the worker entrypoint only. */
@Module({
  imports: [MailModule, ConsentModule, DirectoryModule, MailboxesModule],
  providers: [MailSyncService, MailCycleService, MailIdleRounds, MailProcessor, MailScheduler],
})
export class MailWorkerModule {}
