import { Entity, Index, PrimaryKey, Property } from '@mikro-orm/core';

import { type ProbeResult } from '@rox365/contracts';

/** How Rox reaches a member's mailbox: the org-wide app, the member's own connection, or not. */
export type MailboxRoute = 'orgwide' | 'individual' | 'none';

/**
 * One member's mailbox as a sync target, materialised: the route, the configured and effective
 * calendar and mail levels, whether each is in scope and why not, and what to do next. Refreshed
 * by keyed jobs whenever something it derives from changes (settings, overrides, the directory,
 * probes, connections, members), so reads page it in SQL instead of recomputing it per request.
 */
@Entity({ tableName: 'mailbox' })
@Index({ properties: ['orgId', 'refreshedAt'] })
export class Mailbox {
  @PrimaryKey({ type: 'string', length: 128 })
  orgId: string;

  @PrimaryKey({ type: 'string', length: 128 })
  roxUserId: string;

  @Property({ type: 'string', length: 320 })
  email: string;

  @Property({ type: 'string', length: 256 })
  displayName: string;

  @Property({ type: 'string', length: 16 })
  role: 'admin' | 'member';

  @Property({ type: 'string', length: 16 })
  route: MailboxRoute;

  @Property({ type: 'string', length: 64, nullable: true })
  directoryUserId: string | null = null;

  @Property({ type: 'string', length: 320, nullable: true })
  directoryUpn: string | null = null;

  @Property({ type: 'string', length: 16, nullable: true })
  overrideCalendar: string | null = null;

  @Property({ type: 'string', length: 16, nullable: true })
  overrideEmail: string | null = null;

  @Property({ type: 'string', length: 16 })
  calendarConfigured: string;

  @Property({ type: 'string', length: 16 })
  calendarEffective: string;

  @Property({ type: 'boolean' })
  calendarInScope: boolean;

  @Property({ type: 'string', length: 500, nullable: true })
  calendarReason: string | null = null;

  @Property({ type: 'string', length: 500, nullable: true })
  calendarNextAction: string | null = null;

  @Property({ type: 'string', length: 16 })
  mailConfigured: string;

  @Property({ type: 'string', length: 16 })
  mailEffective: string;

  @Property({ type: 'boolean' })
  mailInScope: boolean;

  @Property({ type: 'string', length: 500, nullable: true })
  mailReason: string | null = null;

  @Property({ type: 'string', length: 500, nullable: true })
  mailNextAction: string | null = null;

  // In scope before probes are considered: who the probes check (a probe that found the mailbox
  // blocked must not stop the next probe from seeing it recover).
  @Property({ type: 'boolean' })
  isProbeTarget: boolean;

  // The latest probe of the mailbox, as the API shows it.
  @Property({ type: 'json', nullable: true })
  probe: ProbeResult | null = null;

  @Property({ type: 'Date', columnType: 'timestamptz' })
  refreshedAt: Date;

  constructor(props: Omit<Mailbox, 'isInScope'>) {
    Object.assign(this, props);
    this.orgId = props.orgId;
    this.roxUserId = props.roxUserId;
    this.email = props.email;
    this.displayName = props.displayName;
    this.role = props.role;
    this.route = props.route;
    this.calendarConfigured = props.calendarConfigured;
    this.calendarEffective = props.calendarEffective;
    this.calendarInScope = props.calendarInScope;
    this.mailConfigured = props.mailConfigured;
    this.mailEffective = props.mailEffective;
    this.mailInScope = props.mailInScope;
    this.isProbeTarget = props.isProbeTarget;
    this.refreshedAt = props.refreshedAt;
  }

  /** Calendar or mail is synced for this member. */
  isInScope(): boolean {
    return this.calendarInScope || this.mailInScope;
  }
}
