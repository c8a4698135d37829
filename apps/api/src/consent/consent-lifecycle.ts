import { Injectable, type OnModuleInit } from '@nestjs/common';

import { LifecycleRegistry } from '../platform/lifecycle/lifecycle-registry.service';
import { IndividualConnectionRepository } from './individual-connection.repository';
import { OrgwideSettingsRepository } from './orgwide-settings.repository';
import { PermissionRecheck } from './permission-recheck.service';

/**
 * Consent's part of the lifecycle: disconnect stops its re-check job, and a member removed from
 * Rox takes their override and individual connections with them. (Disconnect itself removes the
 * connection and consent states after every feature's purge.)
 */
@Injectable()
export class ConsentLifecycle implements OnModuleInit {
  constructor(
    private readonly lifecycle: LifecycleRegistry,
    private readonly recheck: PermissionRecheck,
    private readonly settings: OrgwideSettingsRepository,
    private readonly individual: IndividualConnectionRepository,
  ) {}

  onModuleInit(): void {
    this.lifecycle.register({
      feature: 'consent',
      stopJobs: (orgId) => this.recheck.cancel(orgId),
      purgeMember: {
        member_override: (orgId, roxUserId) => this.settings.purgeMemberOverride(orgId, roxUserId),
        individual_connection: (orgId, roxUserId) => this.individual.purgeMember(orgId, roxUserId),
      },
    });
  }
}
