import { Module } from '@nestjs/common';

import { ConsentModule } from '../consent/consent.module';
import { MembersModule } from '../members/members.module';
import { DirectorySyncScheduler } from './directory-sync.scheduler';
import { DirectorySyncService } from './directory-sync.service';
import { DirectoryModule } from './directory.module';
import { DirectoryProcessor } from './directory.processor';

/** The directory feature's background work; imported by the worker entrypoint only. */
@Module({
  imports: [DirectoryModule, ConsentModule, MembersModule],
  providers: [DirectorySyncService, DirectoryProcessor, DirectorySyncScheduler],
})
export class DirectoryWorkerModule {}
