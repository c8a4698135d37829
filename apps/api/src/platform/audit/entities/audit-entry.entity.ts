import { Entity, Index, PrimaryKey, Property } from '@mikro-orm/core';

export type AuditActorRole = 'admin' | 'member' | 'service' | 'system';

/** One audited action. Append-only: there is no update path, and the table refuses UPDATE. */
@Entity({ tableName: 'audit_entry' })
@Index({ properties: ['orgId', 'id'] })
@Index({ properties: ['orgId', 'action', 'id'] })
@Index({ properties: ['orgId', 'actorId', 'id'] })
export class AuditEntry {
  // bigserial gives a strictly increasing order for cursor paging.
  @PrimaryKey({ type: 'bigint', autoincrement: true })
  id!: string;

  @Property({ type: 'string', length: 128 })
  orgId: string;

  @Property({ type: 'string', length: 128 })
  actorId: string;

  @Property({ type: 'string', length: 16 })
  actorRole: AuditActorRole;

  @Property({ type: 'string', length: 100 })
  action: string;

  @Property({ type: 'string', length: 64 })
  targetType: string;

  @Property({ type: 'string', length: 256, nullable: true })
  targetId: string | null;

  @Property({ type: 'json' })
  details: Record<string, unknown>;

  @Property({ type: 'string', length: 128, nullable: true })
  requestId: string | null;

  @Property({ type: 'Date', columnType: 'timestamptz' })
  createdAt: Date;

  constructor(props: {
    orgId: string;
    actorId: string;
    actorRole: AuditActorRole;
    action: string;
    targetType: string;
    targetId: string | null;
    details: Record<string, unknown>;
    requestId: string | null;
    createdAt: Date;
  }) {
    this.orgId = props.orgId;
    this.actorId = props.actorId;
    this.actorRole = props.actorRole;
    this.action = props.action;
    this.targetType = props.targetType;
    this.targetId = props.targetId;
    this.details = props.details;
    this.requestId = props.requestId;
    this.createdAt = props.createdAt;
  }
}
