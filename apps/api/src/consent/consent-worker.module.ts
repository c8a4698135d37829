import { Module } from '@nestjs/common';

import { ConsentModule } from './consent.module';
import { PermissionRecheckProcessor } from './permission-recheck.processor';
import { PermissionRecheckScheduler } from './permission-recheck.scheduler';

/** The consent feature's background work; imported by the worker entrypoint only. */
@Module({
  imports: [ConsentModule],
  providers: [PermissionRecheckProcessor, PermissionRecheckScheduler],
})
export class ConsentWorkerModule {}
