import { InjectQueue } from '@nestjs/bull';
import { Injectable } from '@nestjs/common';
import { type Queue } from 'bull';

import { AppConfig } from '../config/app-config';
import { DomainError } from '../platform/errors/domain-error';
import { FairShare } from '../platform/queue/fair-share.service';
import { KeyedJobs } from '../platform/queue/keyed-jobs';
import { jobKey, QUEUE } from '../platform/queue/queue-names';
import { markQueued, requeueStaleChannels } from '../platform/sync/sync-channel';
import { SyncErrorCode } from '../platform/sync/sync.errors';
import { Clock } from '../platform/time/clock';
import { CalendarWriteRepository } from './calendar-write.repository';
import {
  CALENDAR_JOB,
  FALLBACK_BACKOFF_BASE_MS,
  MAX_BACKOFF_MS,
  RETRY_AFTER_BACKOFF,
  SYNC_ATTEMPTS,
  WRITE_ATTEMPTS,
} from './calendar.constants';
import { CalendarRepository } from './calendar.repository';

export interface CalendarSyncJob {
  orgId: string;
  roxUserId: string;
}

export interface CalendarRefreshJob {
  orgId: string;
}

export interface CalendarWriteJob {
  orgId: string;
  writeId: string;
}
export type CalendarJobData = CalendarSyncJob | CalendarRefreshJob | CalendarWriteJob;

/** Bull backoff: Graph's Retry-After for this mailbox when it sent one, else exponential. */
export function calendarRetryBackoff(attemptsMade: number, error: unknown): number {
  if (error instanceof DomainError && error.retryAfterMs !== undefined) {
    return Math.min(Math.max(error.retryAfterMs, 0), MAX_BACKOFF_MS);
  }
  const ceiling = Math.min(
    FALLBACK_BACKOFF_BASE_MS * 2 ** Math.max(attemptsMade - 1, 0),
    MAX_BACKOFF_MS,
  );
  // Jitter, so many mailboxes throttled together do not come back together.
  return Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
}

export const CALENDAR_QUEUE_SETTINGS = {
  backoffStrategies: { [RETRY_AFTER_BACKOFF]: calendarRetryBackoff },
};

/** Enqueues and stops the calendar feature's keyed jobs. */
@Injectable()
export class CalendarJobs {
  private readonly jobs: KeyedJobs<CalendarJobData>;

  constructor(
    @InjectQueue(QUEUE.calendar) queue: Queue<CalendarJobData>,
    private readonly repo: CalendarRepository,
    private readonly writes: CalendarWriteRepository,
    private readonly clock: Clock,
    private readonly fair: FairShare,
    private readonly config: AppConfig,
  ) {
    this.jobs = KeyedJobs.for(queue);
  }

  /**
   * One sync per mailbox at a time; a request while it runs makes it run once more. `position`
   * is the job's place in its org's cycle (fair share between orgs); without one it goes first.
   */
  async enqueueSync(orgId: string, roxUserId: string, position?: number): Promise<string> {
    const channel = await this.repo.channel(orgId, roxUserId);
    // Queued before the job exists, so a fast job's "ok" is never overwritten by a late "queued".
    markQueued(channel, this.clock.now());
    await this.repo.saveChannel(channel);
    const { jobId } = await this.jobs.enqueue(
      CALENDAR_JOB.syncMailbox,
      { orgId, roxUserId },
      syncJobId(orgId, roxUserId),
      {
        attempts: SYNC_ATTEMPTS,
        backoff: { type: RETRY_AFTER_BACKOFF },
        ...(position === undefined ? this.fair.urgent() : this.fair.backlog(position)),
      },
    );
    return jobId;
  }

  /** One Rox → Outlook write; its row is stored (status queued) before this is called. */
  async enqueueWrite(orgId: string, writeId: string): Promise<string> {
    const { jobId } = await this.jobs.enqueue(
      CALENDAR_JOB.write,
      { orgId, writeId },
      jobKey(CALENDAR_JOB.write, writeId),
      { attempts: WRITE_ATTEMPTS, backoff: { type: RETRY_AFTER_BACKOFF }, ...this.fair.urgent() },
    );
    return jobId;
  }

  /**
   * Writes whose job is gone (a Redis that lost its data, a crash between the row and the job)
   * are queued again. Safe: a resumed create finds its event by the Rox tag before it posts.
   */
  async requeueUnfinishedWrites(onlyOrgId: string | null = null): Promise<string[]> {
    const before = new Date(this.clock.now().getTime() - this.config.queue.staleJobMs);
    const requeued: string[] = [];
    for (const { orgId, id } of await this.writes.unfinishedSince(before, onlyOrgId)) {
      if (await this.jobs.isAlive(jobKey(CALENDAR_JOB.write, id))) continue;
      await this.enqueueWrite(orgId, id);
      requeued.push(`${orgId}:${id}`);
    }
    return requeued;
  }

  /** The org's cycle: purge mailboxes out of scope, queue syncs for the others. */
  async enqueueRefresh(orgId: string, delayMs = 0): Promise<string> {
    const { jobId } = await this.jobs.enqueue(
      CALENDAR_JOB.refreshOrg,
      { orgId },
      refreshJobId(orgId),
      {
        attempts: 3,
        ...this.fair.urgent(),
        ...(delayMs > 0 ? { delay: delayMs } : {}),
      },
    );
    return jobId;
  }

  /** channels busy past the timeout whose job is gone are queued again with the reason. */
  async requeueStale(orgId: string | null = null): Promise<string[]> {
    const now = this.clock.now();
    const staleBefore = new Date(now.getTime() - this.config.queue.staleJobMs);
    const requeued = await requeueStaleChannels({
      candidates: await this.repo.channelsBusySince(staleBefore, orgId),
      staleBefore,
      now,
      code: SyncErrorCode.SYNC_JOB_STALE,
      isJobAlive: (c) => this.jobs.isAlive(syncJobId(c.orgId, c.roxUserId)),
      save: (c) => this.repo.saveChannel(c),
      enqueue: async (c) => {
        await this.jobs.enqueue(
          CALENDAR_JOB.syncMailbox,
          { orgId: c.orgId, roxUserId: c.roxUserId },
          syncJobId(c.orgId, c.roxUserId),
          {
            attempts: SYNC_ATTEMPTS,
            backoff: { type: RETRY_AFTER_BACKOFF },
            ...this.fair.urgent(),
          },
        );
      },
    });
    return requeued.map((c) => `${c.orgId}/${c.roxUserId}`);
  }

  stop(orgId: string): Promise<number> {
    return this.jobs.stopWhere((data) => data.orgId === orgId);
  }
}

export function syncJobId(orgId: string, roxUserId: string): string {
  return jobKey(CALENDAR_JOB.syncMailbox, orgId, roxUserId);
}

export function refreshJobId(orgId: string): string {
  return jobKey(CALENDAR_JOB.refreshOrg, orgId);
}
