import { Entity, Index, PrimaryKey, Property } from '@mikro-orm/core';

import { type MailFolderName } from './mail-channel.entity';

/**
 * A member's mailbox copy of a Rox message, keyed by Graph's immutable id in that mailbox: a move
 * between synced folders changes `folder`, never the row.
 */
@Entity({ tableName: 'mail_message_link' })
@Index({ properties: ['orgId', 'messageId'] })
@Index({ properties: ['orgId', 'roxUserId', 'folder', 'seenRound'] })
// A mailbox's messages newest first, read off the index alone (one page = one range of it).
@Index({
  name: 'mail_message_link_member_received_index',
  properties: ['orgId', 'roxUserId', 'receivedAt', 'messageId'],
})
export class MailMessageLink {
  @PrimaryKey({ type: 'string', length: 128 })
  orgId: string;

  @PrimaryKey({ type: 'string', length: 128 })
  roxUserId: string;

  @PrimaryKey({ type: 'string', length: 256 })
  graphId: string;

  @Property({ type: 'uuid' })
  messageId: string;

  @Property({ type: 'string', length: 256 })
  folder: MailFolderName;

  @Property({ type: 'boolean' })
  isRead: boolean;

  // The channel's full round that last saw the copy (reconcile by set difference).
  @Property({ type: 'integer' })
  seenRound: number;

  // The message's receivedAt (the epoch when Graph gave none), copied here so a mailbox's
  // listing is ordered by its own index instead of reading every message the mailbox holds.
  @Property({ type: 'Date', columnType: 'timestamptz' })
  receivedAt: Date;

  @Property({ type: 'Date', columnType: 'timestamptz' })
  updatedAt: Date;

  constructor(props: MailMessageLink) {
    this.orgId = props.orgId;
    this.roxUserId = props.roxUserId;
    this.graphId = props.graphId;
    this.messageId = props.messageId;
    this.folder = props.folder;
    this.isRead = props.isRead;
    this.seenRound = props.seenRound;
    this.receivedAt = props.receivedAt;
    this.updatedAt = props.updatedAt;
  }
}
