import { InjectQueue } from '@nestjs/bull';
import { Injectable } from '@nestjs/common';
import { type Queue } from 'bull';

import { DIRECTORY_QUEUE_SETTINGS } from '../directory/directory-jobs.service';
import { RETRY_AFTER_BACKOFF } from '../directory/directory.constants';
import { KeyedJobs } from '../platform/queue/keyed-jobs';
import { jobKey, QUEUE } from '../platform/queue/queue-names';
import { MAILBOXES_JOB, PROBE_ATTEMPTS, REFRESH_ATTEMPTS } from './mailboxes.constants';

export interface RefreshMailboxesJob {
  orgId: string;
}

export interface ProbeMemberJob {
  orgId: string;
  roxUserId: string;
}

export type MailboxesJobData = RefreshMailboxesJob | ProbeMemberJob;

// Probes honour Graph's Retry-After like directory syncs do (the same backoff strategy).
export const MAILBOXES_QUEUE_SETTINGS = DIRECTORY_QUEUE_SETTINGS;

/** Enqueues and stops the mailboxes feature's keyed jobs. */
@Injectable()
export class MailboxesJobs {
  private readonly jobs: KeyedJobs<MailboxesJobData>;

  constructor(@InjectQueue(QUEUE.mailboxes) queue: Queue<MailboxesJobData>) {
    this.jobs = KeyedJobs.for(queue);
  }

  /** One refresh per org at a time; a change during a run makes it run once more after. */
  async enqueueRefresh(orgId: string): Promise<string> {
    const { jobId } = await this.jobs.enqueue(
      MAILBOXES_JOB.refresh,
      { orgId },
      jobKey(MAILBOXES_JOB.refresh, orgId),
      { attempts: REFRESH_ATTEMPTS, backoff: { type: 'exponential', delay: 2_000 } },
    );
    return jobId;
  }

  async enqueueProbe(orgId: string, roxUserId: string): Promise<string> {
    const { jobId } = await this.jobs.enqueue(
      MAILBOXES_JOB.probeMember,
      { orgId, roxUserId },
      jobKey(MAILBOXES_JOB.probeMember, orgId, roxUserId),
      { attempts: PROBE_ATTEMPTS, backoff: { type: RETRY_AFTER_BACKOFF } },
    );
    return jobId;
  }

  /** Removes the org's waiting and delayed jobs and re-run requests (disconnect). */
  stop(orgId: string): Promise<number> {
    return this.jobs.stopWhere((data) => data.orgId === orgId);
  }
}
