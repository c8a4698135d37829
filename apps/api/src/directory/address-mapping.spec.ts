import { describe, expect, it } from 'vitest';

import { AddressIndex, directoryAddresses, normalizeAddress, pickMatch } from './address-mapping';

function user(
  over: Partial<{
    id: string;
    upn: string;
    mail: string | null;
    proxies: string[];
    enabled: boolean;
  }>,
) {
  const fields = {
    userPrincipalName: over.upn ?? `${over.id ?? 'u'}@contoso.onmicrosoft.com`,
    mail: over.mail === undefined ? null : over.mail,
    proxyAddresses: over.proxies ?? [],
    displayName: null,
    accountEnabled: over.enabled ?? true,
    userType: 'Member',
  };
  return {
    id: over.id ?? 'u',
    userPrincipalName: fields.userPrincipalName,
    mail: fields.mail,
    accountEnabled: fields.accountEnabled,
    addresses: directoryAddresses(fields),
  };
}

describe('directoryAddresses', () => {
  it.each([
    [{ mail: 'Megan.Bowen@Contoso.com' }, ['megan.bowen@contoso.com', 'u@contoso.onmicrosoft.com']],
    [
      {
        proxies: [
          'SMTP:Primary@contoso.com',
          'smtp:alias@contoso.com',
          'X500:/o=Org/cn=x',
          'SIP:a@contoso.com',
        ],
      },
      ['u@contoso.onmicrosoft.com', 'primary@contoso.com', 'alias@contoso.com'],
    ],
    [{ upn: ' Admin@Contoso.onmicrosoft.com ', mail: null }, ['admin@contoso.onmicrosoft.com']],
  ])('collects mail, UPN and SMTP proxies of %j', (over, expected) => {
    expect(user(over).addresses).toEqual(expected);
  });

  it('normalises case and whitespace', () => {
    expect(normalizeAddress('  A@B.COM ')).toBe('a@b.com');
  });
});

describe('pickMatch', () => {
  const byMail = user({ id: 'b', mail: 'pat@contoso.com' });
  const byUpn = user({ id: 'a', upn: 'PAT@contoso.com' });
  const byProxy = user({ id: '0', proxies: ['smtp:pat@contoso.com'] });
  const disabledByMail = user({ id: '1', mail: 'pat@contoso.com', enabled: false });

  it.each([
    ['mail beats UPN and proxy', [byProxy, byUpn, byMail], 'b'],
    ['UPN beats proxy', [byProxy, byUpn], 'a'],
    ['proxy alone matches', [byProxy], '0'],
    ['enabled beats disabled for the same kind', [disabledByMail, byMail], 'b'],
    ['disabled mail match still beats an enabled UPN match', [disabledByMail, byUpn], '1'],
    ['nothing matches', [user({ id: 'z', mail: 'other@contoso.com' })], null],
  ])('%s', (_name, candidates, expected) => {
    expect(pickMatch(candidates, 'Pat@Contoso.COM')?.id ?? null).toBe(expected);
  });
});

describe('AddressIndex', () => {
  it('maps members by mail, UPN or proxy address case-insensitively', () => {
    const index = new AddressIndex([
      user({ id: '1', mail: 'megan@contoso.com' }),
      user({ id: '2', upn: 'alex@contoso.com' }),
      user({ id: '3', proxies: ['SMTP:lee@contoso.com', 'smtp:lee.gu@contoso.com'] }),
    ]);
    expect(index.match('MEGAN@contoso.com')?.id).toBe('1');
    expect(index.match('Alex@Contoso.com')?.id).toBe('2');
    expect(index.match('lee.gu@CONTOSO.com')?.id).toBe('3');
    expect(index.match('nobody@contoso.com')).toBeNull();
  });
});
