import { CreateRequestContext, MikroORM } from '@mikro-orm/postgresql';
import { Process, Processor } from '@nestjs/bull';
import { type Job } from 'bull';

import { LifecycleRegistry } from '../platform/lifecycle/lifecycle-registry.service';
import { runJob } from '../platform/queue/job-runner';
import { QUEUE } from '../platform/queue/queue-names';
import { MailCycleService } from './mail-cycle.service';
import { type MailJobData } from './mail-jobs.service';
import { MailSendService } from './mail-send.service';
import { MailSyncService } from './mail-sync.service';
import { MAIL_JOB } from './mail.constants';

@Processor(QUEUE.mail)
export class MailProcessor {
  constructor(
    // CreateRequestContext finds the ORM through this property.
    private readonly orm: MikroORM,
    private readonly cycle: MailCycleService,
    private readonly sync: MailSyncService,
    private readonly sends: MailSendService,
    // Jobs that may append to the change feed announce it (push to Rox backends).
    private readonly lifecycle: LifecycleRegistry,
  ) {}

  @Process(MAIL_JOB.send)
  @CreateRequestContext()
  async send(job: Job<MailJobData>) {
    return runJob(job, () => this.sends.run(job.data.orgId, job.data.sendId ?? ''));
  }

  @Process(MAIL_JOB.cycle)
  @CreateRequestContext()
  async runCycle(job: Job<MailJobData>) {
    return runJob(job, () =>
      this.lifecycle.watchFeed(job.data.orgId, 'mail', () => this.cycle.run(job.data.orgId)),
    );
  }

  @Process({ name: MAIL_JOB.syncMailbox, concurrency: 2 })
  @CreateRequestContext()
  async syncMailbox(job: Job<MailJobData>) {
    return runJob(job, () =>
      this.lifecycle.watchFeed(job.data.orgId, 'mail', () =>
        this.sync.syncMailbox(job.data.orgId, job.data.roxUserId ?? '', {
          isFinalAttempt: job.attemptsMade + 1 >= (job.opts.attempts ?? 1),
        }),
      ),
    );
  }
}
