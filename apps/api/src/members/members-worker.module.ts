import { Module } from '@nestjs/common';

import { MemberDataPurgeProcessor } from './member-data-purge.processor';
import { MembersModule } from './members.module';

/** The members feature's background work; imported by the worker entrypoint only. */
@Module({
  imports: [MembersModule],
  providers: [MemberDataPurgeProcessor],
})
export class MembersWorkerModule {}
