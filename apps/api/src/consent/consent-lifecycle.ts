import { Injectable, type OnModuleInit } from '@nestjs/common';

import { LifecycleRegistry } from '../platform/lifecycle/lifecycle-registry.service';
import { AuthStateRepository } from './auth-state/auth-state.repository';
import { IndividualConnectionRepository } from './individual-connection.repository';
import { IndividualTokenRepository } from './individual/individual-token.repository';
import { OrgwideSettingsRepository } from './orgwide-settings.repository';
import { PermissionRecheck } from './permission-recheck.service';

/**
 * Consent's part of the lifecycle: disconnect stops its re-check job, a member removed from Rox
 * takes their override, individual connections and sealed tokens with them, and a disconnected
 * individual connection its token and sign-in states. (Disconnect itself removes the
 * connection and consent states after every feature's purge.)
 */
@Injectable()
export class ConsentLifecycle implements OnModuleInit {
  constructor(
    private readonly lifecycle: LifecycleRegistry,
    private readonly recheck: PermissionRecheck,
    private readonly settings: OrgwideSettingsRepository,
    private readonly individual: IndividualConnectionRepository,
    private readonly tokens: IndividualTokenRepository,
    private readonly states: AuthStateRepository,
  ) {}

  onModuleInit(): void {
    this.lifecycle.register({
      feature: 'consent',
      stopJobs: (orgId) => this.recheck.cancel(orgId),
      purgeMember: {
        member_override: (orgId, roxUserId) => this.settings.purgeMemberOverride(orgId, roxUserId),
        individual_token: (orgId, roxUserId) => this.tokens.purgeMember(orgId, roxUserId),
        individual_connection: (orgId, roxUserId) => this.individual.purgeMember(orgId, roxUserId),
      },
      // A disconnected individual connection takes its sealed token and sign-in states along.
      purgeConnection: {
        individual_token: (_orgId, connectionId) => this.tokens.deleteForConnection(connectionId),
        auth_state: (_orgId, connectionId) => this.states.deleteForConnections([connectionId]),
      },
    });
  }
}
