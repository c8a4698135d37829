import { createHash } from 'node:crypto';

import { InjectQueue } from '@nestjs/bull';
import { Injectable } from '@nestjs/common';
import { type Queue } from 'bull';

import { AppConfig } from '../config/app-config';
import { KeyedJobs, type KeyedEnqueueResult } from '../platform/queue/keyed-jobs';
import { jobKey, QUEUE } from '../platform/queue/queue-names';
import { type SubscriptionKind } from './entities/graph-subscription.entity';
import { NOTIFICATIONS_JOB, REJECTION_AUDIT_WINDOW_SECONDS } from './notifications.constants';

/** What the receiver keeps of one notification: who it claims to be, never its data. */
export interface ReceiptJob {
  type: 'change' | 'lifecycle';
  subscriptionId: string;
  /** Hex SHA-256 of the clientState it carried; null when it carried none. */
  clientStateHash: string | null;
  lifecycleEvent: string | null;
  /** The tenant it names (unverified), to find whose audit log an unknown id goes to. */
  tenantId: string | null;
}

export interface OrgJob {
  orgId: string;
}

export interface MailboxJob {
  orgId: string;
  roxUserId: string;
}

export type MaintainAction = 'renew' | 'reauthorize' | 'recreate';

export interface MaintainJob {
  orgId: string;
  roxUserId: string;
  kind: SubscriptionKind;
  folder: string;
  action: MaintainAction;
}

export interface DeletionJob {
  orgId: string;
  tenantId: string;
  subscriptionIds: string[];
}

export type NotificationsJobData = ReceiptJob | OrgJob | MailboxJob | MaintainJob | DeletionJob;

/** Enqueues and stops the notifications feature's keyed jobs. */
@Injectable()
export class NotificationsJobs {
  private readonly jobs: KeyedJobs<NotificationsJobData>;

  constructor(
    @InjectQueue(QUEUE.notifications) private readonly queue: Queue<NotificationsJobData>,
    private readonly config: AppConfig,
  ) {
    this.jobs = KeyedJobs.for(queue);
  }

  /**
   * One job per subscription, event and presented clientState: repeats while it waits are the
   * same job. Changes wait out the debounce window, so a burst costs one delta round; a
   * different clientState gets a job of its own, so a forged one cannot swallow the real one.
   */
  enqueueReceipt(receipt: ReceiptJob): Promise<KeyedEnqueueResult> {
    const delay = receipt.type === 'change' ? this.config.notifications.debounceMs : 0;
    return this.jobs.enqueue(
      NOTIFICATIONS_JOB.receive,
      receipt,
      jobKey(
        NOTIFICATIONS_JOB.receive,
        receipt.lifecycleEvent ?? receipt.type,
        receipt.subscriptionId,
        receipt.clientStateHash?.slice(0, 16) ?? 'none',
      ),
      { attempts: 3, ...(delay > 0 ? { delay } : {}) },
    );
  }

  async enqueueReconcile(orgId: string): Promise<string> {
    const { jobId } = await this.jobs.enqueue(
      NOTIFICATIONS_JOB.reconcileOrg,
      { orgId },
      jobKey(NOTIFICATIONS_JOB.reconcileOrg, orgId),
      { attempts: 3 },
    );
    return jobId;
  }

  async enqueueMailbox(orgId: string, roxUserId: string): Promise<string> {
    const { jobId } = await this.jobs.enqueue(
      NOTIFICATIONS_JOB.syncMailbox,
      { orgId, roxUserId },
      jobKey(NOTIFICATIONS_JOB.syncMailbox, orgId, roxUserId),
      { attempts: 5 },
    );
    return jobId;
  }

  /** One maintenance job per channel: a renewal queued first still finds a removed one (404). */
  async enqueueMaintain(job: MaintainJob): Promise<string> {
    const { jobId } = await this.jobs.enqueue(
      NOTIFICATIONS_JOB.maintain,
      job,
      jobKey(NOTIFICATIONS_JOB.maintain, job.orgId, job.roxUserId, job.kind, job.folder || '-'),
      { attempts: 3 },
    );
    return jobId;
  }

  /** Keyed by the ids themselves: a later disconnect's ids never join an earlier waiting job. */
  async enqueueDeletion(job: DeletionJob): Promise<string> {
    const ids = createHash('sha256').update(job.subscriptionIds.join(',')).digest('hex');
    const { jobId } = await this.jobs.enqueue(
      NOTIFICATIONS_JOB.deleteSubscriptions,
      job,
      jobKey(NOTIFICATIONS_JOB.deleteSubscriptions, job.orgId, job.tenantId, ids.slice(0, 24)),
      { attempts: 5 },
    );
    return jobId;
  }

  async enqueueSweep(orgId: string): Promise<string> {
    const { jobId } = await this.jobs.enqueue(
      NOTIFICATIONS_JOB.sweepOrphans,
      { orgId },
      jobKey(NOTIFICATIONS_JOB.sweepOrphans, orgId),
      { attempts: 3 },
    );
    return jobId;
  }

  /**
   * True for the first caller per key and window: rejected notifications are audited at most
   * once a minute per subscription, so a flood cannot flood the audit log.
   */
  async claimRejectionAudit(key: string): Promise<boolean> {
    const reply = await this.queue.client.set(
      this.queue.toKey(`rejected:${key}`),
      '1',
      'EX',
      REJECTION_AUDIT_WINDOW_SECONDS,
      'NX',
    );
    return reply === 'OK';
  }

  /** Removes the org's pending jobs (receipts carry no org: they find no row once purged). */
  stop(orgId: string): Promise<number> {
    return this.jobs.stopWhere((data) => 'orgId' in data && data.orgId === orgId);
  }
}
