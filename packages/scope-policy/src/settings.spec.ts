import { describe, expect, it } from 'vitest';

import {
  maxCalendarAccess,
  maxEmailAccess,
  memberAccess,
  type OrgAccessSettings,
} from './settings';

const settings: OrgAccessSettings = {
  defaults: { calendarAccess: 'read', emailAccess: 'metadata' },
  overrides: [
    { member: 'Ana@Contoso.com', emailAccess: 'read_send' },
    { member: 'bo@contoso.com', calendarAccess: 'off', emailAccess: 'off' },
  ],
};

describe('memberAccess', () => {
  it('applies an override case-insensitively and inherits unset fields', () => {
    expect(memberAccess(settings, 'ana@contoso.com')).toEqual({
      calendarAccess: 'read',
      emailAccess: 'read_send',
    });
  });

  it('falls back to the default for members without an override', () => {
    expect(memberAccess(settings, 'cy@contoso.com')).toEqual(settings.defaults);
  });
});

describe('max levels', () => {
  it('take the highest level among the default and the overrides', () => {
    expect(maxEmailAccess(settings)).toBe('read_send');
    expect(maxCalendarAccess(settings)).toBe('read');
  });
});
