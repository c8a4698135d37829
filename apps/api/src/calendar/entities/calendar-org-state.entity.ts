import { Entity, PrimaryKey, Property } from '@mikro-orm/core';

/**
 * Per org: the restricted lists the stored events were last checked against. A cycle that sees
 * other lists purges what became restricted and reads every calendar again (full rounds).
 */
@Entity({ tableName: 'calendar_org_state' })
export class CalendarOrgState {
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
