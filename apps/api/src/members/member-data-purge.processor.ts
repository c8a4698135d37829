import { CreateRequestContext, MikroORM } from '@mikro-orm/postgresql';
import { Process, Processor } from '@nestjs/bull';
import { type Job } from 'bull';

import { runJob } from '../platform/queue/job-runner';
import { QUEUE } from '../platform/queue/queue-names';
import { MEMBERS_JOB } from './members.constants';
import { MembersService, type PurgeMemberDataJob } from './members.service';

@Processor(QUEUE.members)
export class MemberDataPurgeProcessor {
  constructor(
    // CreateRequestContext finds the ORM through this property.
    private readonly orm: MikroORM,
    private readonly members: MembersService,
  ) {}

  @Process(MEMBERS_JOB.purgeMemberData)
  @CreateRequestContext()
  async handle(job: Job<PurgeMemberDataJob>): Promise<Record<string, number>> {
    return runJob(job, () => this.members.purgeMemberData(job.data));
  }
}
