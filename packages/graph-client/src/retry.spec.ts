import { describe, expect, it } from 'vitest';

import { backoffDelayMs, DEFAULT_RETRY_POLICY, isRetryable, parseRetryAfter } from './retry';

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-11-22T10:00:00Z');

  it.each<[string | null, number | null]>([
    ['2', 2000],
    ['2.128', 2128],
    ['0.05', 50],
    ['0', 0],
    [' 3 ', 3000],
    ['Sun, 22 Nov 2026 10:00:05 GMT', 5000],
    ['Sun, 22 Nov 2026 09:59:00 GMT', 0],
    ['soon', null],
    ['-1', null],
    ['', null],
    [null, null],
  ])('%j → %j ms', (value, expected) => {
    expect(parseRetryAfter(value, now)).toBe(expected);
  });
});

describe('isRetryable', () => {
  it.each<[number | null, boolean, boolean]>([
    [429, false, true],
    [503, false, true],
    [504, true, true],
    [504, false, false],
    [500, true, true],
    [502, true, true],
    [500, false, false],
    [null, true, true],
    [null, false, false],
    [400, true, false],
    [401, true, false],
    [403, true, false],
    [404, true, false],
    [409, true, false],
    [410, true, false],
    [412, true, false],
    [424, true, false],
    [200, true, false],
  ])('status %j idempotent=%j → %j', (status, isIdempotent, expected) => {
    expect(isRetryable(status, isIdempotent)).toBe(expected);
  });

  // sendMail and a draft's /send: a 503 may come after Exchange ran them.
  it.each<[number | null, boolean]>([
    [503, false],
    [429, true],
    [504, false],
    [null, false],
  ])('without retrying on unavailable: status %j → %j', (status, expected) => {
    expect(isRetryable(status, false, false)).toBe(expected);
  });
});

describe('backoffDelayMs', () => {
  it('grows exponentially up to the cap, scaled by the jitter draw', () => {
    const top = () => 1;
    expect(backoffDelayMs(0, DEFAULT_RETRY_POLICY, top)).toBe(500);
    expect(backoffDelayMs(3, DEFAULT_RETRY_POLICY, top)).toBe(4000);
    expect(backoffDelayMs(20, DEFAULT_RETRY_POLICY, top)).toBe(30_000);
    expect(backoffDelayMs(3, DEFAULT_RETRY_POLICY, () => 0.25)).toBe(1000);
    expect(backoffDelayMs(3, DEFAULT_RETRY_POLICY, () => 0)).toBe(0);
  });
});
