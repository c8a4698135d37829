import { InjectQueue } from '@nestjs/bull';
import { Injectable } from '@nestjs/common';
import { type Queue } from 'bull';

import { KeyedJobs } from '../platform/queue/keyed-jobs';
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
  private readonly jobs: KeyedJobs<RecheckPermissionsJob>;

  constructor(@InjectQueue(QUEUE.consent) queue: Queue<RecheckPermissionsJob>) {
    this.jobs = KeyedJobs.for(queue);
  }

  /** Enqueues the org's re-check (once more after a running one); returns the job id. */
  async requestSoon(orgId: string): Promise<string> {
    const { jobId } = await this.jobs.enqueue(
      CONSENT_JOB.recheckPermissions,
      { orgId },
      recheckJobId(orgId),
      { attempts: 3 },
    );
    return jobId;
  }

  /** Removes the org's queued or delayed re-check (disconnect); returns how many went. */
  cancel(orgId: string): Promise<number> {
    return this.jobs.cancel(recheckJobId(orgId));
  }
}

export function recheckJobId(orgId: string): string {
  return jobKey(CONSENT_JOB.recheckPermissions, orgId);
}
