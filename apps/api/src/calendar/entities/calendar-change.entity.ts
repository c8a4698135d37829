import { BigIntType, Entity, Index, PrimaryKey, Property } from '@mikro-orm/core';

/**
 * The org change feed: one row per created, updated or deleted Rox event, in commit order. The
 * sequence is taken under a per-org transaction lock, so within an org it never commits out of
 * order and a reader resuming after N can never miss a smaller number committed later.
 */
@Entity({ tableName: 'calendar_change' })
@Index({ properties: ['orgId', 'sequence'] })
export class CalendarChangeEntry {
  @PrimaryKey({ type: new BigIntType('string'), autoincrement: true })
  sequence!: string;

  @Property({ type: 'string', length: 128 })
  orgId: string;

  @Property({ type: 'uuid' })
  eventId: string;

  @Property({ type: 'string', length: 16 })
  change: 'created' | 'updated' | 'deleted';

  @Property({ type: 'Date', columnType: 'timestamptz' })
  at: Date;

  constructor(props: {
    orgId: string;
    eventId: string;
    change: 'created' | 'updated' | 'deleted';
    at: Date;
  }) {
    this.orgId = props.orgId;
    this.eventId = props.eventId;
    this.change = props.change;
    this.at = props.at;
  }
}
