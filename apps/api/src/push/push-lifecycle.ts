import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';

import { LifecycleRegistry } from '../platform/lifecycle/lifecycle-registry.service';
import { PushJobs } from './push-jobs.service';
import { CONNECTION_CAUSES, FEED_EVENT } from './push.constants';
import { PushRepository } from './push.repository';

/**
 * Push in the org's life: a moved change feed or a connection status change queues notices for
 * the endpoints that asked for them. Disconnect stops the jobs and purges the delivery log; the
 * endpoints are Rox's own configuration (like the org's settings), so they stay and hear of it.
 */
@Injectable()
export class PushLifecycle implements OnModuleInit {
  private readonly logger = new Logger('push');

  constructor(
    private readonly lifecycle: LifecycleRegistry,
    private readonly jobs: PushJobs,
    private readonly repo: PushRepository,
  ) {}

  onModuleInit(): void {
    this.lifecycle.register({
      feature: 'push',
      // A failed notice must not read as a failed connect: logged, not rethrown.
      onConnected: async (orgId) => {
        try {
          await this.jobs.notify(orgId, 'connection.changed');
        } catch (error) {
          this.logger.warn({ orgId, err: error }, 'connection notice not queued');
        }
      },
      stopJobs: (orgId) => this.jobs.stop(orgId),
      purgeOrg: {
        push_attempt: (orgId) => this.repo.purgeOrgAttempts(orgId),
        push_delivery: (orgId) => this.repo.purgeOrgDeliveries(orgId),
      },
      onFeedChanged: async (orgId, feed) => {
        await this.jobs.notify(orgId, FEED_EVENT[feed]);
      },
      // A fresh consent, an org-wide disconnect, a grant found revoked or restored, a member's
      // own connection made, lost or removed.
      onScopeChanged: async (orgId, change) => {
        if (CONNECTION_CAUSES.has(change.cause))
          await this.jobs.notify(orgId, 'connection.changed');
      },
    });
  }
}
