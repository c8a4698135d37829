import { BigIntType, Entity, Index, PrimaryKey, Property } from '@mikro-orm/core';

/**
 * The org's mail change feed: one row per created, updated or deleted Rox message. Rows are
 * written under a per-org transaction lock, so within an org sequences commit in order and a
 * reader resuming after N never misses a smaller number committed later.
 */
@Entity({ tableName: 'mail_change' })
@Index({ properties: ['orgId', 'sequence'] })
export class MailChangeEntry {
  @PrimaryKey({ type: new BigIntType('string'), autoincrement: true })
  sequence!: string;

  @Property({ type: 'string', length: 128 })
  orgId: string;

  @Property({ type: 'uuid' })
  messageId: string;

  @Property({ type: 'string', length: 16 })
  change: 'created' | 'updated' | 'deleted';

  @Property({ type: 'Date', columnType: 'timestamptz' })
  at: Date;

  constructor(props: Omit<MailChangeEntry, 'sequence'>) {
    this.orgId = props.orgId;
    this.messageId = props.messageId;
    this.change = props.change;
    this.at = props.at;
  }
}
