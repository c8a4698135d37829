import { Entity, PrimaryKey, Property } from '@mikro-orm/core';

import {
  NO_COUNTS,
  type SyncChannelState,
  type SyncCounts,
  type SyncStage,
} from '../../platform/sync/sync-channel';

/** Where an org's directory sync stands. */
export type DirectorySyncStage = SyncStage;

/** Counts of one sync run. */
export type DirectorySyncCounts = SyncCounts;

/**
 * The directory's sync channel: one row per org (kind `directory`, no mailbox). Its transitions
 * are platform/sync's, so its stages mean what every other channel's mean.
 */
@Entity({ tableName: 'directory_sync_state' })
export class DirectorySyncState implements SyncChannelState {
  @PrimaryKey({ type: 'string', length: 128 })
  orgId: string;

  @Property({ type: 'string', length: 16 })
  stage: SyncStage = 'never';

  // The users deltaLink, stored verbatim; advanced only once the round's rows are committed.
  @Property({ type: 'text', nullable: true, fieldName: 'delta_link' })
  cursor: string | null = null;

  @Property({ type: 'Date', columnType: 'timestamptz', nullable: true, fieldName: 'delta_link_at' })
  cursorAt: Date | null = null;

  // Number of the latest full round (rows not seen in it are deleted).
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

  @Property({ type: 'json' })
  lastCounts: SyncCounts = { ...NO_COUNTS };

  // Members mapped to a directory user: a counter kept by the mapping's writes (SQL only), so the
  // status never counts per request.
  @Property({ type: 'integer', default: 0 })
  mappedMembers = 0;

  constructor(orgId: string) {
    this.orgId = orgId;
  }
}
