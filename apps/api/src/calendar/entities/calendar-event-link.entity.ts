import { Entity, Index, PrimaryKey, Property } from '@mikro-orm/core';

/**
 * One mailbox's copy of a Rox event: the Outlook id in that mailbox (immutable id), its
 * changeKey, and the full round it was last seen in (for set-difference reconciliation).
 */
@Entity({ tableName: 'calendar_event_link' })
@Index({ properties: ['orgId', 'eventId'] })
@Index({ properties: ['orgId', 'roxUserId', 'seriesMasterId'] })
export class CalendarEventLink {
  @PrimaryKey({ type: 'string', length: 128 })
  orgId: string;

  @PrimaryKey({ type: 'string', length: 128 })
  roxUserId: string;

  @PrimaryKey({ type: 'string', length: 512 })
  graphId: string;

  @Property({ type: 'uuid' })
  eventId: string;

  @Property({ type: 'string', length: 512, nullable: true })
  seriesMasterId: string | null = null;

  @Property({ type: 'string', length: 128, nullable: true })
  changeKey: string | null = null;

  @Property({ type: 'boolean' })
  isOrganizer = false;

  @Property({ type: 'string', length: 32, nullable: true })
  response: string | null = null;

  @Property({ type: 'Date', columnType: 'timestamptz' })
  startAt: Date;

  @Property({ type: 'integer' })
  seenRound: number;

  constructor(props: {
    orgId: string;
    roxUserId: string;
    graphId: string;
    eventId: string;
    startAt: Date;
    seenRound: number;
  }) {
    this.orgId = props.orgId;
    this.roxUserId = props.roxUserId;
    this.graphId = props.graphId;
    this.eventId = props.eventId;
    this.startAt = props.startAt;
    this.seenRound = props.seenRound;
  }
}
