import { Entity, Index, PrimaryKey, Property, Unique } from '@mikro-orm/core';

/** Which stream of a mailbox a subscription watches. */
export type SubscriptionKind = 'calendar' | 'mail';

/**
 * `active`: Graph holds the subscription and it is renewed at half-life. `degraded`: creating
 * or renewing it failed; the channel is kept by polling alone until a later attempt succeeds.
 */
export type SubscriptionState = 'active' | 'degraded';

/**
 * One change-notification subscription of one channel: a member's calendar, or one synced mail
 * folder (`folder` is '' for the calendar; a well-known name or a user folder's display path).
 * The clientState Graph echoes is kept only as its SHA-256, so a database reader cannot forge
 * notifications.
 */
@Entity({ tableName: 'graph_subscription' })
@Index({ properties: ['state', 'renewAt'] })
@Index({ properties: ['state', 'retryAt'] })
// The orphan sweep's lifetimes in use per tenant, read without a table scan.
@Index({ properties: ['tenantId', 'lifetimeMinutes'] })
export class GraphSubscription {
  @PrimaryKey({ type: 'string', length: 128 })
  orgId: string;

  @PrimaryKey({ type: 'string', length: 128 })
  roxUserId: string;

  @PrimaryKey({ type: 'string', length: 16 })
  kind: SubscriptionKind;

  @PrimaryKey({ type: 'string', length: 256 })
  folder: string;

  // A user folder's Graph id the subscription watches (its resource names it); null for the
  // calendar and well-known folders, which are watched by name.
  @Property({ type: 'string', length: 256, nullable: true })
  folderId: string | null = null;

  // Graph's id; null while the channel has none (its creation failed).
  @Unique()
  @Property({ type: 'string', length: 128, nullable: true })
  subscriptionId: string | null = null;

  // The tenant it lives in, so it can be deleted after the org's connection is gone.
  @Property({ type: 'string', length: 64 })
  tenantId: string;

  @Property({ type: 'string', length: 64 })
  directoryUserId: string;

  @Property({ type: 'string', length: 512 })
  resource: string;

  // Hex SHA-256 of the clientState sent at creation.
  @Property({ type: 'string', length: 64, nullable: true })
  clientStateHash: string | null = null;

  @Property({ type: 'Date', columnType: 'timestamptz', nullable: true })
  expiresAt: Date | null = null;

  // What Graph accepted at creation (renewals ask for the same).
  @Property({ type: 'integer', nullable: true })
  lifetimeMinutes: number | null = null;

  // Half-life: the renewal cron queues it from then on.
  @Property({ type: 'Date', columnType: 'timestamptz', nullable: true })
  renewAt: Date | null = null;

  @Property({ type: 'string', length: 16 })
  state: SubscriptionState = 'active';

  // Why the channel is degraded (a coded failure), for support.
  @Property({ type: 'string', length: 64, nullable: true })
  lastErrorCode: string | null = null;

  // Degraded: the next create attempt is not made before this (no retry loop).
  @Property({ type: 'Date', columnType: 'timestamptz', nullable: true })
  retryAt: Date | null = null;

  @Property({ type: 'Date', columnType: 'timestamptz' })
  createdAt: Date;

  @Property({ type: 'Date', columnType: 'timestamptz' })
  updatedAt: Date;

  constructor(props: {
    orgId: string;
    roxUserId: string;
    kind: SubscriptionKind;
    folder: string;
    folderId: string | null;
    tenantId: string;
    directoryUserId: string;
    resource: string;
    now: Date;
  }) {
    this.orgId = props.orgId;
    this.roxUserId = props.roxUserId;
    this.kind = props.kind;
    this.folder = props.folder;
    this.folderId = props.folderId;
    this.tenantId = props.tenantId;
    this.directoryUserId = props.directoryUserId;
    this.resource = props.resource;
    this.createdAt = props.now;
    this.updatedAt = props.now;
  }
}
