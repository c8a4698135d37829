import { InjectQueue } from '@nestjs/bull';
import { Injectable } from '@nestjs/common';
import { type JobOptions, type Queue } from 'bull';

import { PUSH_EVENT_TYPES, type PushEventType } from '@rox365/contracts';

import { AppConfig } from '../config/app-config';
import { KeyedJobs, type KeyedEnqueueOutcome } from '../platform/queue/keyed-jobs';
import { jobKey, QUEUE } from '../platform/queue/queue-names';
import { Clock } from '../platform/time/clock';
import { PUSH_JOB } from './push.constants';
import { PushRepository } from './push.repository';

export interface PushDeliveryJob {
  orgId: string;
  endpointId: string;
  eventType: PushEventType;
  /** When the change that queued it was noticed (ISO). */
  occurredAt: string;
}

/**
 * Queues notices. One keyed job per endpoint and event type: while one waits or backs off
 * between attempts, further changes ride on it (each attempt carries the feed's head then), so
 * a busy mailbox costs a receiver one pending delivery, not one per round.
 */
@Injectable()
export class PushJobs {
  private readonly jobs: KeyedJobs<PushDeliveryJob>;

  constructor(
    @InjectQueue(QUEUE.push) queue: Queue<PushDeliveryJob>,
    private readonly repo: PushRepository,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {
    this.jobs = KeyedJobs.for(queue);
  }

  /** Queues the event for every endpoint of the org that subscribed to it. */
  async notify(orgId: string, eventType: PushEventType): Promise<number> {
    const endpoints = await this.repo.endpoints(orgId);
    let queued = 0;
    for (const endpoint of endpoints) {
      if (!endpoint.eventTypes.includes(eventType)) continue;
      await this.enqueue(orgId, endpoint.id, eventType);
      queued += 1;
    }
    return queued;
  }

  async enqueue(
    orgId: string,
    endpointId: string,
    eventType: PushEventType,
  ): Promise<KeyedEnqueueOutcome> {
    const data = { orgId, endpointId, eventType, occurredAt: this.clock.now().toISOString() };
    const { outcome } = await this.jobs.enqueue(
      PUSH_JOB.deliver,
      data,
      pushJobId(endpointId, eventType),
      this.jobOptions(),
    );
    return outcome;
  }

  /** An endpoint's pending jobs (it is being deleted). */
  async cancelEndpoint(endpointId: string): Promise<void> {
    for (const eventType of PUSH_EVENT_TYPES)
      await this.jobs.cancel(pushJobId(endpointId, eventType));
  }

  /** The org's pending jobs and re-run flags (disconnect). */
  stop(orgId: string): Promise<number> {
    return this.jobs.stopWhere((data) => data.orgId === orgId);
  }

  private jobOptions(): JobOptions {
    return {
      attempts: this.config.push.attempts,
      backoff: { type: 'exponential', delay: this.config.push.retryBaseMs },
    };
  }
}

export function pushJobId(endpointId: string, eventType: PushEventType): string {
  return jobKey(PUSH_JOB.deliver, endpointId, eventType);
}
