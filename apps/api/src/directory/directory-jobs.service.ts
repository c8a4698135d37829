import { InjectQueue } from '@nestjs/bull';
import { Injectable } from '@nestjs/common';
import { type Job, type JobOptions, type Queue } from 'bull';

import { DomainError } from '../platform/errors/domain-error';
import { jobKey, QUEUE } from '../platform/queue/queue-names';
import { Clock } from '../platform/time/clock';
import {
  DIRECTORY_JOB,
  FALLBACK_BACKOFF_BASE_MS,
  MAX_BACKOFF_MS,
  PROBE_ATTEMPTS,
  RETRY_AFTER_BACKOFF,
} from './directory.constants';
import { DirectoryRepository } from './directory.repository';

export interface DirectorySyncJob {
  orgId: string;
}

export interface ProbeMemberJob {
  orgId: string;
  roxUserId: string;
}

export type DirectoryJobData = DirectorySyncJob | ProbeMemberJob;

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
  constructor(
    @InjectQueue(QUEUE.directory) private readonly queue: Queue<DirectoryJobData>,
    private readonly repo: DirectoryRepository,
    private readonly clock: Clock,
  ) {}

  /** One sync per org at a time: a second request while one waits is the same job. */
  async enqueueSync(orgId: string): Promise<string> {
    const jobId = syncJobId(orgId);
    await this.addKeyed(DIRECTORY_JOB.sync, { orgId }, jobId, { attempts: 5 });
    const state = await this.repo.syncState(orgId);
    state.markQueued(this.clock.now());
    await this.repo.saveSyncState(state);
    return jobId;
  }

  async enqueueProbe(orgId: string, roxUserId: string): Promise<string> {
    const jobId = jobKey(DIRECTORY_JOB.probeMember, orgId, roxUserId);
    await this.addKeyed(DIRECTORY_JOB.probeMember, { orgId, roxUserId }, jobId, {
      attempts: PROBE_ATTEMPTS,
    });
    return jobId;
  }

  /** Removes the org's waiting and delayed jobs (disconnect); returns how many went. */
  async stop(orgId: string): Promise<number> {
    const jobs = await this.queue.getJobs(['waiting', 'delayed', 'paused']);
    let removed = 0;
    for (const job of jobs) {
      if (job?.data.orgId !== orgId) continue;
      await job.remove();
      removed += 1;
    }
    return removed;
  }

  private async addKeyed(
    name: string,
    data: DirectoryJobData,
    jobId: string,
    options: JobOptions,
  ): Promise<Job<DirectoryJobData>> {
    const existing = await this.queue.getJob(jobId);
    if (existing) {
      // Finished jobs keep their id (failed ones are kept for inspection): clear it to queue anew.
      const state = await existing.getState();
      if (state === 'completed' || state === 'failed') await existing.remove();
      else return existing;
    }
    return this.queue.add(name, data, {
      ...options,
      jobId,
      backoff: { type: RETRY_AFTER_BACKOFF },
    });
  }
}

export function syncJobId(orgId: string): string {
  return jobKey(DIRECTORY_JOB.sync, orgId);
}
