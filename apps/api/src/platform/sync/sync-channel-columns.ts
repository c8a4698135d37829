import { Entity, Property } from '@mikro-orm/core';

import { NO_COUNTS, type SyncChannelState, type SyncCounts, type SyncStage } from './sync-channel';

/**
 * The columns every sync channel keeps (stage, cursor, round, times, last failure and counts),
 * written once: each feature's channel entity extends this and adds its key and its own fields,
 * in a table of its own. Transitions live in sync-channel.ts.
 */
@Entity({ abstract: true })
export abstract class SyncChannelColumns implements SyncChannelState {
  @Property({ type: 'string', length: 16 })
  stage: SyncStage = 'never';

  // The delta link, stored verbatim; advanced only once the round's rows are committed.
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
}
