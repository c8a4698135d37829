import { describe, expect, it } from 'vitest';

import {
  decodeCursor,
  encodeCursor,
  instantAndId,
  keysetPage,
  parseInstantAndId,
} from './keyset-page';

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

  const uuid = '0f8fad5b-d9cb-469f-a165-70867728950e';
  it.each([
    ['2026-01-01T00:00:00.000Z|' + uuid, true],
    ['0001-01-01T00:00:00.000Z|' + uuid.toUpperCase(), true],
    ['9999-12-31T23:59:59.999Z|' + uuid, true],
    ['1970-01-01T00:00:00.000Z|' + uuid, true],
    ['-000001-12-31T00:00:00.000Z|' + uuid, false],
    ['-271821-04-20T00:00:00.000Z|' + uuid, false],
    ['+275760-09-13T00:00:00.000Z|' + uuid, false],
    ['+010000-01-01T00:00:00.000Z|' + uuid, false],
    ['not a date|' + uuid, false],
    ['2026-01-01T00:00:00.000Z|' + '-'.repeat(36), false],
    ['2026-01-01T00:00:00.000Z|' + 'a'.repeat(36), false],
    ['2026-01-01T00:00:00.000Z|' + uuid + 'x', false],
    ['2026-01-01T00:00:00.000Z|' + uuid + '|' + uuid, false],
    ['2026-01-01T00:00:00.000Z', false],
    ['', false],
  ])('reads an instant-and-id key %j: %s', (key, valid) => {
    const parsed = parseInstantAndId(key, '|');
    expect(parsed !== null).toBe(valid);
    if (valid) expect(parsed?.id).toBe(key.split('|')[1]);
    if (!valid) expect(() => instantAndId(key, '|')).toThrow('The cursor is not valid.');
  });
});
