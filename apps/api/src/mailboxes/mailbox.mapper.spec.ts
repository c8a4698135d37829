import { describe, expect, it } from 'vitest';

import { probeNextAction, toProbeOutcome } from './mailbox.mapper';
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
