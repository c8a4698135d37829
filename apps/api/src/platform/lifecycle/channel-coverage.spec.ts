import { describe, expect, it } from 'vitest';

import { ChannelCoverage } from './channel-coverage';

const NOW = new Date('2026-11-28T12:00:00Z');
const MINUTE = 60_000;

const channel = (overrides: Record<string, unknown> = {}) => ({
  roxUserId: 'megan',
  folder: 'inbox',
  directoryUserId: 'DIR-MEGAN',
  lastSyncAt: new Date(NOW.getTime() - 30 * MINUTE),
  ...overrides,
});

describe('ChannelCoverage', () => {
  const coverage = new ChannelCoverage([
    {
      roxUserId: 'megan',
      folder: 'inbox',
      directoryUserId: 'dir-megan',
      safetyPollMs: 60 * MINUTE,
    },
    { roxUserId: 'megan', folder: null, directoryUserId: 'dir-megan', safetyPollMs: 60 * MINUTE },
  ]);

  it('defers a covered channel polled within the safety interval', () => {
    expect(coverage.defers(channel(), NOW)).toBe(true);
    expect(coverage.defers(channel({ folder: null }), NOW)).toBe(true);
  });

  it('polls once the safety interval has passed, and a channel never synced', () => {
    expect(
      coverage.defers(channel({ lastSyncAt: new Date(NOW.getTime() - 60 * MINUTE) }), NOW),
    ).toBe(false);
    expect(coverage.defers(channel({ lastSyncAt: null }), NOW)).toBe(false);
  });

  it('polls what is not covered, or covered for another directory user', () => {
    expect(coverage.defers(channel({ folder: 'sentitems' }), NOW)).toBe(false);
    expect(coverage.defers(channel({ roxUserId: 'isaiah' }), NOW)).toBe(false);
    expect(coverage.defers(channel({ directoryUserId: 'dir-other' }), NOW)).toBe(false);
    expect(coverage.defers(channel({ directoryUserId: null }), NOW)).toBe(false);
  });

  it("covers a member's own connection ('' for the token's mailbox) only where no directory user is read", () => {
    const own = new ChannelCoverage([
      { roxUserId: 'megan', folder: 'inbox', directoryUserId: '', safetyPollMs: 60 * MINUTE },
    ]);
    expect(own.defers(channel({ directoryUserId: null }), NOW)).toBe(true);
    // Read through the org-wide app now: that subscription says nothing of it.
    expect(own.defers(channel(), NOW)).toBe(false);
  });

  it('covers a user folder watched by id only while the channel still reads that folder', () => {
    const byId = new ChannelCoverage([
      {
        roxUserId: 'megan',
        folder: 'Inbox/Customers',
        directoryUserId: 'dir-megan',
        folderId: 'AAMk-customers',
        safetyPollMs: 60 * MINUTE,
      },
    ]);
    const customers = (folderId: string | null) => channel({ folder: 'Inbox/Customers', folderId });
    expect(byId.defers(customers('AAMk-customers'), NOW)).toBe(true);
    // Deleted and found again under a new id, or not found: the old subscription says nothing.
    expect(byId.defers(customers('AAMk-recreated'), NOW)).toBe(false);
    expect(byId.defers(customers(null), NOW)).toBe(false);
  });

  it('takes the shorter interval when two features cover one channel', () => {
    const both = new ChannelCoverage([
      {
        roxUserId: 'megan',
        folder: 'inbox',
        directoryUserId: 'dir-megan',
        safetyPollMs: 60 * MINUTE,
      },
      {
        roxUserId: 'megan',
        folder: 'inbox',
        directoryUserId: 'dir-megan',
        safetyPollMs: 10 * MINUTE,
      },
    ]);
    expect(both.size).toBe(1);
    expect(both.defers(channel(), NOW)).toBe(false);
  });
});
