import { CreateRequestContext, MikroORM } from '@mikro-orm/postgresql';
import { Process, Processor } from '@nestjs/bull';
import { type Job } from 'bull';

import { runJob } from '../platform/queue/job-runner';
import { QUEUE } from '../platform/queue/queue-names';
import { CONSENT_JOB } from './consent.constants';
import { PermissionCheckService } from './permission-check.service';
import { type RecheckPermissionsJob } from './permission-recheck.service';

@Processor(QUEUE.consent)
export class PermissionRecheckProcessor {
  constructor(
    // CreateRequestContext finds the ORM through this property.
    private readonly orm: MikroORM,
    private readonly checks: PermissionCheckService,
  ) {}

  @Process(CONSENT_JOB.recheckPermissions)
  @CreateRequestContext()
  async handle(job: Job<RecheckPermissionsJob>): Promise<{ added: string[]; removed: string[] }> {
    return runJob(job, () => this.checks.recheck(job.data));
  }
}
