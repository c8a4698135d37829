import { Entity, Index, PrimaryKey, Property, Unique } from '@mikro-orm/core';

export type MailSendMode = 'draft' | 'send_mail';
export type MailSendState = 'queued' | 'sending' | 'sent' | 'unknown_delivery' | 'failed';

/**
 * One send as a member, keyed by the caller's idempotency key. The outgoing content is sealed
 * (`mail_send.content_sealed`) until the send is done, then dropped.
 */
@Entity({ tableName: 'mail_send' })
// The stale-job sweep's lookup: only the few rows still queued or in flight.
@Index({
  name: 'mail_send_unfinished_idx',
  expression:
    'create index "mail_send_unfinished_idx" on "mail_send" ("updated_at") where "status" in (\'queued\', \'sending\')',
})
@Unique({ properties: ['orgId', 'roxUserId', 'idempotencyKey'] })
export class MailSend {
  @PrimaryKey({ type: 'uuid' })
  id: string;

  @Property({ type: 'string', length: 128 })
  orgId: string;

  @Property({ type: 'string', length: 128 })
  roxUserId: string;

  @Property({ type: 'string', length: 128 })
  idempotencyKey: string;

  @Property({ type: 'string', length: 16 })
  mode: MailSendMode;

  @Property({ type: 'string', length: 24 })
  status: MailSendState = 'queued';

  // Set by Rox before the first Graph call: how a lost answer is looked up.
  @Property({ type: 'text' })
  internetMessageId: string;

  // Graph's id of the reply's original in this mailbox (createReply), if a reply.
  @Property({ type: 'string', length: 256, nullable: true })
  replyToGraphId: string | null;

  @Property({ type: 'boolean' })
  replyAll: boolean;

  // The draft's immutable id: also the sent copy's id once sent.
  @Property({ type: 'string', length: 256, nullable: true })
  draftId: string | null = null;

  @Property({ type: 'text', nullable: true })
  contentSealed: string | null;

  @Property({ type: 'string', length: 64, nullable: true })
  reason: string | null = null;

  @Property({ type: 'Date', columnType: 'timestamptz' })
  createdAt: Date;

  @Property({ type: 'Date', columnType: 'timestamptz' })
  updatedAt: Date;

  constructor(props: {
    id: string;
    orgId: string;
    roxUserId: string;
    idempotencyKey: string;
    mode: MailSendMode;
    internetMessageId: string;
    replyToGraphId: string | null;
    replyAll: boolean;
    contentSealed: string;
    now: Date;
  }) {
    this.id = props.id;
    this.orgId = props.orgId;
    this.roxUserId = props.roxUserId;
    this.idempotencyKey = props.idempotencyKey;
    this.mode = props.mode;
    this.internetMessageId = props.internetMessageId;
    this.replyToGraphId = props.replyToGraphId;
    this.replyAll = props.replyAll;
    this.contentSealed = props.contentSealed;
    this.createdAt = props.now;
    this.updatedAt = props.now;
  }
}
