import { BullModule } from '@nestjs/bull';
import { Module } from '@nestjs/common';

import { QUEUE } from '../platform/queue/queue-names';
import { MemberRepository } from './member.repository';
import { MembersController } from './members.controller';
import { MembersService } from './members.service';

@Module({
  imports: [BullModule.registerQueue({ name: QUEUE.members })],
  controllers: [MembersController],
  providers: [MemberRepository, MembersService],
  exports: [MembersService],
})
export class MembersModule {}
