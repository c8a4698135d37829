import { describe, expect, it } from 'vitest';

import { consentPoliciesOf } from './cli-options';

const demo = [{ domain: 'contoso' }, { domain: 'fabrikam' }];

describe('consentPoliciesOf (the CLI consent switches)', () => {
  it('changes nothing without the flags', () => {
    expect(consentPoliciesOf({}, demo)).toEqual({});
  });

  it('--user-consent off turns user consent off and the request workflow on in the first tenant', () => {
    expect(consentPoliciesOf({ 'user-consent': 'off' }, demo)).toEqual({
      'contoso.onmicrosoft.com': { userConsent: 'notAllowed', adminConsentWorkflow: true },
    });
  });

  it('takes named tenants and an explicit workflow setting', () => {
    expect(
      consentPoliciesOf(
        {
          'user-consent': 'off',
          'admin-consent-workflow': 'off',
          'user-consent-tenant': ['contoso.com', 'fabrikam.com'],
        },
        demo,
      ),
    ).toEqual({
      'contoso.com': { userConsent: 'notAllowed', adminConsentWorkflow: false },
      'fabrikam.com': { userConsent: 'notAllowed', adminConsentWorkflow: false },
    });
    expect(consentPoliciesOf({ 'user-consent': 'on' }, [{ id: 't-1' }])).toEqual({
      't-1': { userConsent: 'allowed' },
    });
  });

  it('refuses values other than on and off', () => {
    expect(() => consentPoliciesOf({ 'user-consent': 'no' }, demo)).toThrow(/on or off/);
  });
});
