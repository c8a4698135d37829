import { Entity, Index, PrimaryKey, Property, Unique } from '@mikro-orm/core';

export type CalendarWriteOperation = 'create' | 'update' | 'delete' | 'respond';
export type CalendarWriteStatus = 'queued' | 'running' | 'succeeded' | 'failed';

/** A field Outlook changed while Rox's update was on its way: Outlook's value was kept. */
export interface CalendarWriteConflict {
  field: string;
  outlookValue: unknown;
  roxValue: unknown;
}

/**
 * One Rox → Outlook write: the status resource of the async job, keyed by the caller's
 * idempotency key, and the write ledger (the changeKey our write produced, so the pull of our own
 * write is not a change).
 */
@Entity({ tableName: 'calendar_write' })
// The stale-job sweep's lookup: only the few rows still queued or in flight.
@Index({
  name: 'calendar_write_unfinished_idx',
  expression:
    'create index "calendar_write_unfinished_idx" on "calendar_write" ("created_at") where "status" in (\'queued\', \'running\')',
})
@Unique({ properties: ['orgId', 'roxUserId', 'idempotencyKey'] })
@Index({ properties: ['orgId', 'eventId'] })
// The pull's lookup of a create it meets before the create's job stored it (CalendarRepository).
@Index({
  name: 'calendar_write_transaction_idx',
  expression:
    'create index "calendar_write_transaction_idx" on "calendar_write" ("org_id", "rox_user_id", "transaction_id") where "transaction_id" is not null',
})
export class CalendarWrite {
  @PrimaryKey({ type: 'uuid' })
  id: string;

  @Property({ type: 'string', length: 128 })
  orgId: string;

  @Property({ type: 'string', length: 128 })
  roxUserId: string;

  @Property({ type: 'string', length: 200 })
  idempotencyKey: string;

  @Property({ type: 'string', length: 16 })
  operation: CalendarWriteOperation;

  @Property({ type: 'uuid' })
  eventId: string;

  // A create's Graph transactionId (UUIDv5 of org and the Rox event id it was asked with).
  @Property({ type: 'string', length: 64, nullable: true })
  transactionId: string | null = null;

  // What the caller asked for (the body of a create is sealed into bodySealed instead).
  @Property({ type: 'json' })
  request: Record<string, unknown>;

  // KeyRing envelope (context calendar_write.body_sealed).
  @Property({ type: 'text', nullable: true })
  bodySealed: string | null = null;

  @Property({ type: 'string', length: 16 })
  status: CalendarWriteStatus = 'queued';

  @Property({ type: 'string', length: 64, nullable: true })
  errorCode: string | null = null;

  @Property({ type: 'integer' })
  graphWrites = 0;

  @Property({ type: 'string', length: 512, nullable: true })
  graphId: string | null = null;

  // The changeKey Outlook gave back for our write (the ledger entry).
  @Property({ type: 'string', length: 128, nullable: true })
  resultChangeKey: string | null = null;

  @Property({ type: 'json' })
  conflicts: CalendarWriteConflict[] = [];

  // The zone a create or update went out in, and why it is UTC instead of the mailbox's own.
  @Property({ type: 'string', length: 128, nullable: true })
  timeZone: string | null = null;

  @Property({ type: 'string', length: 64, nullable: true })
  timeZoneIssue: string | null = null;

  @Property({ type: 'Date', columnType: 'timestamptz' })
  createdAt: Date;

  @Property({ type: 'Date', columnType: 'timestamptz', nullable: true })
  finishedAt: Date | null = null;

  constructor(props: {
    id: string;
    orgId: string;
    roxUserId: string;
    idempotencyKey: string;
    operation: CalendarWriteOperation;
    eventId: string;
    request: Record<string, unknown>;
    createdAt: Date;
  }) {
    this.id = props.id;
    this.orgId = props.orgId;
    this.roxUserId = props.roxUserId;
    this.idempotencyKey = props.idempotencyKey;
    this.operation = props.operation;
    this.eventId = props.eventId;
    this.request = props.request;
    this.createdAt = props.createdAt;
  }
}
