import { getQueueToken } from '@nestjs/bull';
import { Injectable, Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { type Queue } from 'bull';

import { KeyedJobs } from './keyed-jobs';
import { QUEUE } from './queue-names';

// Redis may be down at shutdown (the drain then waits on it): closing must still go ahead.
const DRAIN_LIMIT_MS = 15_000;

const logger = new Logger('jobs');

/**
 * Before the queues close (their own shutdown hook), lets this process's running keyed jobs
 * finish and hand their re-runs over (KeyedJobs.drain), for at most DRAIN_LIMIT_MS.
 */
@Injectable()
export class QueueDrain implements BeforeApplicationShutdown {
  constructor(private readonly moduleRef: ModuleRef) {}

  async beforeApplicationShutdown(): Promise<void> {
    const drains = Object.values(QUEUE).flatMap((name) => {
      const keyed = this.queue(name);
      return keyed ? [keyed.drain()] : [];
    });
    if (drains.length === 0) return;
    let timer: NodeJS.Timeout | undefined;
    const limit = new Promise<'limit'>((resolve) => {
      timer = setTimeout(() => resolve('limit'), DRAIN_LIMIT_MS);
    });
    const outcome = await Promise.race([Promise.all(drains), limit]);
    clearTimeout(timer);
    if (outcome === 'limit') logger.warn('queues closing before their running jobs finished');
  }

  private queue(name: string): KeyedJobs<unknown> | undefined {
    try {
      return KeyedJobs.existing(this.moduleRef.get<Queue>(getQueueToken(name), { strict: false }));
    } catch {
      return undefined; // this process does not register that queue
    }
  }
}
