import { Entity, Index, PrimaryKey, Property } from '@mikro-orm/core';

import { type PushEventType } from '@rox365/contracts';

/**
 * A Rox backend's receiver for one org: where notices go and which ones. The signing secret is
 * sealed with the key ring (AAD context `push_endpoint.secret_sealed`) and shown only once.
 */
@Entity({ tableName: 'push_endpoint' })
@Index({ properties: ['orgId', 'createdAt'] })
export class PushEndpoint {
  @PrimaryKey({ type: 'uuid' })
  id: string;

  @Property({ type: 'string', length: 128 })
  orgId: string;

  @Property({ type: 'string', length: 2048 })
  url: string;

  @Property({ type: 'json' })
  eventTypes: PushEventType[];

  @Property({ type: 'string', length: 200 })
  description: string;

  @Property({ type: 'text' })
  secretSealed: string;

  @Property({ type: 'Date', columnType: 'timestamptz' })
  createdAt: Date;

  @Property({ type: 'Date', columnType: 'timestamptz' })
  secretRotatedAt: Date;

  constructor(props: {
    id: string;
    orgId: string;
    url: string;
    eventTypes: PushEventType[];
    description: string;
    secretSealed: string;
    now: Date;
  }) {
    this.id = props.id;
    this.orgId = props.orgId;
    this.url = props.url;
    this.eventTypes = props.eventTypes;
    this.description = props.description;
    this.secretSealed = props.secretSealed;
    this.createdAt = props.now;
    this.secretRotatedAt = props.now;
  }
}
