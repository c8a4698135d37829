import { Entity, Index, PrimaryKey, Property } from '@mikro-orm/core';

import { SyncChannelColumns } from '../../platform/sync/sync-channel-columns';

/**
 * One mailbox's calendar channel (kind `calendar`): the calendarView delta cursor over a fixed
 * window, its stage and reason. Transitions are platform/sync's.
 */
@Entity({ tableName: 'calendar_channel' })
@Index({ properties: ['stage', 'startedAt'] })
export class CalendarChannel extends SyncChannelColumns {
  @PrimaryKey({ type: 'string', length: 128 })
  orgId: string;

  @PrimaryKey({ type: 'string', length: 128 })
  roxUserId: string;

  // The Entra user id the channel reads (the mailbox); a new one starts over.
  @Property({ type: 'string', length: 64, nullable: true })
  directoryUserId: string | null = null;

  // The window the delta link was opened over (it is baked into the token).
  @Property({ type: 'Date', columnType: 'timestamptz', nullable: true })
  windowStart: Date | null = null;

  @Property({ type: 'Date', columnType: 'timestamptz', nullable: true })
  windowEnd: Date | null = null;

  // When Graph asked us to wait (throttling): the channel resumes by itself after it.
  @Property({ type: 'Date', columnType: 'timestamptz', nullable: true })
  retryAt: Date | null = null;

  // What the last read of the mailbox's time zone (for a write) found: the zone name writes go
  // out in, why it is UTC instead of the mailbox's own zone (a WriteZoneIssue), and when.
  @Property({ type: 'string', length: 128, nullable: true })
  writeZone: string | null = null;

  @Property({ type: 'string', length: 64, nullable: true })
  writeZoneIssue: string | null = null;

  @Property({ type: 'Date', columnType: 'timestamptz', nullable: true })
  writeZoneCheckedAt: Date | null = null;

  constructor(orgId: string, roxUserId: string) {
    super();
    this.orgId = orgId;
    this.roxUserId = roxUserId;
  }
}
