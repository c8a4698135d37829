import { BigIntType, Entity, Index, PrimaryKey, Property } from '@mikro-orm/core';

import { type MailFolderName } from './mail-channel.entity';

/** What a feed entry says. */
export type MailChangeKind = 'created' | 'updated' | 'deleted' | 'cursor_reset';

/** Why a folder's cursor was reset: a full round follows, reconciled by set difference. */
export type MailCursorResetReason =
  /** Graph answered 410 (the delta token died), even mid-round. */
  | 'cursor_expired'
  /** The stored cursor was too old, or from another Graph host, to be tried. */
  | 'cursor_unusable'
  /** Another Entra account is now behind the member. */
  | 'account_changed'
  /** A restriction was lifted: every cursor is forgotten so full rounds re-import. */
  | 'restrictions_lifted';

/** Why a message was deleted from Rox though Outlook still has it (MAIL-5). */
export type MailDeletedReason = 'removed_from_synced_folders';

/**
 * The org's mail change feed: one row per created, updated or deleted Rox message, and one
 * `cursor_reset` per folder whose cursor was reset (rows may have changed unseen: reconcile).
 * Rows are written under a per-org transaction lock, so within an org sequences commit in order
 * and a reader resuming after N never misses a smaller number committed later.
 */
@Entity({ tableName: 'mail_change' })
@Index({ properties: ['orgId', 'sequence'] })
export class MailChangeEntry {
  @PrimaryKey({ type: new BigIntType('string'), autoincrement: true })
  sequence!: string;

  @Property({ type: 'string', length: 128 })
  orgId: string;

  // Null for a cursor_reset.
  @Property({ type: 'uuid', nullable: true })
  messageId: string | null;

  @Property({ type: 'string', length: 16 })
  change: MailChangeKind;

  // A cursor_reset's mailbox and folder (null for message changes).
  @Property({ type: 'string', length: 128, nullable: true })
  roxUserId: string | null = null;

  @Property({ type: 'string', length: 256, nullable: true })
  folder: MailFolderName | null = null;

  // A cursor_reset's reason, or why a message was deleted when it was not deleted in Outlook.
  @Property({ type: 'string', length: 32, nullable: true })
  reason: MailCursorResetReason | MailDeletedReason | null = null;

  @Property({ type: 'Date', columnType: 'timestamptz' })
  at: Date;

  constructor(props: {
    orgId: string;
    messageId: string | null;
    change: MailChangeKind;
    at: Date;
  }) {
    this.orgId = props.orgId;
    this.messageId = props.messageId;
    this.change = props.change;
    this.at = props.at;
  }
}
