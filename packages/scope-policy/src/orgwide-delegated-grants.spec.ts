import { describe, expect, it } from 'vitest';

import { excessDelegatedGrants, type FoundDelegatedGrant } from './orgwide-delegated-grants';

const APP = 'Rox Orgwide Integration';

describe('excessDelegatedGrants', () => {
  it.each<[string, FoundDelegatedGrant[], [string, string, number][]]>([
    ['no grants', [], []],
    ['only the sign-in scopes', [{ scopes: ['openid', 'profile'], consentType: 'Principal' }], []],
    [
      'an admin grant for everyone',
      [{ scopes: ['openid', 'Mail.Read', 'User.Read'], consentType: 'AllPrincipals' }],
      [
        ['Mail.Read', 'AllPrincipals', 0],
        ['User.Read', 'AllPrincipals', 0],
      ],
    ],
    [
      'user consents counted per scope',
      [
        { scopes: ['Calendars.Read', 'offline_access'], consentType: 'Principal' },
        { scopes: ['Calendars.Read'], consentType: 'Principal' },
        { scopes: ['Calendars.Read'], consentType: 'AllPrincipals' },
      ],
      [
        ['Calendars.Read', 'AllPrincipals', 0],
        ['Calendars.Read', 'Principal', 2],
        ['offline_access', 'Principal', 1],
      ],
    ],
  ])('%s', (_name, grants, expected) => {
    const result = excessDelegatedGrants(grants, APP);
    expect(result.map((g) => [g.scope, g.consentType, g.userCount])).toEqual(expected);
    for (const grant of result) {
      expect(grant.revokeStep).toContain(grant.scope);
      expect(grant.revokeStep).toContain(APP);
    }
  });

  it('tells admin grants (portal) from user consents (PowerShell)', () => {
    const [admin, user] = excessDelegatedGrants(
      [
        { scopes: ['Mail.Send'], consentType: 'AllPrincipals' },
        { scopes: ['Mail.Send'], consentType: 'Principal' },
      ],
      APP,
    );
    expect(admin?.revokeStep).toMatch(/Admin consent.*Revoke permission/);
    expect(user?.revokeStep).toMatch(/Remove-MgOauth2PermissionGrant/);
  });
});
