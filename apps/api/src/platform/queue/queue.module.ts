import { BullModule } from '@nestjs/bull';
import { Global, Module } from '@nestjs/common';

import { AppConfig } from '../../config/app-config';
import { FairShare } from './fair-share.service';
import { QueueDrain } from './queue-drain.service';
import { QueueHealth } from './queue-health.service';
import { DEFAULT_JOB_OPTIONS } from './queue-names';

@Global()
@Module({
  imports: [
    BullModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        url: config.queue.redisUrl,
        prefix: config.queue.prefix,
        defaultJobOptions: DEFAULT_JOB_OPTIONS,
      }),
    }),
  ],
  providers: [QueueHealth, FairShare, QueueDrain],
  exports: [QueueHealth, FairShare],
})
export class QueueModule {}
