import { Entity, Index, PrimaryKey, Property } from '@mikro-orm/core';

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

/** What q= searches: the index expression and the query's must be the same text. */
export const DIRECTORY_SEARCH_TEXT = `lower("user_principal_name" || ' ' || coalesce("mail", '') || ' ' || coalesce("display_name", ''))`;

/** A Microsoft 365 user of the org's tenant, as the last directory sync saw it. */
@Entity({ tableName: 'directory_user' })
// Keyset order of the user list (upn_key, id) within an org.
@Index({ properties: ['orgId', 'upnKey', 'id'] })
// Members' emails are matched against addresses (GIN: @> and &&).
@Index({
  name: 'directory_user_addresses_gin',
  expression:
    'create index "directory_user_addresses_gin" on "directory_user" using gin ("addresses")',
})
// q= (substring, case-insensitive, over UPN, mail and name) through pg_trgm: one index on one
// expression (DIRECTORY_SEARCH_TEXT), so the planner weighs a single condition; with one index
// per column it scanned the table up to some 10,000 users (docs/directory.md).
@Index({
  name: 'directory_user_search_trgm',
  expression: `create index "directory_user_search_trgm" on "directory_user" using gin ((${DIRECTORY_SEARCH_TEXT}) gin_trgm_ops)`,
})
export class DirectoryUser {
  @PrimaryKey({ type: 'string', length: 128 })
  orgId: string;

  // Entra object id.
  @PrimaryKey({ type: 'string', length: 64 })
  id: string;

  @Property({ type: 'string', length: 320 })
  userPrincipalName: string;

  // Lower-cased, trimmed UPN: the list's sort key (with the id).
  @Property({ type: 'string', length: 320 })
  upnKey: string;

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

  // The lowest Rox member mapped to this user (directory_member_map), kept with the mapping.
  @Property({ type: 'string', length: 128, nullable: true })
  mappedRoxUserId: string | null = null;

  @Property({ type: 'Date', columnType: 'timestamptz' })
  createdAt: Date;

  @Property({ type: 'Date', columnType: 'timestamptz' })
  updatedAt: Date;

  constructor(props: {
    orgId: string;
    id: string;
    fields: DirectoryUserFields;
    addresses: string[];
    now: Date;
  }) {
    if (!props.id) throw new RangeError('A directory user needs its Entra object id');
    this.orgId = props.orgId;
    this.id = props.id;
    this.userPrincipalName = props.fields.userPrincipalName;
    this.upnKey = upnKey(props.fields.userPrincipalName);
    this.mail = props.fields.mail;
    this.proxyAddresses = [...props.fields.proxyAddresses];
    this.addresses = [...props.addresses];
    this.displayName = props.fields.displayName;
    this.accountEnabled = props.fields.accountEnabled;
    this.userType = props.fields.userType;
    this.createdAt = props.now;
    this.updatedAt = props.now;
  }
}

/** The list's sort key of a UPN. */
export function upnKey(userPrincipalName: string): string {
  return userPrincipalName.trim().toLowerCase();
}

/** Whether Graph reported anything visible that differs from what is stored. */
export function fieldsChanged(stored: DirectoryUserFields, next: DirectoryUserFields): boolean {
  return (
    next.userPrincipalName !== stored.userPrincipalName ||
    next.mail !== stored.mail ||
    !sameList(next.proxyAddresses, stored.proxyAddresses) ||
    next.displayName !== stored.displayName ||
    next.accountEnabled !== stored.accountEnabled ||
    next.userType !== stored.userType
  );
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((value, i) => value === b[i]);
}
