import { describe, expect, it } from 'vitest';

import {
  isOwnChannelSettleable,
  isStale,
  markQueued,
  markRunning,
  NO_COUNTS,
  requeueStaleChannels,
  succeedIdle,
  type SyncChannelState,
} from './sync-channel';

const at = (minute: number) => new Date(Date.UTC(2026, 10, 20, 8, minute));

function channel(over: Partial<SyncChannelState> = {}): SyncChannelState & { orgId: string } {
  return {
    orgId: 'o1',
    stage: 'never',
    cursor: null,
    cursorAt: null,
    fullRound: 0,
    queuedAt: null,
    startedAt: null,
    lastSyncAt: null,
    lastFullSyncAt: null,
    lastErrorCode: null,
    lastErrorAt: null,
    lastCounts: { ...NO_COUNTS },
    ...over,
  };
}

describe('sync channel state', () => {
  it('an idle round moves only the cursor, its time and the last-sync time; the full round stays', () => {
    const state = channel({
      stage: 'ok',
      cursor: 'https://graph/v1.0/users/u/calendarView/delta?$deltatoken=a',
      cursorAt: at(1),
      fullRound: 3,
      lastSyncAt: at(1),
      lastFullSyncAt: at(0),
      lastCounts: { added: 2, updated: 1, removed: 0, total: 40 },
    });
    succeedIdle(
      state,
      { cursor: 'https://graph/v1.0/users/u/calendarView/delta?$deltatoken=b', total: 40 },
      at(5),
    );
    expect(state).toMatchObject({
      stage: 'ok',
      cursor: 'https://graph/v1.0/users/u/calendarView/delta?$deltatoken=b',
      cursorAt: at(5),
      startedAt: at(5),
      lastSyncAt: at(5),
      lastFullSyncAt: at(0),
      fullRound: 3,
      lastErrorCode: null,
      lastCounts: { added: 0, updated: 0, removed: 0, total: 40 },
    });
  });

  it('a running channel stays running when queued again (its keyed job re-runs after it)', () => {
    const state = channel();
    markRunning(state, at(1));
    markQueued(state, at(2));
    expect(state).toMatchObject({ stage: 'running', queuedAt: at(2), startedAt: at(1) });
    const idle = channel({ stage: 'ok' });
    markQueued(idle, at(3));
    expect(idle.stage).toBe('queued');
  });

  it.each([
    ['running since before the limit', { stage: 'running', startedAt: at(1) }, true],
    ['running since after the limit', { stage: 'running', startedAt: at(20) }, false],
    ['queued long ago and never started', { stage: 'queued', queuedAt: at(1) }, true],
    [
      'queued long ago, started since (waiting for a retry)',
      { stage: 'queued', queuedAt: at(1), startedAt: at(2) },
      false,
    ],
    [
      'queued long ago after an older run',
      { stage: 'queued', queuedAt: at(5), startedAt: at(1) },
      true,
    ],
    ['ok', { stage: 'ok', startedAt: at(1) }, false],
    ['failed', { stage: 'failed', startedAt: at(1) }, false],
  ] as const)('%s → stale %s', (_name, over, expected) => {
    expect(isStale(channel(over), at(10))).toBe(expected);
  });

  it('re-queues only stale channels whose job is gone, with the reason', async () => {
    const dead = { ...channel({ stage: 'running', startedAt: at(1) }), orgId: 'dead' };
    const alive = { ...channel({ stage: 'running', startedAt: at(1) }), orgId: 'alive' };
    const fresh = { ...channel({ stage: 'running', startedAt: at(30) }), orgId: 'fresh' };
    const saved: string[] = [];
    const enqueued: string[] = [];
    const requeued = await requeueStaleChannels({
      candidates: [dead, alive, fresh],
      staleBefore: at(10),
      now: at(40),
      code: 'SYNC_JOB_STALE',
      isJobAlive: (s) => Promise.resolve(s.orgId === 'alive'),
      save: (s) => Promise.resolve(void saved.push(s.orgId)),
      enqueue: (s) => Promise.resolve(void enqueued.push(s.orgId)),
    });
    expect(requeued.map((s) => s.orgId)).toEqual(['dead']);
    expect(saved).toEqual(['dead']);
    expect(enqueued).toEqual(['dead']);
    expect(dead).toMatchObject({
      stage: 'queued',
      queuedAt: at(40),
      lastErrorCode: 'SYNC_JOB_STALE',
      lastErrorAt: at(40),
    });
    expect(alive.stage).toBe('running');
  });
});

describe('isOwnChannelSettleable', () => {
  const cases: [string, string, SyncChannelState['stage'], string | null, boolean, boolean][] = [
    ['a synced own channel with a usable cursor', 'individual', 'ok', 'link', true, true],
    ['one read through the org-wide app', 'orgwide', 'ok', 'link', true, false],
    ['one whose last round failed', 'individual', 'failed', 'link', true, false],
    ['one never synced', 'individual', 'never', null, true, false],
    ['one without a cursor', 'individual', 'ok', null, true, false],
    ['one whose cursor the next round would not resume', 'individual', 'ok', 'link', false, false],
  ];
  it.each(cases)('%s', (_, route, stage, cursor, isUsable, expected) => {
    expect(isOwnChannelSettleable({ route }, { stage, cursor }, () => isUsable)).toBe(expected);
  });
});
