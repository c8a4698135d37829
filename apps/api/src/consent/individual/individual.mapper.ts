import {
  type AdminApprovalHelp,
  type IndividualConnection as IndividualConnectionContract,
} from '@rox365/contracts';

import { type IndividualConnection } from '../entities/individual-connection.entity';

export function toIndividualConnectionContract(
  connection: IndividualConnection,
  approval: AdminApprovalHelp | null = null,
): IndividualConnectionContract {
  return {
    id: connection.id,
    roxUserId: connection.roxUserId,
    provider: connection.provider,
    kind: connection.kind,
    level: connection.level,
    pendingLevel: connection.status === 'connected' ? connection.pendingLevel : null,
    status: connection.status,
    statusReason: connection.statusReason,
    microsoftAccount: connection.microsoftUsername,
    expectedEmail: connection.expectedEmail,
    tenantId: connection.tenantId,
    scopes: [...(connection.scopes ?? [])],
    connectedAt: connection.connectedAt?.toISOString() ?? null,
    approval,
    createdAt: connection.createdAt.toISOString(),
    updatedAt: connection.updatedAt.toISOString(),
  };
}
