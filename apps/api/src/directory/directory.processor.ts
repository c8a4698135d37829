import { CreateRequestContext, MikroORM } from '@mikro-orm/postgresql';
import { Process, Processor } from '@nestjs/bull';
import { type Job } from 'bull';

import { runJob } from '../platform/queue/job-runner';
import { QUEUE } from '../platform/queue/queue-names';
import { type DirectorySyncJob } from './directory-jobs.service';
import { DirectorySyncService } from './directory-sync.service';
import { DIRECTORY_JOB } from './directory.constants';

@Processor(QUEUE.directory)
export class DirectoryProcessor {
  constructor(
    // CreateRequestContext finds the ORM through this property.
    private readonly orm: MikroORM,
    private readonly syncService: DirectorySyncService,
  ) {}

  @Process(DIRECTORY_JOB.sync)
  @CreateRequestContext()
  async sync(job: Job<DirectorySyncJob>) {
    return runJob(job, () =>
      this.syncService.sync(job.data.orgId, {
        isFinalAttempt: job.attemptsMade + 1 >= (job.opts.attempts ?? 1),
      }),
    );
  }
}
