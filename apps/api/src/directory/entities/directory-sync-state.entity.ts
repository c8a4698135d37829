import { Entity, PrimaryKey, Property } from '@mikro-orm/core';

import { type SyncCounts, type SyncStage } from '../../platform/sync/sync-channel';
import { SyncChannelColumns } from '../../platform/sync/sync-channel-columns';

/** Where an org's directory sync stands. */
export type DirectorySyncStage = SyncStage;

/** Counts of one sync run. */
export type DirectorySyncCounts = SyncCounts;

/**
 * The directory's sync channel: one row per org (kind `directory`, no mailbox). Its transitions
 * are platform/sync's, so its stages mean what every other channel's mean.
 */
@Entity({ tableName: 'directory_sync_state' })
export class DirectorySyncState extends SyncChannelColumns {
  @PrimaryKey({ type: 'string', length: 128 })
  orgId: string;

  // Members mapped to a directory user: a counter kept by the mapping's writes (SQL only), so the
  // status never counts per request.
  @Property({ type: 'integer', default: 0 })
  mappedMembers = 0;

  constructor(orgId: string) {
    super();
    this.orgId = orgId;
  }
}
