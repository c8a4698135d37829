import { describe, expect, it } from 'vitest';

import { DateTimeInputSchema } from './datetime.schema';

describe('DateTimeInputSchema', () => {
  it.each([
    '2026-01-31T12:00:00Z',
    '2026-01-31T12:00:00.123+02:00',
    '0001-01-01T00:00:00Z',
    '9999-12-31T23:59:59.999Z',
  ])('accepts %s', (value) => {
    expect(DateTimeInputSchema.safeParse(value).success).toBe(true);
  });

  it.each([
    '0000-01-01T00:00:00Z',
    '0000-12-31T23:59:59.999Z',
    '0001-01-01T00:00:00+14:00',
    '2023-02-29T00:00:00Z',
    '2026-13-01T00:00:00Z',
    '+275760-09-13T00:00:00Z',
    '2026-01-31',
    'yesterday',
    '',
  ])('refuses %s', (value) => {
    expect(DateTimeInputSchema.safeParse(value).success).toBe(false);
  });
});
