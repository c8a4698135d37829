import { Entity, Index, PrimaryKey, Property } from '@mikro-orm/core';

import {
  NO_COUNTS,
  type SyncChannelState,
  type SyncCounts,
  type SyncStage,
} from '../../platform/sync/sync-channel';

/** A synced folder of a member's mailbox. */
export type MailFolderName = 'inbox' | 'sentitems';

/**
 * One folder of one member's mailbox (kind `mail`): the folder's messages delta cursor, its stage
 * and reason. Transitions are platform/sync's.
 */
@Entity({ tableName: 'mail_channel' })
@Index({ properties: ['stage', 'startedAt'] })
export class MailChannel implements SyncChannelState {
  @PrimaryKey({ type: 'string', length: 128 })
  orgId: string;

  @PrimaryKey({ type: 'string', length: 128 })
  roxUserId: string;

  @PrimaryKey({ type: 'string', length: 16 })
  folder: MailFolderName;

  // The Entra user the cursor belongs to; another one starts over.
  @Property({ type: 'string', length: 64, nullable: true })
  directoryUserId: string | null = null;

  // Graph's id of the folder (parentFolderId of its messages), to confirm moves.
  @Property({ type: 'string', length: 256, nullable: true })
  folderId: string | null = null;

  @Property({ type: 'string', length: 16 })
  stage: SyncStage = 'never';

  @Property({ type: 'text', nullable: true, fieldName: 'delta_link' })
  cursor: string | null = null;

  @Property({ type: 'Date', columnType: 'timestamptz', nullable: true, fieldName: 'delta_link_at' })
  cursorAt: Date | null = null;

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

  constructor(orgId: string, roxUserId: string, folder: MailFolderName) {
    this.orgId = orgId;
    this.roxUserId = roxUserId;
    this.folder = folder;
  }
}
