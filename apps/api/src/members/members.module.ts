import { BullModule } from '@nestjs/bull';
import { Module } from '@nestjs/common';

import { QUEUE } from '../platform/queue/queue-names';
import { MemberDataPurgers } from './member-data-purger';
import { MemberRepository } from './member.repository';
import { MembersController } from './members.controller';
import { MembersService } from './members.service';

@Module({
  imports: [BullModule.registerQueue({ name: QUEUE.members })],
  controllers: [MembersController],
  providers: [MemberRepository, MembersService, MemberDataPurgers],
  exports: [MembersService, MemberDataPurgers],
})
export class MembersModule {}
