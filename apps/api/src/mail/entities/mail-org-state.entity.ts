import { Entity, PrimaryKey, Property } from '@mikro-orm/core';

/** Per org: the restricted lists the stored mail was last checked against. */
@Entity({ tableName: 'mail_org_state' })
export class MailOrgState {
  @PrimaryKey({ type: 'string', length: 128 })
  orgId: string;

  @Property({ type: 'json' })
  restrictedDomains: string[] = [];

  @Property({ type: 'json' })
  restrictedUsers: string[] = [];

  @Property({ type: 'Date', columnType: 'timestamptz', nullable: true })
  checkedAt: Date | null = null;

  constructor(orgId: string) {
    this.orgId = orgId;
  }
}
