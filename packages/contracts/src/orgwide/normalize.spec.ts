import { describe, expect, it } from 'vitest';

import { normalizeDomain } from './normalize';
import { UpdateOrgwideSettingsRequestSchema } from './orgwide.schema';

describe('normalizeDomain', () => {
  it.each([
    ['Contoso.COM', 'contoso.com'],
    ['contoso.com.', 'contoso.com'],
    ['Bücher.example', 'xn--bcher-kva.example'],
    ['xn--bcher-kva.example', 'xn--bcher-kva.example'],
    ['mail.例え.jp', 'mail.xn--r8jz45g.jp'],
  ])('%s → %s', (input, expected) => {
    expect(normalizeDomain(input)).toBe(expected);
  });

  it.each([
    '',
    'contoso',
    'user@contoso.com',
    'http://contoso.com',
    '10.0.0.1',
    '-bad.com',
    'a b.com',
  ])('refuses %j', (input) => {
    expect(normalizeDomain(input)).toBeNull();
  });
});

describe('UpdateOrgwideSettingsRequestSchema', () => {
  const base = {
    calendarAccess: 'read',
    emailAccess: 'metadata',
    tenant: 'contoso.onmicrosoft.com',
  };

  it('normalises domains, emails and the tenant', () => {
    const parsed = UpdateOrgwideSettingsRequestSchema.parse({
      ...base,
      tenant: '72F988BF-86F1-41AF-91AB-2D7CD011DB47',
      restrictedDomains: ['Fabrikam.COM', 'Bücher.example'],
      restrictedUsers: [' CEO@Contoso.com '],
    });
    expect(parsed.tenant).toBe('72f988bf-86f1-41af-91ab-2d7cd011db47');
    expect(parsed.restrictedDomains).toEqual(['fabrikam.com', 'xn--bcher-kva.example']);
    expect(parsed.restrictedUsers).toEqual(['ceo@contoso.com']);
  });

  it('names duplicates after normalisation, bad domains, bad emails and a bad tenant', () => {
    const result = UpdateOrgwideSettingsRequestSchema.safeParse({
      ...base,
      tenant: 'not a tenant',
      restrictedDomains: ['fabrikam.com', 'FABRIKAM.com', 'nope'],
      restrictedUsers: ['a@b.com', 'not-an-email'],
    });
    expect(result.success).toBe(false);
    const issues = result.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`) ?? [];
    expect(issues).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^restrictedDomains\.2: "nope" is not a valid domain/),
        expect.stringMatching(/^restrictedUsers\.1: must be an email address/),
        expect.stringMatching(/^tenant: "not a tenant" is neither a tenant ID/),
      ]),
    );
    const dup = UpdateOrgwideSettingsRequestSchema.safeParse({
      ...base,
      restrictedDomains: ['fabrikam.com', 'FABRIKAM.com'],
    });
    expect(dup.error?.issues[0]?.message).toBe(
      '"fabrikam.com" is listed twice (also at position 1)',
    );
  });
});
