import { describe, expect, it } from 'vitest';

import type { EventRecord } from '../../state/model';
import { instancesIn, occurrenceId, parseOccurrenceId } from './recurrence';

function series(overrides: Partial<EventRecord> = {}): EventRecord {
  return {
    id: 'M1',
    iCalUId: 'u',
    transactionId: null,
    subject: 'Stand-up',
    bodyHtml: '',
    startUtc: '2026-03-09T09:00:00Z',
    endUtc: '2026-03-09T09:15:00Z',
    originalStartTimeZone: 'UTC',
    originalEndTimeZone: 'UTC',
    isAllDay: false,
    isCancelled: false,
    isOnlineMeeting: false,
    onlineMeetingProvider: 'unknown',
    joinUrl: null,
    location: '',
    organizer: { name: 'a', address: 'a@b.c' },
    attendees: [],
    showAs: 'busy',
    sensitivity: 'normal',
    importance: 'normal',
    categories: [],
    createdDateTime: '',
    lastModifiedDateTime: '',
    changeKey: 'k',
    recurrence: {
      pattern: { type: 'weekly', interval: 1, daysOfWeek: ['monday', 'wednesday', 'friday'] },
      range: { type: 'numbered', startDate: '2026-03-09', numberOfOccurrences: 4 },
    },
    exceptions: {},
    ...overrides,
  };
}

const W0 = Date.parse('2026-03-01T00:00:00Z');
const W1 = Date.parse('2026-04-01T00:00:00Z');

describe('recurrence expansion', () => {
  it('expands a numbered weekly pattern', () => {
    expect(instancesIn(series(), W0, W1).map((i) => i.startUtc)).toEqual([
      '2026-03-09T09:00:00Z',
      '2026-03-11T09:00:00Z',
      '2026-03-13T09:00:00Z',
      '2026-03-16T09:00:00Z',
    ]);
  });

  it('applies exceptions: moved occurrences become exceptions, deleted ones disappear', () => {
    const e = series({
      exceptions: {
        '2026-03-11T09:00:00Z': {
          startUtc: '2026-03-11T10:00:00Z',
          endUtc: '2026-03-11T10:15:00Z',
          subject: 'moved',
          changeKey: 'x',
          lastModifiedDateTime: '',
        },
        '2026-03-13T09:00:00Z': { isDeleted: true, changeKey: 'y', lastModifiedDateTime: '' },
      },
    });
    const inst = instancesIn(e, W0, W1);
    expect(inst.map((i) => [i.type, i.startUtc])).toEqual([
      ['occurrence', '2026-03-09T09:00:00Z'],
      ['exception', '2026-03-11T10:00:00Z'],
      ['occurrence', '2026-03-16T09:00:00Z'],
    ]);
  });

  it('keeps the local wall time across a DST change in the series time zone', () => {
    const e = series({
      startUtc: '2026-03-05T17:00:00Z', // 09:00 Pacific Standard Time
      endUtc: '2026-03-05T17:30:00Z',
      originalStartTimeZone: 'Pacific Standard Time',
      recurrence: {
        pattern: { type: 'weekly', interval: 1, daysOfWeek: ['thursday'] },
        range: {
          type: 'numbered',
          startDate: '2026-03-05',
          numberOfOccurrences: 2,
          recurrenceTimeZone: 'Pacific Standard Time',
        },
      },
    });
    expect(instancesIn(e, W0, W1).map((i) => i.startUtc)).toEqual([
      '2026-03-05T17:00:00Z',
      '2026-03-12T16:00:00Z',
    ]);
  });

  it('expands monthly and yearly patterns', () => {
    const monthly = (pattern: NonNullable<EventRecord['recurrence']>['pattern']): string[] =>
      instancesIn(
        series({
          startUtc: '2026-01-01T09:00:00Z',
          endUtc: '2026-01-01T10:00:00Z',
          recurrence: { pattern, range: { type: 'noEnd', startDate: '2026-01-01' } },
        }),
        Date.parse('2026-01-01T00:00:00Z'),
        Date.parse('2026-05-01T00:00:00Z'),
      ).map((i) => i.startUtc.slice(0, 10));
    expect(monthly({ type: 'absoluteMonthly', interval: 1, dayOfMonth: 15 })).toEqual([
      '2026-01-15',
      '2026-02-15',
      '2026-03-15',
      '2026-04-15',
    ]);
    expect(monthly({ type: 'absoluteMonthly', interval: 2, dayOfMonth: 15 })).toEqual([
      '2026-01-15',
      '2026-03-15',
    ]);
    expect(
      monthly({ type: 'relativeMonthly', interval: 1, daysOfWeek: ['tuesday'], index: 'second' }),
    ).toEqual(['2026-01-13', '2026-02-10', '2026-03-10', '2026-04-14']);
    expect(
      monthly({ type: 'relativeMonthly', interval: 1, daysOfWeek: ['friday'], index: 'last' }),
    ).toEqual(['2026-01-30', '2026-02-27', '2026-03-27', '2026-04-24']);
    expect(monthly({ type: 'absoluteYearly', interval: 1, month: 3, dayOfMonth: 1 })).toEqual([
      '2026-03-01',
    ]);
  });

  it('finds current occurrences of an open-ended series that started years ago', () => {
    const old = series({
      startUtc: '2019-01-03T16:00:00Z',
      endUtc: '2019-01-03T17:00:00Z',
      recurrence: {
        pattern: { type: 'weekly', interval: 1, daysOfWeek: ['thursday'] },
        range: { type: 'noEnd', startDate: '2019-01-03' },
      },
    });
    expect(instancesIn(old, W0, Date.parse('2026-03-15T00:00:00Z')).map((i) => i.startUtc)).toEqual(
      ['2026-03-05T16:00:00Z', '2026-03-12T16:00:00Z'],
    );
  });

  it('round-trips occurrence ids', () => {
    const id = occurrenceId('M1', '2026-03-09T09:00:00Z');
    expect(parseOccurrenceId(id)).toEqual({
      masterId: 'M1',
      originalStartUtc: '2026-03-09T09:00:00Z',
    });
    expect(parseOccurrenceId('AAMkAGEx')).toBeUndefined();
  });
});
