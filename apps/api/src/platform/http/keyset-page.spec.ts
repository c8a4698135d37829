import { describe, expect, it } from 'vitest';

import { decodeCursor, encodeCursor, keysetPage } from './keyset-page';

describe('keyset cursors', () => {
  it('round-trip and refuse another list’s cursor or garbage', () => {
    const cursor = encodeCursor('members', 'm-1');
    expect(decodeCursor('members', cursor)).toBe('m-1');
    expect(decodeCursor('members', undefined)).toBeUndefined();
    expect(() => decodeCursor('users', cursor)).toThrow('The cursor is not valid.');
    expect(() => decodeCursor('members', 'bogus')).toThrow('The cursor is not valid.');
    expect(() => decodeCursor('members', encodeCursor('members', ''))).toThrow();
    expect(() => decodeCursor('members', encodeCursor('members', 'a\u0000b'))).toThrow(
      'The cursor is not valid.',
    );
  });

  it('cut a page from limit + 1 rows and point after the last row returned', () => {
    expect(keysetPage(['a', 'b', 'c'], 2, 'l', (r) => r)).toEqual({
      items: ['a', 'b'],
      nextCursor: encodeCursor('l', 'b'),
    });
    expect(keysetPage(['a', 'b'], 2, 'l', (r) => r)).toEqual({
      items: ['a', 'b'],
      nextCursor: null,
    });
    expect(keysetPage([], 2, 'l', (r: string) => r)).toEqual({ items: [], nextCursor: null });
  });
});
