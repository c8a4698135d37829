import { AuditEntry } from '../../src/platform/audit/entities/audit-entry.entity';
import { FACTORY_NOW } from './member.factory';

export function buildAuditEntry(
  over: Partial<ConstructorParameters<typeof AuditEntry>[0]> & { orgId: string },
): AuditEntry {
  return new AuditEntry({
    actorId: 'admin_1',
    actorRole: 'admin',
    action: 'orgwide.settings-updated',
    targetType: 'orgwide_settings',
    targetId: over.orgId,
    details: {},
    requestId: null,
    createdAt: FACTORY_NOW,
    ...over,
  });
}
