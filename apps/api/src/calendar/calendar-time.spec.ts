import { describe, expect, it } from 'vitest';

import {
  graphDateOnly,
  graphDateTimeToUtc,
  toIanaZone,
  wallClockIn,
  windowAround,
} from './calendar-time';

describe('toIanaZone', () => {
  it.each([
    ['Pacific Standard Time', 'America/Los_Angeles'],
    ['W. Europe Standard Time', 'Europe/Berlin'],
    ['Asia/Kolkata', 'Asia/Kolkata'],
    ['UTC', 'UTC'],
    ['tzone://Microsoft/Utc', 'UTC'],
    ['tzone://Microsoft/Custom', null],
    ['Not A Zone', null],
    ['EST', null],
    [null, null],
  ])('%s → %s', (name, iana) => {
    expect(toIanaZone(name)).toBe(iana);
  });

  it('maps India Standard Time to a Kolkata zone name', () => {
    expect(['Asia/Calcutta', 'Asia/Kolkata']).toContain(toIanaZone('India Standard Time'));
  });
});

describe('graphDateTimeToUtc', () => {
  it('reads UTC wall clocks with 7 fractional digits', () => {
    expect(
      graphDateTimeToUtc({
        dateTime: '2026-03-29T09:30:00.0000000',
        timeZone: 'UTC',
      }).toISOString(),
    ).toBe('2026-03-29T09:30:00.000Z');
  });

  it('honours Windows and IANA zones on both sides of a DST change', () => {
    // Europe switched to summer time on 29 March 2026, the US on 8 March.
    const before = graphDateTimeToUtc({
      dateTime: '2026-03-28T10:00:00',
      timeZone: 'W. Europe Standard Time',
    });
    const after = graphDateTimeToUtc({
      dateTime: '2026-03-30T10:00:00',
      timeZone: 'Europe/Berlin',
    });
    expect(before.toISOString()).toBe('2026-03-28T09:00:00.000Z');
    expect(after.toISOString()).toBe('2026-03-30T08:00:00.000Z');
    expect(
      graphDateTimeToUtc({
        dateTime: '2026-03-09T09:00:00',
        timeZone: 'Pacific Standard Time',
      }).toISOString(),
    ).toBe('2026-03-09T16:00:00.000Z');
    expect(
      graphDateTimeToUtc({
        dateTime: '2026-03-06T09:00:00',
        timeZone: 'Pacific Standard Time',
      }).toISOString(),
    ).toBe('2026-03-06T17:00:00.000Z');
  });

  it('keeps the year-0001 sentinel and refuses what is not a dateTime', () => {
    expect(
      graphDateTimeToUtc({
        dateTime: '0001-01-01T00:00:00.0000000Z',
        timeZone: 'tzone://Microsoft/Utc',
      }).getUTCFullYear(),
    ).toBe(1);
    expect(() => graphDateTimeToUtc({ dateTime: 'yesterday', timeZone: 'UTC' })).toThrow(
      RangeError,
    );
  });
});

describe('date-only and windows', () => {
  it('keeps the date of an all-day wall clock whatever the zone', () => {
    expect(graphDateOnly({ dateTime: '2026-03-29T00:00:00.0000000' })).toBe('2026-03-29');
  });

  it('opens a window of whole UTC days around now', () => {
    const w = windowAround(new Date('2026-03-11T12:34:00Z'), 90, 365);
    expect(w.start.toISOString()).toBe('2025-12-11T00:00:00.000Z');
    expect(w.end.toISOString()).toBe('2027-03-11T00:00:00.000Z');
  });
});

describe('wallClockIn', () => {
  it.each([
    // Winter (PST, UTC-8) and summer (PDT, UTC-7).
    ['2026-01-15T17:00:00.000Z', 'America/Los_Angeles', '2026-01-15T09:00:00'],
    ['2026-07-15T17:00:00.000Z', 'America/Los_Angeles', '2026-07-15T10:00:00'],
    // US spring forward (2026-03-08 02:00 PST → 03:00 PDT): either side of 10:00Z.
    ['2026-03-08T09:59:59.000Z', 'America/Los_Angeles', '2026-03-08T01:59:59'],
    ['2026-03-08T10:00:00.000Z', 'America/Los_Angeles', '2026-03-08T03:00:00'],
    // US fall back (2026-11-01): 01:30 happens twice, first in PDT then in PST.
    ['2026-11-01T08:30:00.000Z', 'America/Los_Angeles', '2026-11-01T01:30:00'],
    ['2026-11-01T09:30:00.000Z', 'America/Los_Angeles', '2026-11-01T01:30:00'],
    // EU spring forward (2026-03-29 01:00Z) and fall back (2026-10-25 01:00Z) in Berlin.
    ['2026-03-29T00:59:00.000Z', 'Europe/Berlin', '2026-03-29T01:59:00'],
    ['2026-03-29T01:00:00.000Z', 'Europe/Berlin', '2026-03-29T03:00:00'],
    ['2026-10-25T00:30:00.000Z', 'Europe/Berlin', '2026-10-25T02:30:00'],
    ['2026-10-25T01:30:00.000Z', 'Europe/Berlin', '2026-10-25T02:30:00'],
    // Across midnight and the date line; UTC unchanged, milliseconds dropped.
    ['2026-01-15T23:30:00.000Z', 'Asia/Tokyo', '2026-01-16T08:30:00'],
    ['2026-01-15T04:00:00.000Z', 'Asia/Kolkata', '2026-01-15T09:30:00'],
    ['2026-01-15T17:00:00.999Z', 'UTC', '2026-01-15T17:00:00'],
  ])('%s in %s is %s', (instant, zone, wall) => {
    expect(wallClockIn(new Date(instant), zone)).toBe(wall);
  });

  it('round-trips through graphDateTimeToUtc outside the repeated hour', () => {
    for (const iso of ['2026-03-08T10:00:00.000Z', '2026-11-01T10:30:00.000Z']) {
      const wall = wallClockIn(new Date(iso), 'America/Los_Angeles');
      expect(
        graphDateTimeToUtc({ dateTime: wall, timeZone: 'Pacific Standard Time' }).toISOString(),
      ).toBe(iso);
    }
  });
});
