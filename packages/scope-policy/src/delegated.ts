import { type DelegatedPermission } from './permissions';
import { type CalendarAccess, type EmailAccess } from './settings';

/** Scopes every individual connection requests: sign-in, profile and a refresh token. */
export const DELEGATED_BASE_SCOPES: readonly DelegatedPermission[] = [
  'openid',
  'profile',
  'offline_access',
  'User.Read',
];

const CALENDAR_SCOPES: Readonly<
  Record<Exclude<CalendarAccess, 'off'>, readonly DelegatedPermission[]>
> = {
  read: ['Calendars.Read'],
  // Writes go out in the mailbox's own time zone, read from its mailbox settings.
  read_write: ['Calendars.ReadWrite', 'MailboxSettings.Read'],
};

const EMAIL_SCOPES: Readonly<Record<Exclude<EmailAccess, 'off'>, readonly DelegatedPermission[]>> =
  {
    metadata: ['Mail.ReadBasic'],
    read: ['Mail.Read'],
    read_send: ['Mail.Read', 'Mail.Send'],
  };

/**
 * Delegated scopes for an individual Outlook Calendar or Outlook Mail connection. Bare names are
 * Microsoft Graph scopes for the authorize and token endpoints (and MSAL).
 */
export function delegatedScopesFor(
  kind: 'calendar',
  access: Exclude<CalendarAccess, 'off'>,
): DelegatedPermission[];
export function delegatedScopesFor(
  kind: 'mail',
  access: Exclude<EmailAccess, 'off'>,
): DelegatedPermission[];
export function delegatedScopesFor(
  kind: 'calendar' | 'mail',
  access: Exclude<CalendarAccess, 'off'> | Exclude<EmailAccess, 'off'>,
): DelegatedPermission[] {
  const specific =
    kind === 'calendar'
      ? CALENDAR_SCOPES[access as Exclude<CalendarAccess, 'off'>]
      : EMAIL_SCOPES[access as Exclude<EmailAccess, 'off'>];
  if (specific === undefined) throw new RangeError(`No ${kind} scopes for access level ${access}`);
  return [...DELEGATED_BASE_SCOPES, ...specific];
}

/**
 * What an individual connection asks Microsoft for: {@link delegatedScopesFor}, and for a two-way
 * calendar also `Calendars.Read` next to `Calendars.ReadWrite`, so Microsoft's consent and
 * approval pages list the permissions seed 001 shows ("Read user calendars", "Have full access to
 * user calendars", …), then "Read user mailbox settings" for the mailbox's time zone.
 */
export function individualConnectionScopes(
  kind: 'calendar' | 'mail',
  level: Exclude<CalendarAccess, 'off'> | Exclude<EmailAccess, 'off'>,
): DelegatedPermission[] {
  const scopes =
    kind === 'calendar'
      ? delegatedScopesFor('calendar', level as Exclude<CalendarAccess, 'off'>)
      : delegatedScopesFor('mail', level as Exclude<EmailAccess, 'off'>);
  if (kind === 'calendar' && level === 'read_write') {
    scopes.splice(scopes.indexOf('Calendars.ReadWrite') + 1, 0, 'Calendars.Read');
  }
  return [...new Set(scopes)];
}

/**
 * The delegated scopes actually granted, parsed from a token response's `scope` or an access
 * token's `scp` (space-separated; Graph scopes may come back as full URIs).
 */
export function parseScopeString(scope: string): string[] {
  return scope
    .split(/\s+/)
    .filter((s) => s.length > 0)
    .map((s) => s.replace(/^https:\/\/graph\.microsoft\.com\//i, ''));
}
