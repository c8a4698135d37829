import { describe, expect, it } from 'vitest';

import { isStoredDataTable, plural, storedDataLabel, syncedDataRemoved } from './stored-data';

describe('stored data in words', () => {
  it('names every table a receipt can list, and humanizes unknown ones', () => {
    expect(storedDataLabel('calendar_event')).toBe('Calendar events');
    expect(storedDataLabel('mail_message')).toBe('Email messages');
    expect(storedDataLabel('directory_user')).toBe('Microsoft 365 users');
    expect(storedDataLabel('future_table')).toBe('Future table');
  });

  it('tells the tables it knows from other keys', () => {
    expect(isStoredDataTable('calendar_event_link')).toBe(true);
    expect(isStoredDataTable('reason')).toBe(false);
    expect(isStoredDataTable('constructor')).toBe(false);
  });

  it('picks the synced events and messages out of a receipt, 0 when absent', () => {
    expect(syncedDataRemoved({ calendar_event: 4, mail_message: 9, mailbox: 3 })).toEqual({
      events: 4,
      messages: 9,
    });
    expect(syncedDataRemoved({ directory_user: 2 })).toEqual({ events: 0, messages: 0 });
  });

  it('counts in words', () => {
    expect(plural(1, 'event', 'events')).toBe('1 event');
    expect(plural(0, 'event', 'events')).toBe('0 events');
  });
});
