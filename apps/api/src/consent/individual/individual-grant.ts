import {
  APPLICATION_PERMISSIONS,
  CALENDAR_ACCESS_LEVELS,
  capabilitiesFromPermissions,
  effectiveAccess,
  EMAIL_ACCESS_LEVELS,
  parseScopeString,
  type CalendarAccess,
  type Capability,
  type ClampedAccess,
  type EmailAccess,
} from '@rox365/scope-policy';

import {
  type IndividualKind,
  type IndividualLevel,
} from '../entities/individual-connection.entity';

// Entra may answer with Graph's resource URI in front of a scope, or in the request's case
// ("https://graph.microsoft.com/mail.read"): compare by the catalog's spelling.
const CATALOG_NAME = new Map<string, string>(
  APPLICATION_PERMISSIONS.map((p) => [p.name.toLowerCase(), p.name]),
);

/** What a member's own connection of a kind lets Rox do: the scopes Microsoft granted it. */
export function individualCapabilities(
  kind: IndividualKind,
  scopes: readonly string[] | null,
): Capability[] {
  const names = parseScopeString((scopes ?? []).join(' ')).map(
    (s) => CATALOG_NAME.get(s.toLowerCase()) ?? s,
  );
  return capabilitiesFromPermissions(names).filter((c) =>
    kind === 'calendar' ? c.startsWith('calendar_') : c.startsWith('mail_'),
  );
}

/**
 * A connection's level clamped to its granted scopes (`off` when they cover none of the kind's
 * levels), with the reason when clamped. A level the grant does not cover is never claimed.
 */
export function grantedAccess(
  kind: IndividualKind,
  level: IndividualLevel,
  scopes: readonly string[] | null,
): ClampedAccess<CalendarAccess | EmailAccess> {
  const capabilities = individualCapabilities(kind, scopes);
  return kind === 'calendar'
    ? effectiveAccess(
        { calendarAccess: level as Exclude<CalendarAccess, 'off'>, emailAccess: 'off' },
        capabilities,
      ).calendarAccess
    : effectiveAccess(
        { calendarAccess: 'off', emailAccess: level as Exclude<EmailAccess, 'off'> },
        capabilities,
      ).emailAccess;
}

/** The highest level up to `level` that the granted scopes cover; null when they cover none. */
export function grantedLevel(
  kind: IndividualKind,
  level: IndividualLevel,
  scopes: readonly string[] | null,
): IndividualLevel | null {
  const { effective } = grantedAccess(kind, level, scopes);
  return effective === 'off' ? null : effective;
}

/** Whether `asked` gives more access than `current` (a null current: nothing yet). */
export function isHigherLevel(
  kind: IndividualKind,
  asked: IndividualLevel,
  current: IndividualLevel | null,
): boolean {
  const order: readonly string[] =
    kind === 'calendar' ? CALENDAR_ACCESS_LEVELS : EMAIL_ACCESS_LEVELS;
  return order.indexOf(asked) > (current === null ? 0 : order.indexOf(current));
}
