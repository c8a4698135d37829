import { Entity, PrimaryKey, Property } from '@mikro-orm/core';

/** Whether Rox can reach the user's mailbox, as far as the latest probe knows. */
export type MailboxState = 'unknown' | 'available' | 'no_mailbox' | 'denied_by_policy';

/** The fields a directory sync reads for one Microsoft 365 user. */
export interface DirectoryUserFields {
  userPrincipalName: string;
  mail: string | null;
  proxyAddresses: string[];
  displayName: string | null;
  accountEnabled: boolean | null;
  userType: string | null;
}

/** A Microsoft 365 user of the org's tenant, as the last directory sync saw it. */
@Entity({ tableName: 'directory_user' })
export class DirectoryUser {
  @PrimaryKey({ type: 'string', length: 128 })
  orgId: string;

  // Entra object id.
  @PrimaryKey({ type: 'string', length: 64 })
  id: string;

  @Property({ type: 'string', length: 320 })
  userPrincipalName: string;

  @Property({ type: 'string', length: 320, nullable: true })
  mail: string | null;

  @Property({ type: 'json' })
  proxyAddresses: string[];

  // Lower-cased mail, UPN and SMTP proxy addresses: what Rox member emails are matched against.
  @Property({ type: 'string[]' })
  addresses: string[];

  @Property({ type: 'string', length: 256, nullable: true })
  displayName: string | null;

  @Property({ type: 'boolean', nullable: true })
  accountEnabled: boolean | null;

  @Property({ type: 'string', length: 32, nullable: true })
  userType: string | null;

  @Property({ type: 'string', length: 24 })
  mailboxState: MailboxState = 'unknown';

  // Number of the full sync round that last saw this user; a full round deletes older ones.
  @Property({ type: 'integer' })
  seenRound: number;

  @Property({ type: 'Date', columnType: 'timestamptz' })
  createdAt: Date;

  @Property({ type: 'Date', columnType: 'timestamptz' })
  updatedAt: Date;

  constructor(props: {
    orgId: string;
    id: string;
    fields: DirectoryUserFields;
    addresses: string[];
    round: number;
    now: Date;
  }) {
    if (!props.id) throw new RangeError('A directory user needs its Entra object id');
    this.orgId = props.orgId;
    this.id = props.id;
    this.userPrincipalName = props.fields.userPrincipalName;
    this.mail = props.fields.mail;
    this.proxyAddresses = [...props.fields.proxyAddresses];
    this.addresses = [...props.addresses];
    this.displayName = props.fields.displayName;
    this.accountEnabled = props.fields.accountEnabled;
    this.userType = props.fields.userType;
    this.seenRound = props.round;
    this.createdAt = props.now;
    this.updatedAt = props.now;
  }

  /** Applies what Graph reported; returns whether anything visible changed. */
  apply(fields: DirectoryUserFields, addresses: string[], round: number, now: Date): boolean {
    this.seenRound = Math.max(this.seenRound, round);
    const changed =
      fields.userPrincipalName !== this.userPrincipalName ||
      fields.mail !== this.mail ||
      !sameList(fields.proxyAddresses, this.proxyAddresses) ||
      fields.displayName !== this.displayName ||
      fields.accountEnabled !== this.accountEnabled ||
      fields.userType !== this.userType;
    if (!changed) return false;
    this.userPrincipalName = fields.userPrincipalName;
    this.mail = fields.mail;
    this.proxyAddresses = [...fields.proxyAddresses];
    this.addresses = [...addresses];
    this.displayName = fields.displayName;
    this.accountEnabled = fields.accountEnabled;
    this.userType = fields.userType;
    this.updatedAt = now;
    return true;
  }
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((value, i) => value === b[i]);
}
