import { Injectable } from '@nestjs/common';

import {
  DEFAULT_INDIVIDUAL_LEVEL,
  type AdminApprovalHelp,
  type IndividualLevel,
} from '@rox365/contracts';
import { DELEGATED_BASE_SCOPES, individualConnectionScopes } from '@rox365/scope-policy';

import { AppConfig } from '../../config/app-config';
import { IndividualGraph } from '../../platform/graph/graph.module';
import { type IndividualConnection } from '../entities/individual-connection.entity';
import {
  ADMIN_LINK_STATE,
  adminApprovalSteps,
  INDIVIDUAL_CALLBACK_PATH,
  troubleshootingHint,
} from './individual.constants';

/**
 * What a member waiting for approval can hand their Microsoft admin: the individual app's
 * admin-consent link for their tenant, the Entra steps of seed 001 and the troubleshooting hint.
 */
@Injectable()
export class ApprovalHelp {
  constructor(
    private readonly config: AppConfig,
    private readonly graph: IndividualGraph,
  ) {}

  get appDisplayName(): string {
    return this.config.microsoft.individual.displayName;
  }

  /** Null unless the connection (or its upgrade) waits for an admin. */
  for(connection: IndividualConnection, orgTenantId: string | null): AdminApprovalHelp | null {
    // A row waiting from before levels were kept asks for the default level, as its Connect did.
    const level =
      connection.status === 'needs_admin_approval'
        ? (connection.level ?? DEFAULT_INDIVIDUAL_LEVEL[connection.kind])
        : connection.awaitedLevel();
    if (level === null) return null;
    // The tenant the member signs in to: the org-wide one, or the one their email's domain names.
    const domain = connection.expectedEmail?.split('@')[1] ?? null;
    const tenant = connection.tenantId ?? orgTenantId ?? domain ?? 'organizations';
    return {
      appDisplayName: this.appDisplayName,
      adminConsentUrl: this.graph.delegated.adminConsentUrl({
        tenant,
        redirectUri: `${this.config.http.publicApiUrl}${INDIVIDUAL_CALLBACK_PATH}`,
        state: ADMIN_LINK_STATE,
      }),
      adminSteps: adminApprovalSteps(
        this.appDisplayName,
        featurePermissions(connection.kind, level),
      ),
      troubleshooting: troubleshootingHint(this.appDisplayName),
    };
  }
}

// What the level waited for asks Microsoft for beyond sign-in (as its Connect asked), named in
// the admin's verification step.
function featurePermissions(kind: IndividualConnection['kind'], level: IndividualLevel): string[] {
  return individualConnectionScopes(kind, level).filter((s) => !DELEGATED_BASE_SCOPES.includes(s));
}
