import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';

import { LifecycleRegistry } from '../platform/lifecycle/lifecycle-registry.service';
import { PushJobs } from './push-jobs.service';
import { CONNECTION_CAUSES, FEED_EVENT } from './push.constants';
import { PushRepository } from './push.repository';

/**
 * Push in the org's life: a moved change feed or a connection status change queues notices for
 * the endpoints that asked for them; disconnect stops the jobs and purges endpoints and logs.
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
        push_endpoint: (orgId) => this.repo.purgeOrgEndpoints(orgId),
      },
      onFeedChanged: async (orgId, feed) => {
        await this.jobs.notify(orgId, FEED_EVENT[feed]);
      },
      // A fresh consent, a grant found revoked or restored, a member's own connection
      // made, lost or removed. (An org-wide disconnect purges the endpoints before this runs.)
      onScopeChanged: async (orgId, change) => {
        if (CONNECTION_CAUSES.has(change.cause))
          await this.jobs.notify(orgId, 'connection.changed');
      },
    });
  }
}
