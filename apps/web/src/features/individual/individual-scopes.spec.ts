import { describe, expect, it } from 'vitest';

import { scopesInWords } from './individual-scopes';

describe('scopesInWords', () => {
  it('says what seed 001 lists for a two-way calendar, and the mailbox settings, in Microsoft’s words', () => {
    expect(scopesInWords('calendar', 'read_write').map((s) => s.description)).toEqual([
      'Have full access to user calendars',
      'Read user calendars',
      'Read user mailbox settings',
      'Sign in and read user profile',
      "View users' basic profile",
      'Maintain access to data you have given it access to',
    ]);
  });

  it('asks for the mailbox settings only for a two-way calendar', () => {
    expect(scopesInWords('calendar', 'read').map((s) => s.scope)).not.toContain(
      'MailboxSettings.Read',
    );
  });

  it('asks for sending only at read_send', () => {
    expect(scopesInWords('mail', 'read').map((s) => s.scope)).not.toContain('Mail.Send');
    expect(scopesInWords('mail', 'read_send').map((s) => s.scope)).toContain('Mail.Send');
  });
});
