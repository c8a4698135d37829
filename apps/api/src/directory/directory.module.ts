import { BullModule } from '@nestjs/bull';
import { Module } from '@nestjs/common';

import { ConsentModule } from '../consent/consent.module';
import { MembersModule } from '../members/members.module';
import { QUEUE } from '../platform/queue/queue-names';
import { DIRECTORY_QUEUE_SETTINGS, DirectoryJobs } from './directory-jobs.service';
import { DirectoryLifecycle } from './directory-lifecycle';
import { DirectoryReader } from './directory-reader.service';
import { DirectoryController } from './directory.controller';
import { DirectoryRepository } from './directory.repository';
import { DirectoryService } from './directory.service';

/** Directory sync, member mapping and scope, mailbox probes and the access-policy helper. */
@Module({
  imports: [
    BullModule.registerQueue({ name: QUEUE.directory, settings: DIRECTORY_QUEUE_SETTINGS }),
    ConsentModule,
    MembersModule,
  ],
  controllers: [DirectoryController],
  providers: [
    DirectoryRepository,
    DirectoryReader,
    DirectoryJobs,
    DirectoryService,
    DirectoryLifecycle,
  ],
  exports: [DirectoryRepository, DirectoryJobs, DirectoryReader],
})
export class DirectoryModule {}
