import { Entity, Index, PrimaryKey, Property, Unique } from '@mikro-orm/core';

/** An address as stored: lower-cased, with the display name Graph gave. */
export interface StoredAddress {
  address: string;
  name: string | null;
}

/**
 * One Rox message, deduplicated per org by internetMessageId: the same email in A's Sent Items
 * and B's Inbox is one row with two links. The body is sealed with the key ring (context
 * `mail_message.body_sealed`) and is null when it was never fetched (metadata level).
 */
@Entity({ tableName: 'mail_message' })
@Unique({ properties: ['orgId', 'internetMessageId'] })
@Index({ properties: ['orgId', 'conversationId'] })
export class MailMessage {
  @PrimaryKey({ type: 'uuid' })
  id: string;

  @Property({ type: 'string', length: 128 })
  orgId: string;

  @Property({ type: 'text' })
  internetMessageId: string;

  @Property({ type: 'text', nullable: true })
  conversationId: string | null;

  @Property({ type: 'text', nullable: true })
  subject: string | null;

  @Property({ type: 'json', nullable: true })
  fromAddress: StoredAddress | null;

  @Property({ type: 'json', nullable: true })
  senderAddress: StoredAddress | null;

  @Property({ type: 'json' })
  replyTo: StoredAddress[];

  @Property({ type: 'json' })
  toRecipients: StoredAddress[];

  @Property({ type: 'json' })
  ccRecipients: StoredAddress[];

  @Property({ type: 'json' })
  bccRecipients: StoredAddress[];

  // Every participant address, lower-cased: contact lookups and retroactive restriction purges.
  @Property({ type: 'text[]' })
  participants: string[];

  @Property({ type: 'Date', columnType: 'timestamptz', nullable: true })
  sentAt: Date | null;

  @Property({ type: 'Date', columnType: 'timestamptz', nullable: true })
  receivedAt: Date | null;

  @Property({ type: 'boolean' })
  hasAttachments: boolean;

  @Property({ type: 'string', length: 16, nullable: true })
  importance: string | null;

  // False at the metadata level: the body was never requested (not an empty body).
  @Property({ type: 'boolean' })
  bodyAvailable = false;

  @Property({ type: 'text', nullable: true })
  bodySealed: string | null = null;

  @Property({ type: 'string', length: 8, nullable: true })
  bodyContentType: 'text' | 'html' | null = null;

  @Property({ type: 'Date', columnType: 'timestamptz' })
  createdAt: Date;

  @Property({ type: 'Date', columnType: 'timestamptz' })
  updatedAt: Date;

  constructor(props: Omit<MailMessage, 'bodyAvailable' | 'bodySealed' | 'bodyContentType'>) {
    this.id = props.id;
    this.orgId = props.orgId;
    this.internetMessageId = props.internetMessageId;
    this.conversationId = props.conversationId;
    this.subject = props.subject;
    this.fromAddress = props.fromAddress;
    this.senderAddress = props.senderAddress;
    this.replyTo = props.replyTo;
    this.toRecipients = props.toRecipients;
    this.ccRecipients = props.ccRecipients;
    this.bccRecipients = props.bccRecipients;
    this.participants = props.participants;
    this.sentAt = props.sentAt;
    this.receivedAt = props.receivedAt;
    this.hasAttachments = props.hasAttachments;
    this.importance = props.importance;
    this.createdAt = props.createdAt;
    this.updatedAt = props.updatedAt;
  }
}
