import { describe, expect, it } from 'vitest';

import { findUnsafeText, MAX_BODY_DEPTH, unsafeTextReason } from './safe-input.middleware';

describe('unsafe text', () => {
  it.each([
    ['plain', null],
    ['emoji 😀 and a valid pair \udbff\udfff', null],
    ['tab\tand newline\n', null],
    ['a\u0000b', 'contains a NUL character'],
    ['\ud800', 'contains an unpaired UTF-16 surrogate'],
    ['x\udc00', 'contains an unpaired UTF-16 surrogate'],
    ['\udfff\ud800', 'contains an unpaired UTF-16 surrogate'],
  ])('%j → %s', (value, reason) => {
    expect(unsafeTextReason(value)).toBe(reason);
  });

  it('walks values and keys at any depth and names each place', () => {
    const body = {
      ok: 'fine',
      list: ['x', 'a\u0000'],
      nested: { '\ud800': 1, deeper: { v: '\udc00' } },
    };
    expect(findUnsafeText(body, 'body')).toEqual(
      expect.arrayContaining([
        { path: 'body.list.1', message: 'contains a NUL character' },
        { path: 'body.nested.?', message: 'a key contains an unpaired UTF-16 surrogate' },
        { path: 'body.nested.deeper.v', message: 'contains an unpaired UTF-16 surrogate' },
      ]),
    );
    expect(findUnsafeText(body, 'body')).toHaveLength(3);
    expect(findUnsafeText({ a: 1, b: [true, null] }, 'body')).toEqual([]);
    expect(findUnsafeText(undefined, 'body')).toEqual([]);
  });

  it('stops at the depth limit instead of walking (or overflowing) forever', () => {
    let deep: unknown = 'bottom';
    for (let i = 0; i < 100_000; i += 1) deep = [deep];
    const errors = findUnsafeText(deep, 'body');
    expect(errors).toHaveLength(1);
    expect(errors[0]?.message).toBe(`nested deeper than ${MAX_BODY_DEPTH} levels`);
  });
});
