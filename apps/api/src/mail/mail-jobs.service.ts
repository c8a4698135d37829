import { InjectQueue } from '@nestjs/bull';
import { Injectable } from '@nestjs/common';
import { type Queue } from 'bull';

import { DIRECTORY_QUEUE_SETTINGS } from '../directory/directory-jobs.service';
import { RETRY_AFTER_BACKOFF } from '../directory/directory.constants';
import { KeyedJobs } from '../platform/queue/keyed-jobs';
import { jobKey, QUEUE } from '../platform/queue/queue-names';
import { MAIL_JOB } from './mail.constants';

export interface MailJobData {
  orgId: string;
  roxUserId?: string;
  sendId?: string;
}

// Graph's Retry-After drives the backoff, as for the directory.
export const MAIL_QUEUE_SETTINGS = DIRECTORY_QUEUE_SETTINGS;

/** Enqueues and stops the mail feature's keyed jobs. */
@Injectable()
export class MailJobs {
  private readonly jobs: KeyedJobs<MailJobData>;

  constructor(@InjectQueue(QUEUE.mail) queue: Queue<MailJobData>) {
    this.jobs = KeyedJobs.for(queue);
  }

  /** One cycle per org at a time; a request during a run makes it run once more. */
  async enqueueCycle(orgId: string): Promise<string> {
    const { jobId } = await this.jobs.enqueue(MAIL_JOB.cycle, { orgId }, cycleJobId(orgId), {
      attempts: 3,
    });
    return jobId;
  }

  async enqueueMailbox(orgId: string, roxUserId: string): Promise<string> {
    const { jobId } = await this.jobs.enqueue(
      MAIL_JOB.syncMailbox,
      { orgId, roxUserId },
      mailboxJobId(orgId, roxUserId),
      { attempts: 5, backoff: { type: RETRY_AFTER_BACKOFF } },
    );
    return jobId;
  }

  /** One job per send; retried only where nothing can have been sent twice (see MailSendService). */
  async enqueueSend(orgId: string, sendId: string): Promise<string> {
    const { jobId } = await this.jobs.enqueue(
      MAIL_JOB.send,
      { orgId, sendId },
      jobKey(MAIL_JOB.send, orgId, sendId),
      { attempts: 5, backoff: { type: RETRY_AFTER_BACKOFF } },
    );
    return jobId;
  }

  /** True while the org's cycle or any of its mailbox syncs is queued or running. */
  async isBusy(orgId: string, roxUserIds: readonly string[]): Promise<boolean> {
    for (const id of [cycleJobId(orgId), ...roxUserIds.map((u) => mailboxJobId(orgId, u))]) {
      if ((await this.jobs.isAlive(id)) || (await this.jobs.hasRerunFlag(id))) return true;
    }
    return false;
  }

  stop(orgId: string): Promise<number> {
    return this.jobs.stopWhere((data) => data.orgId === orgId);
  }
}

export function cycleJobId(orgId: string): string {
  return jobKey(MAIL_JOB.cycle, orgId);
}

export function mailboxJobId(orgId: string, roxUserId: string): string {
  return jobKey(MAIL_JOB.syncMailbox, orgId, roxUserId);
}
