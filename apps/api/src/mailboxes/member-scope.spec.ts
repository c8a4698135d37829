import { describe, expect, it } from 'vitest';

import { type Capability } from '@rox365/scope-policy';

import { memberScope, NEXT_ACTION, REASON, type MemberScopeInput } from './member-scope';

const ALL: Capability[] = [
  'directory_sync',
  'calendar_read',
  'calendar_write',
  'mail_metadata',
  'mail_content',
  'mail_send',
];

function input(over: Partial<MemberScopeInput> = {}): MemberScopeInput {
  return {
    member: { roxUserId: 'u1', email: 'Megan.Bowen@contoso.com' },
    settings: {
      calendarAccess: 'read_write',
      emailAccess: 'read',
      restrictedUsers: [],
      overrides: [],
    },
    capabilities: ALL,
    directoryUser: { id: 'd1', accountEnabled: true },
    probe: null,
    ...over,
  };
}

const probe = (mail: string, calendar: string, directoryUserId: string | null = 'd1') =>
  ({ directoryUserId, mail, calendar }) as MemberScopeInput['probe'];

describe('memberScope', () => {
  it.each<
    [
      string,
      Partial<MemberScopeInput>,
      { calendar: [boolean, string, string | null]; mail: [boolean, string, string | null] },
    ]
  >([
    [
      'in scope with defaults',
      {},
      { calendar: [true, 'read_write', null], mail: [true, 'read', null] },
    ],
    [
      'not connected',
      { capabilities: null },
      { calendar: [false, 'off', REASON.notConnected], mail: [false, 'off', REASON.notConnected] },
    ],
    [
      'no settings saved',
      { settings: null },
      { calendar: [false, 'off', REASON.calendarOffOrg], mail: [false, 'off', REASON.emailOffOrg] },
    ],
    [
      'override turns email off for the member',
      {
        settings: {
          calendarAccess: 'read',
          emailAccess: 'read',
          restrictedUsers: [],
          overrides: [{ roxUserId: 'u1', calendarAccess: null, emailAccess: 'off' }],
        },
      },
      { calendar: [true, 'read', null], mail: [false, 'off', REASON.emailOffMember] },
    ],
    [
      'override turns calendar on while the org has it off',
      {
        settings: {
          calendarAccess: 'off',
          emailAccess: 'off',
          restrictedUsers: [],
          overrides: [{ roxUserId: 'u1', calendarAccess: 'read', emailAccess: null }],
        },
      },
      { calendar: [true, 'read', null], mail: [false, 'off', REASON.emailOffOrg] },
    ],
    [
      'restricted user (matched case-insensitively) has no email even with an override',
      {
        settings: {
          calendarAccess: 'read',
          emailAccess: 'read',
          restrictedUsers: ['megan.bowen@contoso.com'],
          overrides: [{ roxUserId: 'u1', calendarAccess: null, emailAccess: 'read_send' }],
        },
      },
      { calendar: [true, 'read', null], mail: [false, 'off', REASON.restricted] },
    ],
    [
      'unmapped member',
      { directoryUser: null },
      { calendar: [false, 'off', REASON.unmapped], mail: [false, 'off', REASON.unmapped] },
    ],
    [
      'disabled account',
      { directoryUser: { id: 'd1', accountEnabled: false } },
      { calendar: [false, 'off', REASON.disabled], mail: [false, 'off', REASON.disabled] },
    ],
    [
      'Mail.Read revoked: read clamps to metadata, still in scope',
      { capabilities: ['directory_sync', 'calendar_read', 'calendar_write', 'mail_metadata'] },
      { calendar: [true, 'read_write', null], mail: [true, 'metadata', 'clamped'] },
    ],
    [
      'all mail capabilities revoked',
      { capabilities: ['directory_sync', 'calendar_read', 'calendar_write'] },
      {
        calendar: [true, 'read_write', null],
        mail: [false, 'off', REASON.revoked('Mail.ReadBasic.All')],
      },
    ],
    [
      'access policy blocks the mailbox',
      { probe: probe('denied_by_policy', 'denied_by_policy') },
      { calendar: [false, 'off', REASON.accessPolicy], mail: [false, 'off', REASON.accessPolicy] },
    ],
    [
      'no mailbox',
      { probe: probe('no_mailbox', 'no_mailbox') },
      { calendar: [false, 'off', REASON.noMailbox], mail: [false, 'off', REASON.noMailbox] },
    ],
    [
      'probe says the permission is gone',
      { probe: probe('permission_not_granted', 'granted') },
      { calendar: [true, 'read_write', null], mail: [false, 'off', REASON.revoked('Mail.Read')] },
    ],
    [
      'probe error keeps the member in scope',
      { probe: probe('error', 'granted') },
      { calendar: [true, 'read_write', null], mail: [true, 'read', REASON.probeError] },
    ],
    [
      'a probe of another account is ignored',
      { probe: probe('denied_by_policy', 'denied_by_policy', 'd-old') },
      { calendar: [true, 'read_write', null], mail: [true, 'read', null] },
    ],
  ])('%s', (_name, over, expected) => {
    const scope = memberScope(input(over));
    for (const kind of ['calendar', 'mail'] as const) {
      const [inScope, effective, reason] = expected[kind];
      expect(scope[kind].inScope, kind).toBe(inScope);
      expect(scope[kind].effective, kind).toBe(effective);
      if (reason === 'clamped') expect(scope[kind].reason).toMatch(/Mail\.Read/);
      else expect(scope[kind].reason, kind).toBe(reason);
      expect(scope[kind].nextAction === null, kind).toBe(inScope && reason === null);
    }
  });

  it('tells the admin what to do next', () => {
    expect(
      memberScope(input({ probe: probe('denied_by_policy', 'granted') })).mail.nextAction,
    ).toBe(NEXT_ACTION.accessPolicy);
    expect(memberScope(input({ directoryUser: null })).calendar.nextAction).toBe(
      NEXT_ACTION.mapAccount,
    );
    expect(
      memberScope(input({ probe: probe('permission_not_granted', 'granted') })).mail.nextAction,
    ).toBe(NEXT_ACTION.grant('Mail.Read'));
    expect(
      memberScope(input({ probe: probe('no_mailbox', 'no_mailbox') })).calendar.nextAction,
    ).toBe(NEXT_ACTION.license);
  });

  it('keeps the configured level when out of scope', () => {
    const scope = memberScope(input({ directoryUser: null }));
    expect(scope.calendar.configured).toBe('read_write');
    expect(scope.mail.configured).toBe('read');
  });
});
