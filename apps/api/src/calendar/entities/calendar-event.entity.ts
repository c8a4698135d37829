import { Entity, Index, PrimaryKey, Property, Unique } from '@mikro-orm/core';

/** An attendee as stored (addresses lower-cased). */
export interface StoredAttendee {
  email: string;
  name: string | null;
  type: 'required' | 'optional' | 'resource' | null;
  response: string | null;
}

/**
 * One Rox event: a meeting (or one occurrence of a series) once per org, whichever in-scope
 * mailboxes hold a copy. Keyed by the org and `dedupe_key` (the iCalUId; for occurrences and
 * exceptions the series' iCalUId plus the original start). Bodies are sealed.
 */
@Entity({ tableName: 'calendar_event' })
@Unique({ properties: ['orgId', 'dedupeKey'] })
@Index({ properties: ['orgId', 'startAt'] })
export class CalendarEvent {
  @PrimaryKey({ type: 'uuid' })
  id: string;

  @Property({ type: 'string', length: 128 })
  orgId: string;

  @Property({ type: 'text' })
  dedupeKey: string;

  @Property({ type: 'text', nullable: true })
  iCalUId: string | null = null;

  @Property({ type: 'text', nullable: true })
  seriesICalUId: string | null = null;

  @Property({ type: 'Date', columnType: 'timestamptz', nullable: true })
  originalStart: Date | null = null;

  @Property({ type: 'string', length: 16 })
  kind: 'single' | 'occurrence' | 'exception' = 'single';

  @Property({ type: 'boolean' })
  isCancelled = false;

  @Property({ type: 'boolean' })
  isPrivate = false;

  @Property({ type: 'boolean' })
  isAllDay = false;

  @Property({ type: 'Date', columnType: 'timestamptz' })
  startAt: Date;

  @Property({ type: 'Date', columnType: 'timestamptz' })
  endAt: Date;

  @Property({ type: 'string', length: 10, nullable: true })
  startDate: string | null = null;

  @Property({ type: 'string', length: 10, nullable: true })
  endDate: string | null = null;

  @Property({ type: 'string', length: 64, nullable: true })
  timeZone: string | null = null;

  @Property({ type: 'text', nullable: true })
  subject: string | null = null;

  // KeyRing envelope (context calendar_event.body_sealed).
  @Property({ type: 'text', nullable: true })
  bodySealed: string | null = null;

  @Property({ type: 'text', nullable: true })
  location: string | null = null;

  @Property({ type: 'text', nullable: true })
  joinUrl: string | null = null;

  @Property({ type: 'string', length: 32, nullable: true })
  showAs: string | null = null;

  @Property({ type: 'string', length: 320, nullable: true })
  organizer: string | null = null;

  @Property({ type: 'json' })
  attendees: StoredAttendee[] = [];

  // Whether the stored fields came from the organiser's copy (which wins over attendees' copies).
  @Property({ type: 'boolean' })
  isFromOrganizer = false;

  @Property({ type: 'Date', columnType: 'timestamptz' })
  updatedAt: Date;

  constructor(props: {
    id: string;
    orgId: string;
    dedupeKey: string;
    startAt: Date;
    endAt: Date;
    updatedAt: Date;
  }) {
    this.id = props.id;
    this.orgId = props.orgId;
    this.dedupeKey = props.dedupeKey;
    this.startAt = props.startAt;
    this.endAt = props.endAt;
    this.updatedAt = props.updatedAt;
  }
}

/** An event as the API's reads return it: every column but the sealed body, which none shows. */
export type ListedEvent = Omit<CalendarEvent, 'bodySealed'>;
