import { CreateRequestContext, MikroORM } from '@mikro-orm/postgresql';
import { Process, Processor } from '@nestjs/bull';
import { type Job } from 'bull';

import { runJob } from '../platform/queue/job-runner';
import { QUEUE } from '../platform/queue/queue-names';
import { PushDeliveryService } from './push-delivery.service';
import { type PushDeliveryJob } from './push-jobs.service';
import { PUSH_JOB } from './push.constants';

@Processor(QUEUE.push)
export class PushProcessor {
  constructor(
    // CreateRequestContext finds the ORM through this property.
    private readonly orm: MikroORM,
    private readonly deliveries: PushDeliveryService,
  ) {}

  // Receivers are slow at worst (5 s, no body kept): a few in flight per worker.
  @Process({ name: PUSH_JOB.deliver, concurrency: 4 })
  @CreateRequestContext()
  async deliver(job: Job<PushDeliveryJob>) {
    return runJob(job, () =>
      this.deliveries.attempt(job.data, job.attemptsMade + 1 >= (job.opts.attempts ?? 1)),
    );
  }
}
