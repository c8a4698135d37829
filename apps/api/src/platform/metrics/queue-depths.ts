import { getQueueToken } from '@nestjs/bull';
import { Injectable, type OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { type Queue } from 'bull';

import { QUEUE } from '../queue/queue-names';
import { Metrics, type QueueCounts } from './metrics.service';

/** Gives the Metrics port every queue's job counts, read from Redis when Prometheus scrapes. */
@Injectable()
export class QueueDepths implements OnModuleInit {
  constructor(
    private readonly moduleRef: ModuleRef,
    private readonly metrics: Metrics,
  ) {}

  onModuleInit(): void {
    this.metrics.setQueueDepthSource(() => this.read());
  }

  async read(): Promise<Record<string, QueueCounts>> {
    const depths: Record<string, QueueCounts> = {};
    for (const name of Object.values(QUEUE)) {
      const queue = this.queue(name);
      // Four cheap Redis reads per queue (list and sorted-set lengths), whatever the depth.
      if (queue) depths[name] = { ...(await queue.getJobCounts()) };
    }
    return depths;
  }

  // Queues are registered by the feature modules; a process without one just reports fewer.
  private queue(name: string): Queue | null {
    try {
      return this.moduleRef.get<Queue>(getQueueToken(name), { strict: false });
    } catch {
      return null;
    }
  }
}
