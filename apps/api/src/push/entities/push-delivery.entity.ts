import { Entity, Index, PrimaryKey, Property } from '@mikro-orm/core';

import { type PushDeliveryStatus, type PushEventType } from '@rox365/contracts';

/**
 * One notice to one endpoint, over its attempts: pending while Bull retries, then delivered or
 * dead. At most one is pending per endpoint and event type: the keyed job that owns it is the
 * only writer, and changes meanwhile ride on it (each attempt carries the feed's current head).
 */
@Entity({ tableName: 'push_delivery' })
@Index({ properties: ['endpointId', 'createdAt', 'id'] })
@Index({ properties: ['endpointId', 'eventType', 'status'] })
@Index({ properties: ['orgId'] })
export class PushDelivery {
  @PrimaryKey({ type: 'uuid' })
  id: string;

  @Property({ type: 'string', length: 128 })
  orgId: string;

  @Property({ type: 'uuid' })
  endpointId: string;

  @Property({ type: 'string', length: 32 })
  eventType: PushEventType;

  @Property({ type: 'string', length: 16 })
  status: PushDeliveryStatus = 'pending';

  @Property({ type: 'string', length: 32, nullable: true })
  cursor: string | null = null;

  @Property({ type: 'Date', columnType: 'timestamptz' })
  occurredAt: Date;

  @Property({ type: 'integer' })
  attemptCount = 0;

  @Property({ type: 'Date', columnType: 'timestamptz' })
  createdAt: Date;

  @Property({ type: 'Date', columnType: 'timestamptz' })
  updatedAt: Date;

  constructor(props: {
    id: string;
    orgId: string;
    endpointId: string;
    eventType: PushEventType;
    occurredAt: Date;
    now: Date;
  }) {
    this.id = props.id;
    this.orgId = props.orgId;
    this.endpointId = props.endpointId;
    this.eventType = props.eventType;
    this.occurredAt = props.occurredAt;
    this.createdAt = props.now;
    this.updatedAt = props.now;
  }
}
