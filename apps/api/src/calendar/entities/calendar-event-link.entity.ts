import { Entity, Index, PrimaryKey, Property } from '@mikro-orm/core';

/**
 * One mailbox's copy of a Rox event: the Outlook id in that mailbox (immutable id), its
 * changeKey, and the full round it was last seen in (for set-difference reconciliation).
 */
@Entity({ tableName: 'calendar_event_link' })
@Index({ properties: ['orgId', 'eventId'] })
@Index({ properties: ['orgId', 'roxUserId', 'seriesMasterId'] })
// A member's events in a range, read off the index alone: one range of it, not every copy held.
@Index({
  name: 'calendar_event_link_member_event_start_index',
  properties: ['orgId', 'roxUserId', 'eventStartAt', 'eventId', 'eventEndAt'],
})
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

  // The Rox event's start and end (not this copy's), kept equal to calendar_event's by every
  // write of the event: a member's range query filters and orders on them without the event rows.
  @Property({ type: 'Date', columnType: 'timestamptz' })
  eventStartAt: Date;

  @Property({ type: 'Date', columnType: 'timestamptz' })
  eventEndAt: Date;

  constructor(props: {
    orgId: string;
    roxUserId: string;
    graphId: string;
    eventId: string;
    startAt: Date;
    seenRound: number;
    eventStartAt: Date;
    eventEndAt: Date;
  }) {
    this.orgId = props.orgId;
    this.roxUserId = props.roxUserId;
    this.graphId = props.graphId;
    this.eventId = props.eventId;
    this.startAt = props.startAt;
    this.seenRound = props.seenRound;
    this.eventStartAt = props.eventStartAt;
    this.eventEndAt = props.eventEndAt;
  }
}
