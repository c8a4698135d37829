import { Entity, Index, PrimaryKey, Property, Unique } from '@mikro-orm/core';

/**
 * One admin-consent attempt. Only a SHA-256 of the `state` sent to Microsoft is kept, so a
 * database reader cannot complete someone else's consent.
 */
@Entity({ tableName: 'orgwide_consent_state' })
@Index({ properties: ['orgId', 'createdAt'] })
export class ConsentState {
  @PrimaryKey({ type: 'uuid' })
  id: string;

  @Unique()
  @Property({ type: 'string', length: 64 })
  stateHash: string;

  @Property({ type: 'string', length: 128 })
  orgId: string;

  @Property({ type: 'string', length: 128 })
  adminRoxUserId: string;

  @Property({ type: 'string', length: 36 })
  tenantId: string;

  @Property({ type: 'Date', columnType: 'timestamptz' })
  createdAt: Date;

  @Property({ type: 'Date', columnType: 'timestamptz' })
  expiresAt: Date;

  @Property({ type: 'Date', columnType: 'timestamptz', nullable: true })
  usedAt: Date | null = null;

  constructor(props: {
    id: string;
    stateHash: string;
    orgId: string;
    adminRoxUserId: string;
    tenantId: string;
    now: Date;
    ttlSeconds: number;
  }) {
    this.id = props.id;
    this.stateHash = props.stateHash;
    this.orgId = props.orgId;
    this.adminRoxUserId = props.adminRoxUserId;
    this.tenantId = props.tenantId.toLowerCase();
    this.createdAt = props.now;
    this.expiresAt = new Date(props.now.getTime() + props.ttlSeconds * 1000);
  }

  isExpired(now: Date): boolean {
    return now.getTime() >= this.expiresAt.getTime();
  }
}
