import { Entity, PrimaryKey, Property } from '@mikro-orm/core';

import { type CalendarAccessLevel, type EmailAccessLevel } from '@rox365/contracts';

/** A member's exception to the org default; a null level inherits the default. */
@Entity({ tableName: 'orgwide_member_override' })
export class MemberOverride {
  @PrimaryKey({ type: 'string', length: 128 })
  orgId: string;

  @PrimaryKey({ type: 'string', length: 128 })
  roxUserId: string;

  @Property({ type: 'string', length: 16, nullable: true })
  calendarAccess: CalendarAccessLevel | null;

  @Property({ type: 'string', length: 16, nullable: true })
  emailAccess: EmailAccessLevel | null;

  @Property({ type: 'Date', columnType: 'timestamptz' })
  updatedAt: Date;

  constructor(props: {
    orgId: string;
    roxUserId: string;
    calendarAccess: CalendarAccessLevel | null;
    emailAccess: EmailAccessLevel | null;
    now: Date;
  }) {
    this.orgId = props.orgId;
    this.roxUserId = props.roxUserId;
    this.calendarAccess = props.calendarAccess;
    this.emailAccess = props.emailAccess;
    this.updatedAt = props.now;
  }

  update(
    values: { calendarAccess: CalendarAccessLevel | null; emailAccess: EmailAccessLevel | null },
    now: Date,
  ): boolean {
    const changed =
      values.calendarAccess !== this.calendarAccess || values.emailAccess !== this.emailAccess;
    if (changed) {
      this.calendarAccess = values.calendarAccess;
      this.emailAccess = values.emailAccess;
      this.updatedAt = now;
    }
    return changed;
  }
}
