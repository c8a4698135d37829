import { describe, expect, it } from 'vitest';

import { completeFields, graphUserToPatch } from './directory.mapper';

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
