import { Injectable } from '@nestjs/common';
import { type JobOptions } from 'bull';

import { AppConfig } from '../../config/app-config';

// Bull takes priorities from 1 (first) up; bands past this one share it (a backlog of millions).
const LAST_BAND = 1_000_000;

/**
 * Fairness between orgs on a queue they share (calendar, mail). An org's cycle queues its
 * mailbox syncs in Bull priority bands of `QUEUE_FAIR_SHARE` jobs: its first n jobs get
 * priority 1, the next n priority 2, and so on, and Bull serves a lower number first (FIFO
 * within one). A small org's cycle and syncs therefore land in the first bands and run after
 * at most a band of each other org's backlog, whatever its size; a big org's backlog still
 * drains at full speed when no one else waits. The order lives in Redis (Bull's priority set),
 * so it holds across any number of worker processes, and nothing is counted that a killed
 * worker could leak: a job keeps its priority through retries and re-runs.
 *
 * Every job on such a queue must carry a priority while this is on: Bull puts a job without
 * one behind every prioritized job. Off (0), jobs carry none and the queue is plain FIFO.
 */
@Injectable()
export class FairShare {
  constructor(private readonly config: AppConfig) {}

  /** A job that waits behind no org's backlog: a cycle, a write or send, a stale re-queue. */
  urgent(): Pick<JobOptions, 'priority'> {
    return this.config.queue.fairShare > 0 ? { priority: 1 } : {};
  }

  /** The `position`-th (from 0) mailbox job one org's cycle queues. */
  backlog(position: number): Pick<JobOptions, 'priority'> {
    const share = this.config.queue.fairShare;
    return share > 0 ? { priority: bandPriority(position, share) } : {};
  }
}

/** Bull priority of the `position`-th job of an org's backlog in bands of `share`. */
export function bandPriority(position: number, share: number): number {
  return Math.min(1 + Math.floor(Math.max(position, 0) / share), LAST_BAND);
}
