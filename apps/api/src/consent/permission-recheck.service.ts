import { InjectQueue } from '@nestjs/bull';
import { Injectable } from '@nestjs/common';
import { type Queue } from 'bull';

import { jobKey, QUEUE } from '../platform/queue/queue-names';
import { CONSENT_JOB } from './consent.constants';

export interface RecheckPermissionsJob {
  orgId: string;
}

/**
 * Queues a permission re-check for an org (exported by ConsentModule). Call `requestSoon` when
 * Graph answers 403 for a permission reason; one keyed job per org, so bursts collapse.
 */
@Injectable()
export class PermissionRecheck {
  constructor(@InjectQueue(QUEUE.consent) private readonly queue: Queue<RecheckPermissionsJob>) {}

  /** Enqueues the org's re-check unless one is already waiting; returns the job id. */
  async requestSoon(orgId: string): Promise<string> {
    const jobId = recheckJobId(orgId);
    const existing = await this.queue.getJob(jobId);
    if (existing) {
      // A finished job keeps its id in Redis (failed ones are kept); clear it to queue anew.
      const state = await existing.getState();
      if (state === 'completed' || state === 'failed') await existing.remove();
      else return jobId;
    }
    await this.queue.add(CONSENT_JOB.recheckPermissions, { orgId }, { jobId, attempts: 3 });
    return jobId;
  }

  /** Removes the org's queued or delayed re-check (disconnect); returns how many went. */
  async cancel(orgId: string): Promise<number> {
    const existing = await this.queue.getJob(recheckJobId(orgId));
    if (!existing) return 0;
    const state = await existing.getState();
    if (state === 'active') return 0;
    await existing.remove();
    return 1;
  }
}

export function recheckJobId(orgId: string): string {
  return jobKey(CONSENT_JOB.recheckPermissions, orgId);
}
