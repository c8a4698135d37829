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

  it('round-trips occurrence ids', () => {
    const id = occurrenceId('M1', '2026-03-09T09:00:00Z');
    expect(parseOccurrenceId(id)).toEqual({
      masterId: 'M1',
      originalStartUtc: '2026-03-09T09:00:00Z',
    });
    expect(parseOccurrenceId('AAMkAGEx')).toBeUndefined();
  });
});
