import { describe, expect, it } from 'vitest';

import { delegatedScopesFor, individualConnectionScopes, parseScopeString } from './delegated';
import { type CalendarAccess, type EmailAccess } from './settings';

const BASE = ['openid', 'profile', 'offline_access', 'User.Read'];

describe('individualConnectionScopes', () => {
  it('asks a two-way calendar for both calendar scopes, as seed 001 lists them, and the mailbox settings', () => {
    expect(individualConnectionScopes('calendar', 'read_write')).toEqual([
      ...BASE,
      'Calendars.ReadWrite',
      'Calendars.Read',
      'MailboxSettings.Read',
    ]);
    expect(individualConnectionScopes('calendar', 'read')).toEqual([...BASE, 'Calendars.Read']);
    expect(individualConnectionScopes('mail', 'read_send')).toEqual([
      ...BASE,
      'Mail.Read',
      'Mail.Send',
    ]);
  });
});

describe('delegatedScopesFor', () => {
  it.each<[Exclude<CalendarAccess, 'off'>, string[]]>([
    ['read', [...BASE, 'Calendars.Read']],
    // Writes go out in the mailbox's time zone, which only its mailbox settings tell.
    ['read_write', [...BASE, 'Calendars.ReadWrite', 'MailboxSettings.Read']],
  ])('calendar %s', (access, expected) => {
    expect(delegatedScopesFor('calendar', access)).toEqual(expected);
  });

  it.each<[Exclude<EmailAccess, 'off'>, string[]]>([
    ['metadata', [...BASE, 'Mail.ReadBasic']],
    ['read', [...BASE, 'Mail.Read']],
    ['read_send', [...BASE, 'Mail.Read', 'Mail.Send']],
  ])('mail %s', (access, expected) => {
    expect(delegatedScopesFor('mail', access)).toEqual(expected);
  });

  it('refuses a level that has no scopes', () => {
    expect(() => delegatedScopesFor('mail', 'off' as 'read')).toThrow(RangeError);
  });
});

describe('parseScopeString', () => {
  it('splits and strips the Graph resource prefix', () => {
    expect(parseScopeString('https://graph.microsoft.com/Mail.Read  openid User.Read')).toEqual([
      'Mail.Read',
      'openid',
      'User.Read',
    ]);
  });
});
