import { Entity, Index, PrimaryKey, Property } from '@mikro-orm/core';

import {
  NO_COUNTS,
  type SyncChannelState,
  type SyncCounts,
  type SyncStage,
} from '../../platform/sync/sync-channel';

/**
 * One mailbox's calendar channel (kind `calendar`): the calendarView delta cursor over a fixed
 * window, its stage and reason. Transitions are platform/sync's.
 */
@Entity({ tableName: 'calendar_channel' })
@Index({ properties: ['stage', 'startedAt'] })
export class CalendarChannel implements SyncChannelState {
  @PrimaryKey({ type: 'string', length: 128 })
  orgId: string;

  @PrimaryKey({ type: 'string', length: 128 })
  roxUserId: string;

  // The Entra user id the channel reads (the mailbox); a new one starts over.
  @Property({ type: 'string', length: 64, nullable: true })
  directoryUserId: string | null = null;

  @Property({ type: 'string', length: 16 })
  stage: SyncStage = 'never';

  // The calendarView deltaLink, stored verbatim.
  @Property({ type: 'text', nullable: true, fieldName: 'delta_link' })
  cursor: string | null = null;

  @Property({ type: 'Date', columnType: 'timestamptz', nullable: true, fieldName: 'delta_link_at' })
  cursorAt: Date | null = null;

  // The window the delta link was opened over (it is baked into the token).
  @Property({ type: 'Date', columnType: 'timestamptz', nullable: true })
  windowStart: Date | null = null;

  @Property({ type: 'Date', columnType: 'timestamptz', nullable: true })
  windowEnd: Date | null = null;

  @Property({ type: 'integer' })
  fullRound = 0;

  @Property({ type: 'Date', columnType: 'timestamptz', nullable: true })
  queuedAt: Date | null = null;

  @Property({ type: 'Date', columnType: 'timestamptz', nullable: true })
  startedAt: Date | null = null;

  @Property({ type: 'Date', columnType: 'timestamptz', nullable: true })
  lastSyncAt: Date | null = null;

  @Property({ type: 'Date', columnType: 'timestamptz', nullable: true })
  lastFullSyncAt: Date | null = null;

  @Property({ type: 'string', length: 64, nullable: true })
  lastErrorCode: string | null = null;

  @Property({ type: 'Date', columnType: 'timestamptz', nullable: true })
  lastErrorAt: Date | null = null;

  // When Graph asked us to wait (throttling): the channel resumes by itself after it.
  @Property({ type: 'Date', columnType: 'timestamptz', nullable: true })
  retryAt: Date | null = null;

  @Property({ type: 'json' })
  lastCounts: SyncCounts = { ...NO_COUNTS };

  constructor(orgId: string, roxUserId: string) {
    this.orgId = orgId;
    this.roxUserId = roxUserId;
  }
}
