import { Entity, Index, PrimaryKey, Property } from '@mikro-orm/core';

export type IndividualProvider = 'microsoft' | 'google';
export type IndividualKind = 'calendar' | 'mail';
export type IndividualLevel = 'read' | 'read_write' | 'metadata' | 'read_send';
export type IndividualStatus =
  | 'pending'
  | 'connected'
  | 'needs_admin_approval'
  | 'needs_sign_in'
  | 'account_mismatch'
  | 'mailbox_not_enabled'
  | 'superseded';

/** The Microsoft account a sign-in verified (from a Microsoft-signed ID token). */
export interface VerifiedAccount {
  tenantId: string;
  userId: string;
  username: string;
  scopes: string[];
}

/**
 * A member's own Outlook Calendar or Outlook Mail connection (delegated permissions of the
 * "Rox 365 Integration" app). At most one live (not superseded) row per member, provider and kind:
 * a partial unique index holds that, so a double click resumes instead of adding rows. The
 * refresh token lives sealed in `individual_token`, never here.
 */
@Entity({ tableName: 'individual_connection' })
@Index({ properties: ['orgId', 'roxUserId'] })
// The paged list: an org's connections oldest first, each page read off the index.
@Index({ properties: ['orgId', 'createdAt', 'id'] })
@Index({
  name: 'individual_connection_live_unique',
  expression:
    'create unique index "individual_connection_live_unique" on "individual_connection" ("org_id", "rox_user_id", "provider", "kind") where "status" <> \'superseded\'',
})
export class IndividualConnection {
  @PrimaryKey({ type: 'uuid' })
  id: string;

  @Property({ type: 'string', length: 128 })
  orgId: string;

  @Property({ type: 'string', length: 128 })
  roxUserId: string;

  @Property({ type: 'string', length: 16 })
  provider: IndividualProvider;

  @Property({ type: 'string', length: 16 })
  kind: IndividualKind;

  @Property({ type: 'string', length: 32 })
  status: IndividualStatus;

  @Property({ type: 'string', length: 500, nullable: true })
  statusReason: string | null = null;

  // The level the connection runs at: set only by a verified sign-in, as far as its granted
  // scopes cover what it asked for (while waiting for an admin, the level it waits for).
  @Property({ type: 'string', length: 16, nullable: true })
  level: IndividualLevel | null = null;

  // A higher level Microsoft wants an admin to approve while the connection keeps running at
  // `level` (a connected member's upgrade); cleared by the next verified sign-in.
  @Property({ type: 'string', length: 16, nullable: true })
  pendingLevel: IndividualLevel | null = null;

  // The member's Rox email when they connected (compared with the Microsoft account).
  @Property({ type: 'string', length: 320, nullable: true })
  expectedEmail: string | null = null;

  @Property({ type: 'string', length: 36, nullable: true })
  tenantId: string | null = null;

  @Property({ type: 'string', length: 36, nullable: true })
  microsoftUserId: string | null = null;

  @Property({ type: 'string', length: 320, nullable: true })
  microsoftUsername: string | null = null;

  @Property({ type: 'json', nullable: true })
  scopes: string[] | null = null;

  @Property({ type: 'Date', columnType: 'timestamptz', nullable: true })
  connectedAt: Date | null = null;

  // The admin who allowed a Microsoft account that differs from the Rox email.
  @Property({ type: 'string', length: 128, nullable: true })
  accountAllowedBy: string | null = null;

  @Property({ type: 'Date', columnType: 'timestamptz' })
  createdAt: Date;

  @Property({ type: 'Date', columnType: 'timestamptz' })
  updatedAt: Date;

  constructor(props: {
    id: string;
    orgId: string;
    roxUserId: string;
    provider: IndividualProvider;
    kind: IndividualKind;
    now: Date;
    level?: IndividualLevel | null;
  }) {
    this.id = props.id;
    this.orgId = props.orgId;
    this.roxUserId = props.roxUserId;
    this.provider = props.provider;
    this.kind = props.kind;
    this.status = 'pending';
    this.level = props.level ?? null;
    this.createdAt = props.now;
    this.updatedAt = props.now;
  }

  /**
   * Connect clicked (again). The level and the status stay until Microsoft answers: the level
   * asked for travels with the sign-in attempt.
   */
  restart(expectedEmail: string, now: Date): void {
    this.expectedEmail = expectedEmail;
    this.updatedAt = now;
  }

  /** Microsoft answered; the connection waits, or needs something, with a reason. */
  mark(
    status: Exclude<IndividualStatus, 'connected' | 'superseded' | 'needs_admin_approval'>,
    reason: string,
    now: Date,
  ) {
    this.status = status;
    this.statusReason = reason;
    this.pendingLevel = null;
    this.updatedAt = now;
  }

  /**
   * Microsoft wants an admin's approval of `level`. The connection no longer runs, so it shows
   * the level it waits for: the admin steps name its permissions and Connect again asks for it.
   */
  awaitApproval(level: IndividualLevel, reason: string, now: Date): void {
    this.status = 'needs_admin_approval';
    this.statusReason = reason;
    this.level = level;
    this.pendingLevel = null;
    this.updatedAt = now;
  }

  /**
   * A connected connection's upgrade to `level` needs an admin: it keeps running at the level
   * its sign-in granted (its token still works) and records the one it waits for.
   */
  awaitUpgrade(level: IndividualLevel, now: Date): void {
    this.pendingLevel = level;
    this.updatedAt = now;
  }

  /** The level an admin is asked to approve, if any. */
  awaitedLevel(): IndividualLevel | null {
    if (this.status === 'needs_admin_approval') return this.level;
    return this.status === 'connected' ? this.pendingLevel : null;
  }

  /**
   * A verified sign-in, at the level its granted scopes cover (null: none). An account other than
   * the Rox email is held (`account_mismatch`) until an admin allows it, unless an admin already
   * allowed that very account.
   */
  connect(account: VerifiedAccount, level: IndividualLevel | null, now: Date): void {
    this.level = level;
    this.pendingLevel = null;
    const isSameAccount =
      this.microsoftUserId === account.userId && this.tenantId === account.tenantId;
    if (!isSameAccount) this.accountAllowedBy = null;
    this.tenantId = account.tenantId;
    this.microsoftUserId = account.userId;
    this.microsoftUsername = account.username;
    this.scopes = [...account.scopes];
    this.connectedAt = now;
    this.updatedAt = now;
    if (this.isAccountAsExpected() || this.accountAllowedBy) {
      this.status = 'connected';
      this.statusReason = null;
    } else {
      this.status = 'account_mismatch';
      this.statusReason = `Signed in to Microsoft as ${account.username}, not ${this.expectedEmail ?? 'your Rox email'}. An admin must allow this account before Rox uses it.`;
    }
  }

  isAccountAsExpected(): boolean {
    return (
      this.expectedEmail !== null &&
      this.microsoftUsername !== null &&
      this.microsoftUsername.trim().toLowerCase() === this.expectedEmail.trim().toLowerCase()
    );
  }

  allowAccount(adminRoxUserId: string, now: Date): void {
    this.accountAllowedBy = adminRoxUserId;
    this.status = 'connected';
    this.statusReason = null;
    this.updatedAt = now;
  }

  supersede(reason: string, now: Date): void {
    this.status = 'superseded';
    this.statusReason = reason;
    this.pendingLevel = null;
    this.updatedAt = now;
  }
}
