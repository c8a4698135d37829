import { Member } from './members/entities/member.entity';
import { AuditEntry } from './platform/audit/entities/audit-entry.entity';

// The composition root's list of every entity, for the ORM and the migration generator.
export const ENTITIES = [Member, AuditEntry];
