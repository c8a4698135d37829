import { InjectQueue } from '@nestjs/bull';
import { Injectable } from '@nestjs/common';
import { type Queue } from 'bull';

import { DomainError } from '../platform/errors/domain-error';
import { KeyedJobs } from '../platform/queue/keyed-jobs';
import { jobKey, QUEUE } from '../platform/queue/queue-names';
import { requeueStaleChannels } from '../platform/sync/sync-channel';
import { SyncErrorCode } from '../platform/sync/sync.errors';
import { Clock } from '../platform/time/clock';
import {
  DIRECTORY_JOB,
  FALLBACK_BACKOFF_BASE_MS,
  MAX_BACKOFF_MS,
  RETRY_AFTER_BACKOFF,
  STALE_SYNC_AFTER_MS,
} from './directory.constants';
import { DirectoryRepository } from './directory.repository';

export interface DirectorySyncJob {
  orgId: string;
}

export type DirectoryJobData = DirectorySyncJob;

/**
 * Bull backoff for directory jobs: Graph's Retry-After when it sent one (so a long throttle
 * reschedules the job instead of spinning), otherwise exponential.
 */
export function retryAfterBackoff(attemptsMade: number, error: unknown): number {
  if (error instanceof DomainError && error.retryAfterMs !== undefined) {
    return Math.min(Math.max(error.retryAfterMs, 0), MAX_BACKOFF_MS);
  }
  return Math.min(FALLBACK_BACKOFF_BASE_MS * 2 ** Math.max(attemptsMade - 1, 0), MAX_BACKOFF_MS);
}

/** Queue settings every registration of the directory queue shares. */
export const DIRECTORY_QUEUE_SETTINGS = {
  backoffStrategies: { [RETRY_AFTER_BACKOFF]: retryAfterBackoff },
};

/** Enqueues and stops the directory feature's keyed jobs. */
@Injectable()
export class DirectoryJobs {
  private readonly jobs: KeyedJobs<DirectoryJobData>;

  constructor(
    @InjectQueue(QUEUE.directory) queue: Queue<DirectoryJobData>,
    private readonly repo: DirectoryRepository,
    private readonly clock: Clock,
  ) {
    this.jobs = KeyedJobs.for(queue);
  }

  /**
   * One sync per org at a time; a request while one runs makes it run once more after. The
   * stage says queued before the job exists, so it can only move forward (queued → running → ok).
   */
  async enqueueSync(orgId: string): Promise<string> {
    // Queued first, in one statement: a job that finishes before this call returns leaves "ok".
    await this.repo.markSyncQueued(orgId, this.clock.now());
    const { jobId } = await this.jobs.enqueue(DIRECTORY_JOB.sync, { orgId }, syncJobId(orgId), {
      attempts: 5,
      backoff: { type: RETRY_AFTER_BACKOFF },
    });
    return jobId;
  }

  /**
   * Stale-job detection: an org whose sync has said running (or queued) for STALE_SYNC_AFTER_MS
   * with no live job behind it lost that job (worker killed, job removed); queue it again.
   * Returns the org ids re-queued.
   */
  async requeueStaleSyncs(): Promise<string[]> {
    const now = this.clock.now();
    const staleBefore = new Date(now.getTime() - STALE_SYNC_AFTER_MS);
    const requeued = await requeueStaleChannels({
      candidates: await this.repo.syncStatesBusySince(staleBefore),
      staleBefore,
      now,
      code: SyncErrorCode.SYNC_JOB_STALE,
      isJobAlive: (state) => this.jobs.isAlive(syncJobId(state.orgId)),
      save: (state) => this.repo.saveSyncState(state),
      enqueue: async (state) => {
        await this.enqueueSync(state.orgId);
      },
    });
    return requeued.map((state) => state.orgId);
  }

  /** Removes the org's waiting and delayed jobs and re-run requests (disconnect). */
  stop(orgId: string): Promise<number> {
    return this.jobs.stopWhere((data) => data.orgId === orgId);
  }
}

export function syncJobId(orgId: string): string {
  return jobKey(DIRECTORY_JOB.sync, orgId);
}
