import { Entity, Index, PrimaryKey, Property } from '@mikro-orm/core';

import { type MailFolderName } from '@rox365/contracts';

import { SyncChannelColumns } from '../../platform/sync/sync-channel-columns';

/** A synced folder of a member's mailbox: a Graph well-known name or a user folder's path. */
export type { MailFolderName };

/**
 * One folder of one member's mailbox (kind `mail`): the folder's messages delta cursor, its stage
 * and reason. Transitions are platform/sync's.
 */
@Entity({ tableName: 'mail_channel' })
@Index({ properties: ['stage', 'startedAt'] })
export class MailChannel extends SyncChannelColumns {
  @PrimaryKey({ type: 'string', length: 128 })
  orgId: string;

  @PrimaryKey({ type: 'string', length: 128 })
  roxUserId: string;

  @PrimaryKey({ type: 'string', length: 256 })
  folder: MailFolderName;

  // The Entra user the cursor belongs to; another one starts over.
  @Property({ type: 'string', length: 64, nullable: true })
  directoryUserId: string | null = null;

  // Graph's id of the folder (parentFolderId of its messages), to confirm moves.
  @Property({ type: 'string', length: 256, nullable: true })
  folderId: string | null = null;

  constructor(orgId: string, roxUserId: string, folder: MailFolderName) {
    super();
    this.orgId = orgId;
    this.roxUserId = roxUserId;
    this.folder = folder;
  }
}
