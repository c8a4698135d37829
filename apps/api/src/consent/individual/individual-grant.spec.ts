import { describe, expect, it } from 'vitest';

import {
  grantedAccess,
  grantedLevel,
  individualCapabilities,
  isHigherLevel,
} from './individual-grant';

const BASE = ['openid', 'profile', 'offline_access', 'User.Read'];

describe('individualCapabilities', () => {
  it.each([
    ['calendar', ['Calendars.Read'], ['calendar_read']],
    [
      'calendar',
      ['Calendars.ReadWrite', 'MailboxSettings.Read'],
      ['calendar_read', 'calendar_write', 'calendar_time_zone'],
    ],
    // Entra may name Graph's resource and keep the request's case.
    [
      'calendar',
      ['https://graph.microsoft.com/calendars.readwrite'],
      ['calendar_read', 'calendar_write'],
    ],
    ['mail', ['Mail.ReadBasic'], ['mail_metadata']],
    ['mail', ['Mail.Read', 'Mail.Send'], ['mail_metadata', 'mail_content', 'mail_send']],
    // The other kind's scopes are not this connection's business.
    ['mail', ['Calendars.ReadWrite'], []],
    ['calendar', [], []],
  ] as const)('%s %j → %j', (kind, scopes, expected) => {
    expect(individualCapabilities(kind, [...BASE, ...scopes])).toEqual(expected);
  });

  it('reads no capability from a connection without scopes', () => {
    expect(individualCapabilities('calendar', null)).toEqual([]);
  });
});

describe('grantedLevel', () => {
  it.each([
    ['calendar', 'read_write', ['Calendars.ReadWrite', 'Calendars.Read'], 'read_write'],
    // An upgrade Microsoft never granted: the level the scopes cover.
    ['calendar', 'read_write', ['Calendars.Read'], 'read'],
    // A broader grant than asked for does not raise the level.
    ['calendar', 'read', ['Calendars.ReadWrite'], 'read'],
    ['calendar', 'read', ['Mail.Read'], null],
    ['mail', 'read_send', ['Mail.Read', 'Mail.Send'], 'read_send'],
    ['mail', 'read_send', ['Mail.Read'], 'read'],
    ['mail', 'read_send', ['Mail.ReadBasic', 'Mail.Send'], 'metadata'],
    ['mail', 'read', ['Mail.ReadBasic'], 'metadata'],
    ['mail', 'metadata', ['Mail.Read'], 'metadata'],
    ['mail', 'metadata', ['Calendars.Read'], null],
  ] as const)('%s asked %s with %j → %s', (kind, level, scopes, expected) => {
    expect(grantedLevel(kind, level, [...BASE, ...scopes])).toBe(expected);
  });

  it('says why a level is clamped', () => {
    const access = grantedAccess('calendar', 'read_write', ['Calendars.Read']);
    expect(access).toMatchObject({ configured: 'read_write', effective: 'read', isClamped: true });
    expect(access.reason).toContain('Calendars.ReadWrite');
    expect(grantedAccess('calendar', 'read', ['Calendars.Read']).reason).toBeNull();
  });
});

describe('isHigherLevel', () => {
  it.each([
    ['calendar', 'read_write', 'read', true],
    ['calendar', 'read', 'read_write', false],
    ['calendar', 'read', 'read', false],
    ['calendar', 'read', null, true],
    ['mail', 'read_send', 'read', true],
    ['mail', 'read', 'metadata', true],
    ['mail', 'metadata', 'read', false],
    ['mail', 'read_send', 'read_send', false],
  ] as const)('%s: %s over %s → %s', (kind, asked, current, expected) => {
    expect(isHigherLevel(kind, asked, current)).toBe(expected);
  });
});
