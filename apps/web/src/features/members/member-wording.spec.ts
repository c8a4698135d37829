import { describe, expect, it } from 'vitest';

import { askYourAdmin, memberNextAction, toSecondPerson } from './member-wording';

describe('askYourAdmin', () => {
  it.each([
    [
      'Turn calendar sync on for this member (override) or for the organisation if they need it.',
      'Ask your admin to turn calendar sync on for you (override) or for the organisation if they need it.',
    ],
    [
      'An admin connects Microsoft 365 under Integrations.',
      'Ask your admin to connect Microsoft 365 under Integrations.',
    ],
    [
      'Remove their address from the restricted users list to sync their email.',
      'Ask your admin to remove your address from the restricted users list to sync your email.',
    ],
    [
      "Add them to your access policy's group in Exchange Online (see Access policy), or remove them from Rox sync.",
      "Ask your admin to add you to your access policy's group in Exchange Online (see Access policy), or remove you from Rox sync.",
    ],
  ])('%s', (admin, member) => {
    expect(askYourAdmin(admin)).toBe(member);
  });
});

describe('toSecondPerson', () => {
  it('speaks to the member', () => {
    expect(toSecondPerson('Email sync is off for this member.')).toBe('Email sync is off for you.');
    expect(toSecondPerson("No Microsoft 365 account matches this member's email.")).toBe(
      'No Microsoft 365 account matches your email.',
    );
    expect(toSecondPerson('Microsoft Graph is throttling this mailbox.')).toBe(
      'Microsoft Graph is throttling your mailbox.',
    );
    expect(toSecondPerson('The Microsoft 365 user has no Exchange Online mailbox.')).toBe(
      'Your Microsoft 365 account has no Exchange Online mailbox.',
    );
  });
});

describe('memberNextAction', () => {
  it('keeps what needs nobody, and asks the admin for the rest', () => {
    expect(memberNextAction('Nothing: it resumes by itself.')).toBe(
      'Nothing: it resumes by itself.',
    );
    expect(
      memberNextAction('Give the user an Exchange Online licence; sync resumes by itself.'),
    ).toBe('Ask your admin to give you an Exchange Online licence; sync resumes by itself.');
    expect(
      memberNextAction('Add the mailbox to the access-policy group; sync resumes by itself.'),
    ).toBe(
      'Ask your admin to add your mailbox to the access-policy group; sync resumes by itself.',
    );
  });
});
