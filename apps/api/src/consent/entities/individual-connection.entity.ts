import { Entity, Index, PrimaryKey, Property } from '@mikro-orm/core';

export type IndividualProvider = 'microsoft' | 'google';
export type IndividualKind = 'calendar' | 'mail';
export type IndividualStatus =
  'pending' | 'connected' | 'needs_admin_approval' | 'needs_sign_in' | 'superseded';

/** A member's own calendar or mail connection (the delegated flow itself comes later). */
@Entity({ tableName: 'individual_connection' })
@Index({ properties: ['orgId', 'roxUserId'] })
export class IndividualConnection {
  @PrimaryKey({ type: 'uuid' })
  id: string;

  @Property({ type: 'string', length: 128 })
  orgId: string;

  @Property({ type: 'string', length: 128 })
  roxUserId: string;

  @Property({ type: 'string', length: 16 })
  provider: IndividualProvider;

  @Property({ type: 'string', length: 16 })
  kind: IndividualKind;

  @Property({ type: 'string', length: 32 })
  status: IndividualStatus;

  @Property({ type: 'string', length: 500, nullable: true })
  statusReason: string | null = null;

  @Property({ type: 'Date', columnType: 'timestamptz' })
  createdAt: Date;

  @Property({ type: 'Date', columnType: 'timestamptz' })
  updatedAt: Date;

  constructor(props: {
    id: string;
    orgId: string;
    roxUserId: string;
    provider: IndividualProvider;
    kind: IndividualKind;
    now: Date;
  }) {
    this.id = props.id;
    this.orgId = props.orgId;
    this.roxUserId = props.roxUserId;
    this.provider = props.provider;
    this.kind = props.kind;
    this.status = 'pending';
    this.createdAt = props.now;
    this.updatedAt = props.now;
  }

  supersede(reason: string, now: Date): void {
    this.status = 'superseded';
    this.statusReason = reason;
    this.updatedAt = now;
  }
}
