import { Entity, PrimaryKey, Property } from '@mikro-orm/core';

/** What occurrences take from their series master, as one mailbox's master last said. */
export interface SeriesFields {
  iCalUId: string | null;
  subject: string | null;
  bodySealed: string | null;
  location: string | null;
  joinUrl: string | null;
  showAs: string | null;
  organizer: string | null;
  attendees: unknown[];
  sensitivity: string | null;
  isCancelled: boolean;
  isOrganizer: boolean;
  isAllDay: boolean;
  timeZone: string | null;
}

/**
 * A series master in one mailbox: kept so skeletal occurrences can be hydrated without fetching
 * the master again each round, and so a changed master (new changeKey) triggers reconciliation
 * of its instances.
 */
@Entity({ tableName: 'calendar_series' })
export class CalendarSeries {
  @PrimaryKey({ type: 'string', length: 128 })
  orgId: string;

  @PrimaryKey({ type: 'string', length: 128 })
  roxUserId: string;

  @PrimaryKey({ type: 'string', length: 512 })
  graphId: string;

  @Property({ type: 'string', length: 128, nullable: true })
  changeKey: string | null = null;

  @Property({ type: 'json' })
  fields: SeriesFields;

  @Property({ type: 'integer' })
  seenRound: number;

  constructor(props: {
    orgId: string;
    roxUserId: string;
    graphId: string;
    fields: SeriesFields;
    seenRound: number;
  }) {
    this.orgId = props.orgId;
    this.roxUserId = props.roxUserId;
    this.graphId = props.graphId;
    this.fields = props.fields;
    this.seenRound = props.seenRound;
  }
}
