import { Entity, PrimaryKey, Property } from '@mikro-orm/core';

import {
  type CalendarAccessLevel,
  type CalendarMeetingDeletes,
  type ConsentOutcome,
  type EmailAccessLevel,
  type ExtraMailFolder,
} from '@rox365/contracts';

/**
 * What the admin configured for the org-wide connection. Kept across a disconnect, so the
 * admin can reconnect without typing it again; only the consent bookkeeping is reset then.
 */
@Entity({ tableName: 'orgwide_settings' })
export class OrgwideSettings {
  @PrimaryKey({ type: 'string', length: 128 })
  orgId: string;

  @Property({ type: 'string', length: 16 })
  calendarAccess: CalendarAccessLevel;

  @Property({ type: 'string', length: 16 })
  emailAccess: EmailAccessLevel;

  @Property({ type: 'json' })
  restrictedDomains: string[];

  @Property({ type: 'json' })
  restrictedUsers: string[];

  // Mail folders synced besides Inbox and Sent Items (Graph well-known names).
  @Property({ type: 'json', default: '[]' })
  extraMailFolders: ExtraMailFolder[] = [];

  // CAL-W7: whether Rox may delete (cancel) meetings with attendees in Outlook.
  @Property({ type: 'string', length: 16, default: 'confirm' })
  calendarMeetingDeletes: CalendarMeetingDeletes = 'confirm';

  // As the admin typed it (GUID or verified domain), and the GUID it resolved to.
  @Property({ type: 'string', length: 253 })
  tenant: string;

  @Property({ type: 'string', length: 36 })
  tenantId: string;

  @Property({ type: 'string', length: 40, nullable: true })
  lastOutcome: ConsentOutcome | null = null;

  @Property({ type: 'Date', columnType: 'timestamptz', nullable: true })
  lastOutcomeAt: Date | null = null;

  @Property({ type: 'Date', columnType: 'timestamptz', nullable: true })
  disconnectedAt: Date | null = null;

  @Property({ type: 'Date', columnType: 'timestamptz' })
  createdAt: Date;

  @Property({ type: 'Date', columnType: 'timestamptz' })
  updatedAt: Date;

  constructor(props: OrgwideSettingsValues & { orgId: string; now: Date }) {
    this.orgId = props.orgId;
    this.calendarAccess = props.calendarAccess;
    this.emailAccess = props.emailAccess;
    this.restrictedDomains = [...props.restrictedDomains];
    this.restrictedUsers = [...props.restrictedUsers];
    this.extraMailFolders = [...props.extraMailFolders];
    this.calendarMeetingDeletes = props.calendarMeetingDeletes;
    this.tenant = props.tenant;
    this.tenantId = props.tenantId.toLowerCase();
    this.createdAt = props.now;
    this.updatedAt = props.now;
  }

  update(values: OrgwideSettingsValues, now: Date): boolean {
    const changed =
      values.calendarAccess !== this.calendarAccess ||
      values.emailAccess !== this.emailAccess ||
      values.tenant !== this.tenant ||
      values.tenantId.toLowerCase() !== this.tenantId ||
      !sameList(values.restrictedDomains, this.restrictedDomains) ||
      !sameList(values.restrictedUsers, this.restrictedUsers) ||
      !sameList(values.extraMailFolders, this.extraMailFolders) ||
      values.calendarMeetingDeletes !== this.calendarMeetingDeletes;
    if (changed) {
      this.calendarAccess = values.calendarAccess;
      this.emailAccess = values.emailAccess;
      this.restrictedDomains = [...values.restrictedDomains];
      this.restrictedUsers = [...values.restrictedUsers];
      this.extraMailFolders = [...values.extraMailFolders];
      this.calendarMeetingDeletes = values.calendarMeetingDeletes;
      this.tenant = values.tenant;
      this.tenantId = values.tenantId.toLowerCase();
      this.updatedAt = now;
    }
    return changed;
  }

  recordOutcome(outcome: ConsentOutcome, now: Date): void {
    this.lastOutcome = outcome;
    this.lastOutcomeAt = now;
  }
}

export interface OrgwideSettingsValues {
  calendarAccess: CalendarAccessLevel;
  emailAccess: EmailAccessLevel;
  restrictedDomains: readonly string[];
  restrictedUsers: readonly string[];
  extraMailFolders: readonly ExtraMailFolder[];
  calendarMeetingDeletes: CalendarMeetingDeletes;
  tenant: string;
  tenantId: string;
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
