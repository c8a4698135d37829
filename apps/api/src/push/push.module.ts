import { BullModule } from '@nestjs/bull';
import { Module } from '@nestjs/common';

import { AppConfig } from '../config/app-config';
import { columnOf, ENCRYPTED_COLUMNS } from '../platform/crypto/encrypted-columns';
import { QUEUE } from '../platform/queue/queue-names';
import { PushAddressPolicy } from './push-address';
import { PushEndpointsService } from './push-endpoints.service';
import { PushJobs } from './push-jobs.service';
import { PushLifecycle } from './push-lifecycle';
import { PushLogService } from './push-log.service';
import { PUSH_SECRET_CONTEXT } from './push.constants';
import { PushController } from './push.controller';
import { PushRepository } from './push.repository';

// Endpoint secrets are sealed with the key ring; re-encryption must find them.
ENCRYPTED_COLUMNS.push(columnOf(PUSH_SECRET_CONTEXT));

/**
 * Push to Rox backends: registered endpoints get signed notices (calendar, mail, connection)
 * instead of polling. It hears about changes only through the lifecycle registry, so it imports
 * no other feature.
 */
@Module({
  imports: [BullModule.registerQueue({ name: QUEUE.push })],
  controllers: [PushController],
  providers: [
    PushRepository,
    PushJobs,
    PushEndpointsService,
    PushLogService,
    PushLifecycle,
    {
      provide: PushAddressPolicy,
      useFactory: (config: AppConfig) =>
        new PushAddressPolicy({
          allowLoopback: config.push.allowLoopbackHttp,
          privateNetworks: config.push.privateNetworks,
        }),
      inject: [AppConfig],
    },
  ],
  exports: [PushRepository, PushJobs, PushAddressPolicy],
})
export class PushModule {}
