/** How much of a member's calendar Rox may use. `read_write` means two-way sync. */
export type CalendarAccess = 'off' | 'read' | 'read_write';

/** How much of a member's mailbox Rox may use. */
export type EmailAccess = 'off' | 'metadata' | 'read' | 'read_send';

/** Calendar levels from least to most access. */
export const CALENDAR_ACCESS_LEVELS: readonly CalendarAccess[] = ['off', 'read', 'read_write'];

/** Email levels from least to most access. */
export const EMAIL_ACCESS_LEVELS: readonly EmailAccess[] = ['off', 'metadata', 'read', 'read_send'];

/** The access one member (or the organisation default) is configured with. */
export interface MemberAccess {
  readonly calendarAccess: CalendarAccess;
  readonly emailAccess: EmailAccess;
}

/** A per-member exception to the organisation default; an absent field inherits the default. */
export interface MemberAccessOverride {
  /** The member's email address (matched case-insensitively) or directory object id. */
  readonly member: string;
  readonly calendarAccess?: CalendarAccess;
  readonly emailAccess?: EmailAccess;
}

/** Org-wide connection settings: a default plus per-member overrides. */
export interface OrgAccessSettings {
  readonly defaults: MemberAccess;
  readonly overrides: readonly MemberAccessOverride[];
}

/** The access a member ends up with after applying their override (if any) to the default. */
export function memberAccess(settings: OrgAccessSettings, member: string): MemberAccess {
  const key = member.toLowerCase();
  const override = settings.overrides.find((o) => o.member.toLowerCase() === key);
  return {
    calendarAccess: override?.calendarAccess ?? settings.defaults.calendarAccess,
    emailAccess: override?.emailAccess ?? settings.defaults.emailAccess,
  };
}

/** The highest calendar level among the default and every override. */
export function maxCalendarAccess(settings: OrgAccessSettings): CalendarAccess {
  return maxLevel(
    CALENDAR_ACCESS_LEVELS,
    settings.defaults.calendarAccess,
    settings.overrides.map((o) => o.calendarAccess),
  );
}

/** The highest email level among the default and every override. */
export function maxEmailAccess(settings: OrgAccessSettings): EmailAccess {
  return maxLevel(
    EMAIL_ACCESS_LEVELS,
    settings.defaults.emailAccess,
    settings.overrides.map((o) => o.emailAccess),
  );
}

function maxLevel<T>(order: readonly T[], first: T, rest: ReadonlyArray<T | undefined>): T {
  let best = first;
  for (const level of rest) {
    if (level !== undefined && order.indexOf(level) > order.indexOf(best)) best = level;
  }
  return best;
}
