import { describe, expect, it } from 'vitest';

import { parseFilter } from './filter';

const user = {
  mail: "O'Brien@Contoso.com",
  userPrincipalName: 'obrien@contoso.com',
  accountEnabled: true,
  userType: 'Member',
  receivedDateTime: '2024-05-01T10:00:00Z',
};

describe('parseFilter', () => {
  it.each([
    ["mail eq 'o''brien@contoso.com'", true],
    ["userPrincipalName eq 'someone@contoso.com'", false],
    ["startswith(userPrincipalName,'OB')", true],
    ["accountEnabled eq true and userType eq 'Member'", true],
    ["userType eq 'Guest' or accountEnabled eq true", true],
    ["mail in ('a@b.c', 'o''brien@contoso.com')", true],
    ['receivedDateTime ge 2024-05-01T00:00:00Z', true],
    ['receivedDateTime gt 2024-05-02T00:00:00Z', false],
    ["not(userType eq 'Guest')", true],
  ])('%s → %s', (expr, expected) => {
    expect(parseFilter(expr).predicate(user)).toBe(expected);
  });

  it('flags the advanced operators that need ConsistencyLevel: eventual', () => {
    expect(parseFilter("mail eq 'x'").isAdvanced).toBe(false);
    expect(parseFilter("endswith(mail,'@contoso.com')").isAdvanced).toBe(true);
    expect(parseFilter("userType ne 'Guest'").isAdvanced).toBe(true);
    expect(parseFilter("not(userType eq 'Guest')").isAdvanced).toBe(true);
  });

  it('rejects malformed expressions', () => {
    expect(() => parseFilter("mail eq 'unterminated")).toThrow();
    expect(() => parseFilter('mail eq')).toThrow();
    expect(() => parseFilter("mail xx 'a'")).toThrow();
  });

  it('records compared properties in order (for the $orderby rule)', () => {
    expect(
      parseFilter("receivedDateTime ge 2024-01-01T00:00:00Z and subject eq 'x'").properties,
    ).toEqual(['receivedDateTime', 'subject']);
  });
});
