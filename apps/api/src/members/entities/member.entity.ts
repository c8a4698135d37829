import { Entity, Index, PrimaryKey, Property } from '@mikro-orm/core';

import { type MemberRole } from '@rox365/contracts';

/** A Rox org member, as the Rox platform reports it. Keyed by org so orgs never share rows. */
@Entity({ tableName: 'member' })
@Index({ properties: ['orgId', 'emailNormalized'] })
export class Member {
  @PrimaryKey({ type: 'string', length: 128 })
  orgId: string;

  @PrimaryKey({ type: 'string', length: 128 })
  roxUserId: string;

  @Property({ type: 'string', length: 320 })
  email: string;

  // Lower-cased copy used for matching Microsoft directory addresses.
  @Property({ type: 'string', length: 320 })
  emailNormalized: string;

  @Property({ type: 'string', length: 200 })
  displayName: string;

  @Property({ type: 'string', length: 16 })
  role: MemberRole;

  @Property({ type: 'Date', columnType: 'timestamptz' })
  createdAt: Date;

  @Property({ type: 'Date', columnType: 'timestamptz' })
  updatedAt: Date;

  constructor(props: {
    orgId: string;
    roxUserId: string;
    email: string;
    displayName: string;
    role: MemberRole;
    now: Date;
  }) {
    this.orgId = props.orgId;
    this.roxUserId = props.roxUserId;
    this.email = props.email;
    this.emailNormalized = normalizeEmail(props.email);
    this.displayName = props.displayName;
    this.role = props.role;
    this.createdAt = props.now;
    this.updatedAt = props.now;
  }

  update(props: { email: string; displayName: string; role: MemberRole; now: Date }): boolean {
    const changed =
      props.email !== this.email ||
      props.displayName !== this.displayName ||
      props.role !== this.role;
    if (changed) {
      this.email = props.email;
      this.emailNormalized = normalizeEmail(props.email);
      this.displayName = props.displayName;
      this.role = props.role;
      this.updatedAt = props.now;
    }
    return changed;
  }
}

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}
