import { describe, expect, it } from 'vitest';

import { describeAttempt } from './push-wording';

const base = { number: 1, at: '2026-11-22T03:00:00.000Z', responseSnippet: null };

describe('push attempts in words', () => {
  it.each([
    [{ statusCode: 204, error: null, durationMs: 42 }, '204 in 42 ms'],
    [{ statusCode: 500, error: 'http_status', durationMs: 1200 }, 'Answered 500 in 1,200 ms'],
    [
      { statusCode: 302, error: 'redirect_refused', durationMs: 3 },
      'Redirected (302), not followed',
    ],
    [{ statusCode: null, error: 'timeout', durationMs: 5000 }, 'No answer within 5,000 ms'],
    [{ statusCode: null, error: 'connection_failed', durationMs: 2 }, 'Could not connect (2 ms)'],
    [
      { statusCode: null, error: 'address_refused', durationMs: 1 },
      'Not sent: the host is at a private address',
    ],
  ] as const)('%o → %s', (attempt, text) => {
    expect(describeAttempt({ ...base, ...attempt })).toBe(text);
  });
});
