import { CreateRequestContext, MikroORM } from '@mikro-orm/postgresql';
import { Process, Processor } from '@nestjs/bull';
import { type Job } from 'bull';

import { LifecycleRegistry } from '../platform/lifecycle/lifecycle-registry.service';
import { runJob } from '../platform/queue/job-runner';
import { QUEUE } from '../platform/queue/queue-names';
import { MailboxProbeService } from './mailbox-probe.service';
import { MailboxRefresh } from './mailbox-refresh.service';
import { type ProbeMemberJob, type RefreshMailboxesJob } from './mailboxes-jobs.service';
import { MAILBOXES_JOB } from './mailboxes.constants';

@Processor(QUEUE.mailboxes)
export class MailboxesProcessor {
  constructor(
    // CreateRequestContext finds the ORM through this property.
    private readonly orm: MikroORM,
    private readonly refresh: MailboxRefresh,
    private readonly probes: MailboxProbeService,
    private readonly lifecycle: LifecycleRegistry,
  ) {}

  @Process(MAILBOXES_JOB.refresh)
  @CreateRequestContext()
  async refreshOrg(job: Job<RefreshMailboxesJob>) {
    return runJob(job, async () => {
      const written = await this.refresh.refresh({ orgId: job.data.orgId });
      await this.lifecycle.mailboxesRefreshed(job.data.orgId);
      return written;
    });
  }

  @Process({ name: MAILBOXES_JOB.probeMember, concurrency: 4 })
  @CreateRequestContext()
  async probe(job: Job<ProbeMemberJob>) {
    return runJob(job, () => this.probes.probeMember(job.data.orgId, job.data.roxUserId));
  }
}
