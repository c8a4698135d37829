import { InjectQueue } from '@nestjs/bull';
import { Injectable } from '@nestjs/common';
import { type Queue } from 'bull';

import { AppConfig } from '../config/app-config';
import { DIRECTORY_QUEUE_SETTINGS } from '../directory/directory-jobs.service';
import { RETRY_AFTER_BACKOFF } from '../directory/directory.constants';
import { FairShare } from '../platform/queue/fair-share.service';
import { KeyedJobs } from '../platform/queue/keyed-jobs';
import { jobKey, QUEUE } from '../platform/queue/queue-names';
import { requeueStaleChannels } from '../platform/sync/sync-channel';
import { SyncErrorCode } from '../platform/sync/sync.errors';
import { Clock } from '../platform/time/clock';
import { MAIL_JOB } from './mail.constants';
import { MailRepository } from './mail.repository';

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

  constructor(
    @InjectQueue(QUEUE.mail) queue: Queue<MailJobData>,
    private readonly repo: MailRepository,
    private readonly clock: Clock,
    private readonly fair: FairShare,
    private readonly config: AppConfig,
  ) {
    this.jobs = KeyedJobs.for(queue);
  }

  /**
   * Stale-job detection: a folder channel busy for STALE_JOB_MINUTES with no live
   * job behind it lost that job (worker killed); it says so and its mailbox is queued again.
   */
  async requeueStale(orgId: string | null = null): Promise<string[]> {
    const now = this.clock.now();
    const staleBefore = new Date(now.getTime() - this.config.queue.staleJobMs);
    const requeued = await requeueStaleChannels({
      candidates: await this.repo.channelsBusySince(staleBefore, orgId),
      staleBefore,
      now,
      code: SyncErrorCode.SYNC_JOB_STALE,
      isJobAlive: (c) => this.jobs.isAlive(mailboxJobId(c.orgId, c.roxUserId)),
      save: (c) => this.repo.saveChannel(c),
      enqueue: async (c) => {
        await this.enqueueMailbox(c.orgId, c.roxUserId);
      },
    });
    return requeued.map((c) => `${c.orgId}:${c.roxUserId}:${c.folder}`);
  }

  /**
   * Sends whose job is gone (a Redis that lost its data, a crash between the row and the job)
   * are queued again. Safe: a send's job looks its message up before it sends (SEND-3).
   */
  async requeueUnfinishedSends(onlyOrgId: string | null = null): Promise<string[]> {
    const before = new Date(this.clock.now().getTime() - this.config.queue.staleJobMs);
    const requeued: string[] = [];
    for (const { orgId, id } of await this.repo.sendsUnfinishedSince(before, onlyOrgId)) {
      if (await this.jobs.isAlive(jobKey(MAIL_JOB.send, orgId, id))) continue;
      await this.enqueueSend(orgId, id);
      requeued.push(`${orgId}:${id}`);
    }
    return requeued;
  }

  /** One cycle per org at a time; a request during a run makes it run once more. */
  async enqueueCycle(orgId: string): Promise<string> {
    const { jobId } = await this.jobs.enqueue(MAIL_JOB.cycle, { orgId }, cycleJobId(orgId), {
      attempts: 3,
      ...this.fair.urgent(),
    });
    return jobId;
  }

  /**
   * One sync per mailbox at a time. `position` is the job's place in its org's cycle (fair
   * share between orgs); without one it goes first.
   */
  async enqueueMailbox(orgId: string, roxUserId: string, position?: number): Promise<string> {
    const { jobId } = await this.jobs.enqueue(
      MAIL_JOB.syncMailbox,
      { orgId, roxUserId },
      mailboxJobId(orgId, roxUserId),
      {
        attempts: 5,
        backoff: { type: RETRY_AFTER_BACKOFF },
        ...(position === undefined ? this.fair.urgent() : this.fair.backlog(position)),
      },
    );
    return jobId;
  }

  /** One job per send; retried only where nothing can have been sent twice (see MailSendService). */
  async enqueueSend(orgId: string, sendId: string): Promise<string> {
    const { jobId } = await this.jobs.enqueue(
      MAIL_JOB.send,
      { orgId, sendId },
      jobKey(MAIL_JOB.send, orgId, sendId),
      // Pacing waits count as attempts: enough of them for a burst to drain.
      { attempts: 20, backoff: { type: RETRY_AFTER_BACKOFF }, ...this.fair.urgent() },
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
