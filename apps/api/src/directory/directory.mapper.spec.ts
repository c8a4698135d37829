import { describe, expect, it } from 'vitest';

import {
  completeFields,
  graphUserToPatch,
  probeNextAction,
  toProbeOutcome,
} from './directory.mapper';
import { NEXT_ACTION } from './member-scope';

describe('toProbeOutcome', () => {
  it.each([
    ['ok', 'granted'],
    ['access_policy_denied', 'denied_by_policy'],
    ['mailbox_not_enabled', 'no_mailbox'],
    ['permission_missing', 'permission_not_granted'],
    ['user_not_found', 'user_not_found'],
    ['error', 'error'],
  ] as const)('%s → %s', (from, to) => {
    expect(toProbeOutcome(from)).toBe(to);
  });
});

describe('probeNextAction', () => {
  it.each([
    ['granted', 'granted', null],
    ['denied_by_policy', 'denied_by_policy', NEXT_ACTION.accessPolicy],
    ['granted', 'error', NEXT_ACTION.reprobe],
  ] as const)('%s / %s', (mail, calendar, expected) => {
    expect(probeNextAction(mail, calendar)).toBe(expected);
  });

  it('names the revoked permission and puts the worst outcome first', () => {
    expect(probeNextAction('permission_not_granted', 'granted')).toContain('Mail.Read');
    expect(probeNextAction('granted', 'permission_not_granted')).toContain('Calendars.Read');
    expect(probeNextAction('denied_by_policy', 'no_mailbox')).toContain(NEXT_ACTION.license);
  });
});

describe('graphUserToPatch and completeFields', () => {
  const stored = {
    userPrincipalName: 'pat@contoso.com',
    mail: 'pat@contoso.com',
    proxyAddresses: ['SMTP:pat@contoso.com'],
    displayName: 'Pat',
    accountEnabled: true,
    userType: 'Member',
  };

  it('keeps absent properties absent and explicit nulls null', () => {
    expect(graphUserToPatch({ id: 'x', accountEnabled: false, mail: null })).toEqual({
      accountEnabled: false,
      mail: null,
    });
  });

  it.each([
    [
      'a minimal entry only changes what it carries',
      { accountEnabled: false },
      { ...stored, accountEnabled: false },
    ],
    ['an explicit null clears', { mail: null }, { ...stored, mail: null }],
    ['an empty entry changes nothing', {}, stored],
  ])('%s', (_name, patch, expected) => {
    expect(completeFields(patch, stored)).toEqual(expected);
  });

  it('fills a new user with empty values', () => {
    expect(completeFields({ userPrincipalName: 'new@contoso.com' }, null)).toEqual({
      userPrincipalName: 'new@contoso.com',
      mail: null,
      proxyAddresses: [],
      displayName: null,
      accountEnabled: null,
      userType: null,
    });
  });
});
