import { CreateRequestContext, MikroORM } from '@mikro-orm/postgresql';
import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { Cron } from '@nestjs/schedule';

import { AppConfig } from '../config/app-config';
import { ConnectionReader } from '../consent/connection-reader.service';
import { enqueuePerOrg } from '../platform/queue/enqueue-per-org';
import { Clock } from '../platform/time/clock';
import { GraphSubscriptionRepository } from './graph-subscription.repository';
import { NotificationsJobs } from './notifications-jobs.service';
import { RECONCILE_CRON, RENEWAL_CRON, SWEEP_CRON } from './notifications.constants';

// Renewals queued per cron run; the rest wait for the next run (five minutes).
const RENEWALS_PER_RUN = 2_000;

/** Crons and the start-up sweep; they only enqueue, the processor does the work. */
@Injectable()
export class NotificationsScheduler implements OnApplicationBootstrap {
  private readonly logger = new Logger('notifications');

  constructor(
    // CreateRequestContext finds the ORM through this property.
    private readonly orm: MikroORM,
    private readonly config: AppConfig,
    private readonly connections: ConnectionReader,
    private readonly repo: GraphSubscriptionRepository,
    private readonly jobs: NotificationsJobs,
    private readonly clock: Clock,
  ) {}

  /** Worker start: orphans at Graph go, and every org's channels are compared again. */
  @CreateRequestContext()
  async onApplicationBootstrap(): Promise<void> {
    if (this.config.notifications.notificationUrl === null) return;
    try {
      await this.enqueueStartup();
    } catch (error) {
      // A worker must start even when Redis or Postgres hiccup; the crons catch up.
      this.logger.error({ err: error }, 'start-up subscription sweep not queued');
    }
  }

  async enqueueStartup(): Promise<number> {
    return enqueuePerOrg(
      await this.connections.orgsWithMailboxes(),
      'the subscription sweep',
      async (orgId) => {
        await this.jobs.enqueueSweep(orgId);
        await this.jobs.enqueueReconcile(orgId);
      },
    );
  }

  /** Subscriptions past half their lifetime, every org's, get a renewal job each. */
  @Cron(RENEWAL_CRON, { name: 'notifications.renew' })
  @CreateRequestContext()
  async enqueueRenewals(): Promise<number> {
    return this.queueRenewals();
  }

  /** The same for one org only. */
  @CreateRequestContext()
  async enqueueOrgRenewals(orgId: string): Promise<number> {
    return this.queueRenewals(orgId);
  }

  private async queueRenewals(orgId?: string): Promise<number> {
    const due = await this.repo.dueForRenewal(this.clock.now(), RENEWALS_PER_RUN, orgId);
    for (const row of due) {
      await this.jobs.enqueueMaintain({
        orgId: row.orgId,
        roxUserId: row.roxUserId,
        kind: row.kind,
        folder: row.folder,
        action: 'renew',
      });
    }
    return due.length;
  }

  /** Missing subscriptions are created, degraded channels retried, leftovers deleted. */
  @Cron(RECONCILE_CRON, { name: 'notifications.reconcile' })
  @CreateRequestContext()
  async enqueueReconciles(): Promise<number> {
    return enqueuePerOrg(
      await this.connections.orgsWithMailboxes(),
      'the subscription reconcile',
      (orgId) => this.jobs.enqueueReconcile(orgId).then(() => undefined),
    );
  }

  /** Orphans are swept again now and then, not only when a worker starts. */
  @Cron(SWEEP_CRON, { name: 'notifications.sweep' })
  @CreateRequestContext()
  async enqueueSweeps(): Promise<number> {
    if (this.config.notifications.notificationUrl === null) return 0;
    return enqueuePerOrg(
      await this.connections.orgsWithMailboxes(),
      'the subscription sweep',
      (orgId) => this.jobs.enqueueSweep(orgId).then(() => undefined),
    );
  }
}
