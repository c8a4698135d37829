import { describe, expect, it } from 'vitest';

import { IdentityError } from '@rox365/graph-client';

import { refusalOutcome, signInAgainReason } from './individual-outcomes';

const desc = (code: number) => `AADSTS${code}: text\r\nTrace ID: x\r\nCorrelation ID: y`;

describe('refusalOutcome', () => {
  it.each([
    [{}, null],
    [
      { error: 'access_denied', error_subcode: 'cancel', error_description: desc(65004) },
      'cancelled',
    ],
    [{ error: 'access_denied', error_description: desc(90095) }, 'approval_required'],
    [{ error: 'access_denied', error_description: desc(90094) }, 'approval_required'],
    [{ error: 'consent_required', error_description: desc(65001) }, 'approval_required'],
    [{ error: 'access_denied', error_description: desc(50020) }, 'wrong_tenant'],
    [{ error: 'access_denied', error_description: 'no code' }, 'denied'],
    [{ error: 'server_error', error_description: desc(50000) }, 'signin_failed'],
  ])('%j → %s', (query, outcome) => {
    expect(refusalOutcome(query)).toBe(outcome);
  });
});

describe('signInAgainReason', () => {
  const err = (error: string, aadsts: number | null) =>
    new IdentityError({ error, description: aadsts ? desc(aadsts) : error, aadsts });

  it.each([70000, 50173, 65001, 700082])(
    'AADSTS%i asks for a new sign-in, naming the code',
    (code) => {
      expect(signInAgainReason(err('invalid_grant', code))).toContain(`AADSTS${code}`);
    },
  );

  it('any other invalid_grant asks for a new sign-in too', () => {
    expect(signInAgainReason(err('invalid_grant', 12345))).toMatch(/Sign in again/);
  });

  it.each([
    ['unauthorized_client', 700016],
    ['invalid_request', 90002],
    ['access_denied', 65004],
  ])(
    '%s AADSTS%i (app gone, tenant gone, consent declined) asks for a new sign-in',
    (error, code) => {
      expect(signInAgainReason(err(error, code))).toMatch(/Sign in again/);
    },
  );

  it('network trouble, throttling and bad client credentials do not', () => {
    expect(signInAgainReason(err('network', null))).toBeNull();
    expect(signInAgainReason(err('temporarily_unavailable', 50196))).toBeNull();
    expect(signInAgainReason(err('invalid_client', 7000215))).toBeNull();
  });
});
