import { describe, expect, it } from 'vitest';

import { retryAfterBackoff } from './directory-jobs.service';
import { DirectoryError, DirectoryErrorCode } from './directory.errors';

const throttled = (retryAfterMs?: number) =>
  new DirectoryError(DirectoryErrorCode.DIRECTORY_GRAPH_THROTTLED, 'rate_limited', 'throttled', {
    retryAfterMs,
  });

describe('retryAfterBackoff', () => {
  it.each([
    ['waits what Graph asked for', 1, throttled(120_000), 120_000],
    ['caps a very long Retry-After at 15 minutes', 1, throttled(3_600_000), 900_000],
    ['falls back to exponential without Retry-After', 1, throttled(), 2_000],
    ['doubles per attempt', 3, throttled(), 8_000],
    ['treats unknown errors the same way', 2, new Error('boom'), 4_000],
    ['never waits longer than the cap', 30, new Error('boom'), 900_000],
  ])('%s', (_name, attempts, error, expected) => {
    expect(retryAfterBackoff(attempts, error)).toBe(expected);
  });
});
