import { CreateRequestContext, MikroORM } from '@mikro-orm/postgresql';
import { Process, Processor } from '@nestjs/bull';
import { type Job } from 'bull';

import { runJob } from '../platform/queue/job-runner';
import { QUEUE } from '../platform/queue/queue-names';
import { NotificationReceiptService } from './notification-receipt.service';
import {
  type DeletionJob,
  type MailboxJob,
  type MaintainJob,
  type OrgJob,
  type ReceiptJob,
} from './notifications-jobs.service';
import { NOTIFICATIONS_JOB } from './notifications.constants';
import { SubscriptionsService } from './subscriptions.service';

function isFinalAttempt(job: Job): boolean {
  return job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
}

@Processor(QUEUE.notifications)
export class NotificationsProcessor {
  constructor(
    // CreateRequestContext finds the ORM through this property.
    private readonly orm: MikroORM,
    private readonly receipts: NotificationReceiptService,
    private readonly subscriptions: SubscriptionsService,
  ) {}

  @Process({ name: NOTIFICATIONS_JOB.receive, concurrency: 4 })
  @CreateRequestContext()
  async receive(job: Job<ReceiptJob>) {
    return runJob(job, () => this.receipts.handle(job.data));
  }

  @Process(NOTIFICATIONS_JOB.reconcileOrg)
  @CreateRequestContext()
  async reconcileOrg(job: Job<OrgJob>) {
    return runJob(job, () => this.subscriptions.reconcileOrg(job.data.orgId));
  }

  @Process({ name: NOTIFICATIONS_JOB.syncMailbox, concurrency: 2 })
  @CreateRequestContext()
  async syncMailbox(job: Job<MailboxJob>) {
    return runJob(job, () => this.subscriptions.syncMailbox(job.data.orgId, job.data.roxUserId));
  }

  @Process({ name: NOTIFICATIONS_JOB.maintain, concurrency: 2 })
  @CreateRequestContext()
  async maintain(job: Job<MaintainJob>) {
    return runJob(job, () => this.subscriptions.maintain(job.data, isFinalAttempt(job)));
  }

  @Process(NOTIFICATIONS_JOB.deleteSubscriptions)
  @CreateRequestContext()
  async deleteSubscriptions(job: Job<DeletionJob>) {
    return runJob(job, () => this.subscriptions.deleteByIds(job.data));
  }

  @Process(NOTIFICATIONS_JOB.sweepOrphans)
  @CreateRequestContext()
  async sweepOrphans(job: Job<OrgJob>) {
    return runJob(job, () => this.subscriptions.sweepOrphans(job.data.orgId));
  }
}
