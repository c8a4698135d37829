import { describe, expect, it } from 'vitest';

import { describeDetails, personIdsIn } from './audit-details';

describe('describeDetails', () => {
  it('shows a change as before → after, only for the fields that changed, in words', () => {
    expect(
      describeDetails({
        before: {
          calendarAccess: 'read_write',
          emailAccess: 'metadata',
          restrictedDomains: ['lawfirm.example'],
        },
        after: {
          calendarAccess: 'read',
          emailAccess: 'metadata',
          restrictedDomains: ['lawfirm.example', 'xn--bcher-kva.example'],
        },
      }),
    ).toEqual([
      { label: 'Calendar access', value: 'Read and write → Read only' },
      { label: 'Restricted domains', value: 'lawfirm.example → lawfirm.example, bücher.example' },
    ]);
  });

  it('shows what was created and plain values', () => {
    expect(
      describeDetails({
        before: null,
        after: { emailAccess: 'read_send' },
        granted: ['Mail.Read'],
      }),
    ).toEqual([
      { label: 'Email access', value: 'Read and send' },
      { label: 'Granted', value: 'Mail.Read' },
    ]);
  });

  it('names people the page knows instead of their ids', () => {
    const nameOf = (id: string) => (id === 'u_isaiah' ? 'Isaiah Langer' : null);
    expect(describeDetails({ supersededFor: ['u_isaiah'], by: 'u_isaiah' }, nameOf)).toEqual([
      { label: 'Superseded for', value: 'Isaiah Langer' },
      { label: 'By', value: 'Isaiah Langer' },
    ]);
  });

  it('finds the Rox user ids inside details to look them up', () => {
    expect(personIdsIn({ roxUserIds: ['u_a', 'u_b'], after: { roxUserId: 'u_c' }, n: 2 })).toEqual([
      'u_a',
      'u_b',
      'u_c',
    ]);
  });
});
