/**
 * One stream of items Rox keeps in step with Microsoft 365: the org's directory (mailboxKey ''),
 * or one mailbox's calendar or mail. Each channel has its own cursor and stage.
 */
export interface SyncChannelKey {
  orgId: string;
  /** What is synced, e.g. `directory`, `calendar`, `mail`. */
  kind: string;
  /** The mailbox (Entra user id) for per-mailbox channels; '' for org-level ones. */
  mailboxKey: string;
}

/** Where a channel's sync stands. */
export type SyncStage = 'never' | 'queued' | 'running' | 'ok' | 'failed';

/** Counts of one sync run; `total` is what the channel holds after it. */
export interface SyncCounts {
  added: number;
  updated: number;
  removed: number;
  total: number;
}

/** What one committed page changed. */
export interface PageCounts {
  added: number;
  updated: number;
  removed: number;
}

export const NO_COUNTS: SyncCounts = { added: 0, updated: 0, removed: 0, total: 0 };

/**
 * The stored state of one channel. A feature's sync-state entity implements it (one row per
 * channel); the functions below are the only transitions, so every feature's stages mean the same.
 */
export interface SyncChannelState {
  stage: SyncStage;
  /** The delta link, stored verbatim; moved only once the round's rows are committed. */
  cursor: string | null;
  cursorAt: Date | null;
  /** Number of the latest full round: rows not seen in it are deleted when it completes. */
  fullRound: number;
  queuedAt: Date | null;
  startedAt: Date | null;
  lastSyncAt: Date | null;
  lastFullSyncAt: Date | null;
  /** The reason of the last failure (a coded error), cleared by a success. */
  lastErrorCode: string | null;
  lastErrorAt: Date | null;
  lastCounts: SyncCounts;
}

/** Before enqueueing: a running sync stays "running" (the keyed job runs again after it). */
export function markQueued(state: SyncChannelState, now: Date): void {
  if (state.stage !== 'running') state.stage = 'queued';
  state.queuedAt = now;
}

export function markRunning(state: SyncChannelState, now: Date): void {
  state.stage = 'running';
  state.startedAt = now;
}

/** Starts a full round: returns its number. */
export function beginFullRound(state: SyncChannelState): number {
  state.fullRound += 1;
  return state.fullRound;
}

export function forgetCursor(state: SyncChannelState): void {
  state.cursor = null;
  state.cursorAt = null;
}

/** The round finished and its rows are committed: only now does the cursor move. */
export function succeed(
  state: SyncChannelState,
  result: { cursor: string; isFull: boolean; counts: SyncCounts },
  now: Date,
): void {
  state.stage = 'ok';
  state.cursor = result.cursor;
  state.cursorAt = now;
  state.lastSyncAt = now;
  if (result.isFull) state.lastFullSyncAt = now;
  state.lastCounts = result.counts;
  state.lastErrorCode = null;
  state.lastErrorAt = null;
}

/**
 * An idle incremental round read outside the channel's job (a stored deltaLink inside a `$batch`
 * answered no changes and a new link): the same bookkeeping as a round that found nothing.
 */
export function succeedIdle(
  state: SyncChannelState,
  result: { cursor: string; total: number },
  now: Date,
): void {
  state.startedAt = now;
  succeed(
    state,
    {
      cursor: result.cursor,
      isFull: false,
      counts: { added: 0, updated: 0, removed: 0, total: result.total },
    },
    now,
  );
}

/** `willRetry`: the job is rescheduled (throttling, outage), so the stage says queued. */
export function fail(state: SyncChannelState, code: string, now: Date, willRetry: boolean): void {
  state.stage = willRetry ? 'queued' : 'failed';
  state.lastErrorCode = code;
  state.lastErrorAt = now;
}

/**
 * A channel whose job died: "running" since before `staleBefore` (the worker was killed mid-run),
 * or "queued" since then with nothing having started it (the job was lost).
 */
/**
 * Whether a channel read through a member's own (delegated) connection may be settled without a
 * request when change notifications cover it: its last round succeeded and left a cursor the next
 * round would resume (`isCursorUsable`, the feature's own rule).
 */
export function isOwnChannelSettleable(
  mailbox: { route: string },
  state: Pick<SyncChannelState, 'stage' | 'cursor'>,
  isCursorUsable: (cursor: string) => boolean,
): boolean {
  return (
    mailbox.route === 'individual' &&
    state.stage === 'ok' &&
    state.cursor !== null &&
    isCursorUsable(state.cursor)
  );
}

export function isStale(state: SyncChannelState, staleBefore: Date): boolean {
  if (state.stage === 'running') return (state.startedAt ?? new Date(0)) < staleBefore;
  if (state.stage === 'queued') {
    const queuedAt = state.queuedAt ?? new Date(0);
    const startedAfterQueue = state.startedAt !== null && state.startedAt >= queuedAt;
    return queuedAt < staleBefore && !startedAfterQueue;
  }
  return false;
}

/** Records why a stale channel is queued again; the caller then enqueues its keyed job. */
export function markRequeuedStale(state: SyncChannelState, code: string, now: Date): void {
  state.stage = 'queued';
  state.queuedAt = now;
  state.lastErrorCode = code;
  state.lastErrorAt = now;
}

/**
 * Stale-job detection for any channel kind: among channels busy since before `staleBefore`,
 * those whose job is no longer alive in the queue get stage queued with the reason `code`, and
 * are enqueued again. Returns the channels re-queued.
 */
export async function requeueStaleChannels<S extends SyncChannelState>(input: {
  candidates: readonly S[];
  staleBefore: Date;
  now: Date;
  code: string;
  isJobAlive(state: S): Promise<boolean>;
  save(state: S): Promise<void>;
  enqueue(state: S): Promise<void>;
}): Promise<S[]> {
  const requeued: S[] = [];
  for (const state of input.candidates) {
    if (!isStale(state, input.staleBefore) || (await input.isJobAlive(state))) continue;
    markRequeuedStale(state, input.code, input.now);
    await input.save(state);
    await input.enqueue(state);
    requeued.push(state);
  }
  return requeued;
}
