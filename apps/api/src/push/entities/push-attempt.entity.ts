import { BigIntType, Entity, Index, PrimaryKey, Property } from '@mikro-orm/core';

import { type PushAttemptError } from '@rox365/contracts';

/** One POST to a receiver: when, what came back (a capped snippet at most) and how long it took. */
@Entity({ tableName: 'push_attempt' })
@Index({ properties: ['deliveryId', 'number'] })
@Index({ properties: ['endpointId'] })
@Index({ properties: ['orgId'] })
export class PushAttemptEntry {
  @PrimaryKey({ type: new BigIntType('string'), autoincrement: true })
  id!: string;

  @Property({ type: 'string', length: 128 })
  orgId: string;

  @Property({ type: 'uuid' })
  endpointId: string;

  @Property({ type: 'uuid' })
  deliveryId: string;

  @Property({ type: 'integer' })
  number: number;

  @Property({ type: 'Date', columnType: 'timestamptz' })
  at: Date;

  @Property({ type: 'integer', nullable: true })
  statusCode: number | null;

  @Property({ type: 'string', length: 32, nullable: true })
  error: PushAttemptError | null;

  @Property({ type: 'integer' })
  durationMs: number;

  @Property({ type: 'string', length: 512, nullable: true })
  responseSnippet: string | null;

  constructor(props: {
    orgId: string;
    endpointId: string;
    deliveryId: string;
    number: number;
    at: Date;
    statusCode: number | null;
    error: PushAttemptError | null;
    durationMs: number;
    responseSnippet: string | null;
  }) {
    this.orgId = props.orgId;
    this.endpointId = props.endpointId;
    this.deliveryId = props.deliveryId;
    this.number = props.number;
    this.at = props.at;
    this.statusCode = props.statusCode;
    this.error = props.error;
    this.durationMs = props.durationMs;
    this.responseSnippet = props.responseSnippet;
  }
}
