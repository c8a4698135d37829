import { Module } from '@nestjs/common';

import { ConsentModule } from '../consent/consent.module';
import { DirectoryModule } from '../directory/directory.module';
import { MembersModule } from '../members/members.module';
import { MailboxProbeService } from './mailbox-probe.service';
import { MailboxesModule } from './mailboxes.module';
import { MailboxesProcessor } from './mailboxes.processor';
import { MailboxesScheduler } from './mailboxes.scheduler';

/** The mailboxes feature's background work; imported by the worker entrypoint only. */
@Module({
  imports: [MailboxesModule, ConsentModule, DirectoryModule, MembersModule],
  providers: [MailboxProbeService, MailboxesProcessor, MailboxesScheduler],
})
export class MailboxesWorkerModule {}
