import { type AuditEntry as AuditEntryContract } from '@rox365/contracts';

import { type AuditEntry } from './entities/audit-entry.entity';

export function toAuditEntryContract(entry: AuditEntry): AuditEntryContract {
  return {
    id: String(entry.id),
    action: entry.action,
    actor: { id: entry.actorId, role: entry.actorRole },
    target: { type: entry.targetType, id: entry.targetId },
    details: entry.details,
    requestId: entry.requestId,
    createdAt: entry.createdAt.toISOString(),
  };
}
