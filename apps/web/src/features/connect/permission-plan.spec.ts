import { describe, expect, it } from 'vitest';

import { permissionPlan } from './permission-plan';

const needed = (plan: ReturnType<typeof permissionPlan>) =>
  plan.filter((p) => p.isNeeded).map((p) => p.name);

describe('permission plan for the review step', () => {
  it('always lists all eight permissions Microsoft asks for', () => {
    const plan = permissionPlan({ calendarAccess: 'off', emailAccess: 'off', overrides: [] });
    expect(plan.map((p) => p.name)).toEqual([
      'Mail.ReadBasic.All',
      'Mail.Read',
      'Mail.ReadWrite',
      'Mail.Send',
      'Calendars.Read',
      'Calendars.ReadWrite',
      'MailboxSettings.Read',
      'Directory.Read.All',
    ]);
    expect(plan.every((p) => p.displayName.length > 0)).toBe(true);
  });

  it('marks the directory as always needed (Directory.Read.All stands in for User.Read.All)', () => {
    expect(
      needed(permissionPlan({ calendarAccess: 'off', emailAccess: 'off', overrides: [] })),
    ).toEqual(['Directory.Read.All']);
  });

  it('needs only the minimum for the configured levels', () => {
    expect(
      needed(permissionPlan({ calendarAccess: 'read', emailAccess: 'metadata', overrides: [] })),
    ).toEqual(['Mail.ReadBasic.All', 'Calendars.Read', 'Directory.Read.All']);
    expect(
      needed(
        permissionPlan({ calendarAccess: 'read_write', emailAccess: 'read_send', overrides: [] }),
      ),
    ).toEqual([
      'Mail.Read',
      'Mail.Send',
      'Calendars.ReadWrite',
      'MailboxSettings.Read',
      'Directory.Read.All',
    ]);
  });

  it('counts a member override that asks for more than the default', () => {
    const plan = permissionPlan({
      calendarAccess: 'off',
      emailAccess: 'off',
      overrides: [{ roxUserId: 'u_megan', calendarAccess: 'read_write', emailAccess: null }],
    });
    // Two-way writes go out in the member's own time zone, which MailboxSettings.Read reads.
    expect(needed(plan)).toEqual([
      'Calendars.ReadWrite',
      'MailboxSettings.Read',
      'Directory.Read.All',
    ]);
  });
});
