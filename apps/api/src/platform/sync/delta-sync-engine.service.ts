import { Injectable, Logger } from '@nestjs/common';

import {
  DeltaExpiredError,
  mailboxKeyOf,
  MAX_BATCH_SIZE,
  type BatchOptions,
  type BatchRequest,
  type BatchResult,
  type DeltaPage,
} from '@rox365/graph-client';

import { Transactions } from '../database/transactions.service';
import { Metrics } from '../metrics/metrics.service';
import { Clock } from '../time/clock';
import {
  beginFullRound,
  fail,
  forgetCursor,
  markRunning,
  succeed,
  succeedIdle,
  type PageCounts,
  type SyncChannelKey,
  type SyncChannelState,
  type SyncCounts,
  type SyncStage,
} from './sync-channel';
import { SyncError, SyncErrorCode } from './sync.errors';

/** How a failure ends the run: what to store as the reason, what to throw, whether Bull retries. */
export interface SyncFailure {
  code: string;
  /** Thrown to the job runner (a coded DomainError decides retry or give up). */
  error: unknown;
  willRetry: boolean;
}

/** What one run did. */
export interface SyncOutcome extends SyncCounts {
  /** A full round (first sync, old or dead cursor): rows it did not see were deleted. */
  full: boolean;
}

/**
 * One channel's sync, as the feature describes it to the engine. `T` is the item type of the
 * Graph delta (users, events, messages); the feature owns mapping and storage.
 */
export interface DeltaChannel<
  T,
  S extends SyncChannelState = SyncChannelState,
  F extends SyncFailure = SyncFailure,
> {
  key: SyncChannelKey;
  /** The channel's stored state, loaded by the caller; the engine moves it and saves it. */
  state: S;
  saveState(state: S): Promise<void>;
  /** Pages of one delta round: from `cursor`, or from the start when it is null (full round). */
  pages(cursor: string | null): AsyncIterable<DeltaPage<T>>;
  /** Commits one page in its own transaction; rows it upserts are marked seen in `round`. */
  applyPage(page: DeltaPage<T>, round: number): Promise<PageCounts>;
  /** After a complete full round: deletes the rows it did not see (set difference). */
  reconcile(round: number): Promise<number>;
  /** Rows the channel holds now. */
  count(): Promise<number>;
  /** Whether a stored cursor may be resumed (its age, the Graph host); false starts a full round. */
  isCursorUsable(cursor: string, cursorAt: Date | null, now: Date): boolean;
  classifyFailure(error: unknown): F;
  /** After the failure is stored, before it is thrown (e.g. ask consent to re-check the grant). */
  onFailed?(failure: F): Promise<void>;
  /**
   * First thing inside the transaction that stores the new cursor, before the channel's row is
   * written (locks the round must hold for its commit are taken here, ahead of the row lock a
   * purge may hold while it waits for them). Throwing rolls the commit back: the round fails.
   */
  beforeCommit?(outcome: SyncOutcome): Promise<void>;
  /** Inside the transaction that stores the new cursor (e.g. the audit entry). */
  onCommitted?(outcome: SyncOutcome): Promise<void>;
  /**
   * After that transaction rolled back: loads the stored state into `state` again (what the
   * round did not commit is gone, and others may have changed the row meanwhile, e.g. a purge
   * resetting the cursor). False when the row no longer exists: the failure is not stored.
   * Without it the state is put back as it was before the commit.
   */
  reloadState?(state: S): Promise<boolean>;
}

/**
 * A channel offered to an idle batch: its stored deltaLink is read as one item of a `$batch`.
 * The caller offers only channels whose last round succeeded (stage ok) and whose cursor it
 * would resume (the feature's `isCursorUsable`), over the org-wide app's client.
 */
export interface IdleDeltaChannel<S extends SyncChannelState = SyncChannelState> {
  key: SyncChannelKey;
  state: S;
  /** The headers every page of this channel's rounds carries (Prefer: maxpagesize, time zone). */
  headers: Readonly<Record<string, string>>;
}

/**
 * How a feature stores a `$batch`'s idle rounds: a few statements for all of its channels, inside
 * the one transaction the engine opens per batch. Maps are keyed by the channels' `mailboxKey`.
 */
export interface IdleRoundStore<S extends SyncChannelState = SyncChannelState> {
  /** The stored stage and cursor of each channel, the rows locked in a stable order; gone ones are missing. */
  lockStored(
    channels: readonly IdleDeltaChannel<S>[],
  ): Promise<Map<string, { stage: SyncStage; cursor: string | null }>>;
  /** Rows each channel holds now. */
  counts(channels: readonly IdleDeltaChannel<S>[]): Promise<Map<string, number>>;
  /** Writes the channels' states. */
  saveStates(channels: readonly IdleDeltaChannel<S>[]): Promise<void>;
}

// An idle answer of a batch: the channel (by its index in the call) and the deltaLink to store.
interface IdleAnswer<S extends SyncChannelState> {
  index: number;
  channel: IdleDeltaChannel<S>;
  next: string;
}

/** Why an idle batch left a channel to its own job (which then reads the same stored link). */
export type IdleFallbackReason =
  /** The cursor is not a Graph deltaLink a batch item can carry for one mailbox. */
  | 'not_batchable'
  /** The link returned items or removals. */
  | 'changes'
  /** A nextLink (more pages, even an empty one). */
  | 'more_pages'
  /** 410 / resync required: the job runs a full round. */
  | 'expired'
  /** 429, or 503 with Retry-After: the mailbox is paused; the job waits for it. */
  | 'throttled'
  /** Any other answer (403, 404, 5xx, a malformed body): the job classifies it. */
  | 'failed'
  /** The `$batch` itself failed (network, token). */
  | 'batch_failed'
  /** The new cursor could not be stored. */
  | 'commit_failed';

/** What an idle batch did with one channel. */
export type IdleRoundResult =
  /** No changes: the new cursor, its time and the counts are stored (the round is done). */
  | { kind: 'committed' }
  /** The channel moved meanwhile (its job ran or runs): nothing to do here. */
  | { kind: 'superseded' }
  /** The channel's own job must run; `status` is the item's HTTP status when there was one. */
  | { kind: 'fallback'; reason: IdleFallbackReason; status: number | null };

/** The `$batch` port (graph-client's BoundGraphClient). */
export interface DeltaBatchClient {
  batch(requests: readonly BatchRequest[], options?: BatchOptions): Promise<BatchResult[]>;
}

/**
 * The delta-round engine every sync uses: resume from the stored cursor; a dead cursor (410 /
 * resyncRequired) or an unusable one runs a full round that then deletes what it did not see;
 * each page commits on its own; the cursor, stage and counts move only after the round's rows
 * are committed; a failure stores its reason, stage queued (retry) or failed.
 */
@Injectable()
export class DeltaSyncEngine {
  private readonly logger = new Logger('sync');

  constructor(
    private readonly clock: Clock,
    private readonly tx: Transactions,
    private readonly metrics: Metrics,
  ) {}

  /** `isFinalAttempt`: no retry follows, so a retryable failure is stored as failed. */
  async run<T, S extends SyncChannelState, F extends SyncFailure>(
    channel: DeltaChannel<T, S, F>,
    options: { isFinalAttempt?: boolean } = {},
  ): Promise<SyncOutcome> {
    const { state } = channel;
    const started = this.clock.now();
    const resume =
      state.cursor !== null && channel.isCursorUsable(state.cursor, state.cursorAt, started)
        ? state.cursor
        : null;
    markRunning(state, started);
    // A cursor that will not be resumed is forgotten now, with the start: a full round that then
    // fails leaves no stale cursor behind (the next run is a full round either way).
    if (resume === null) forgetCursor(state);
    // A full round's number is stored before its first page: a write from Rox committed while
    // the round runs reads it and marks its row seen in this round, so the round's reconcile
    // cannot take a row that was made after its pages went by.
    const firstRound = resume ? state.fullRound : beginFullRound(state);
    await channel.saveState(state);

    let round: { counts: PageCounts; cursor: string; full: boolean };
    try {
      try {
        round = await this.round(channel, resume, firstRound);
      } catch (error) {
        if (!(error instanceof DeltaExpiredError) || resume === null) throw error;
        // Deletions made while the cursor was dead never arrive as @removed: reconcile in full.
        this.logger.log(
          { ...channel.key, event: 'cursor_reset', reason: 'cursor_expired' },
          'delta cursor expired; full round',
        );
        forgetCursor(state);
        const number = beginFullRound(state);
        await channel.saveState(state);
        round = await this.round(channel, null, number);
      }
    } catch (error) {
      return this.failed(channel, error, options);
    }

    const outcome: SyncOutcome = {
      ...round.counts,
      total: await channel.count(),
      full: round.full,
    };
    // What the round is about to move, put back if its commit fails.
    const before = progressOf(state);
    succeed(
      state,
      {
        cursor: round.cursor,
        isFull: round.full,
        counts: {
          added: outcome.added,
          updated: outcome.updated,
          removed: outcome.removed,
          total: outcome.total,
        },
      },
      this.clock.now(),
    );
    try {
      await this.tx.run(async () => {
        await channel.beforeCommit?.(outcome);
        await channel.saveState(state);
        await channel.onCommitted?.(outcome);
      });
    } catch (error) {
      // Rolled back: the stored cursor still matches committed rows; the next run resumes there.
      // The stored row is read again rather than assumed: writing back the cursor this run read
      // would undo a reset committed meanwhile.
      if (!(await this.reloaded(channel, before)))
        return this.failed(channel, error, options, false);
      return this.failed(channel, error, options);
    }
    this.observeCommitted(channel.key.kind, before.lastSyncAt, state.lastSyncAt);
    return outcome;
  }

  /**
   * Idle incremental rounds of many channels in `$batch`es of 20 (one item per stored deltaLink,
   * with the channel's own Prefer headers; each item holds one of its mailbox's slots). An item
   * answering no items and a new deltaLink commits that channel's round here, under a row lock
   * that checks nobody moved the channel meanwhile; a batch's idle rounds are committed together
   * (one transaction, the `store`'s few statements). Everything else (changes, a nextLink, 410,
   * 429/5xx, any error) is left untouched for the channel's own job, which replays the same
   * stored deltaLink: nothing the batch read is applied, so nothing is applied twice. Throttled
   * items are not retried here: the mailbox is paused and the job waits for it.
   */
  async idleRounds<S extends SyncChannelState>(
    client: DeltaBatchClient,
    channels: readonly IdleDeltaChannel<S>[],
    store: IdleRoundStore<S>,
  ): Promise<IdleRoundResult[]> {
    const results: IdleRoundResult[] = channels.map(() => ({
      kind: 'fallback',
      reason: 'not_batchable',
      status: null,
    }));
    const batchable: { index: number; url: string }[] = [];
    channels.forEach((channel, index) => {
      const url = channel.state.stage === 'ok' ? batchItemUrl(channel.state.cursor) : null;
      if (url !== null) batchable.push({ index, url });
    });
    for (let start = 0; start < batchable.length; start += MAX_BATCH_SIZE) {
      const chunk = batchable.slice(start, start + MAX_BATCH_SIZE);
      let answers: BatchResult[];
      try {
        answers = await client.batch(
          chunk.map(({ index, url }) => ({
            id: String(index),
            method: 'GET',
            url,
            headers: channels[index]?.headers ?? {},
          })),
          { retryItems: false },
        );
      } catch (error) {
        this.logger.warn({ items: chunk.length, error: String(error) }, 'idle delta batch failed');
        for (const { index } of chunk)
          results[index] = { kind: 'fallback', reason: 'batch_failed', status: null };
        continue;
      }
      const idle: IdleAnswer<S>[] = [];
      for (const [position, { index }] of chunk.entries()) {
        const channel = channels[index];
        const answer = answers[position];
        if (!channel || !answer) continue;
        const read = idleAnswer(answer, channel.state.cursor ?? '');
        if ('deltaLink' in read) idle.push({ index, channel, next: read.deltaLink });
        else results[index] = { kind: 'fallback', reason: read.reason, status: answer.status };
      }
      for (const [index, result] of await this.commitIdle(idle, store)) results[index] = result;
    }
    return results;
  }

  /**
   * A batch's idle rounds in one transaction: the rows locked and checked (stage ok, the cursor
   * the batch read), the counts read and the states written with one statement each, instead of
   * a transaction of four round trips per channel (about 15 ms a channel, most of an idle cycle's
   * time). A channel a job moved meanwhile is superseded; a failure rolls back the batch, and
   * every channel of it is left to its job.
   */
  private async commitIdle<S extends SyncChannelState>(
    idle: readonly IdleAnswer<S>[],
    store: IdleRoundStore<S>,
  ): Promise<Map<number, IdleRoundResult>> {
    const results = new Map<number, IdleRoundResult>();
    if (idle.length === 0) return results;
    const before = new Map(idle.map(({ index, channel }) => [index, progressOf(channel.state)]));
    let committed: IdleAnswer<S>[];
    try {
      committed = await this.tx.run(async () => {
        const stored = await store.lockStored(idle.map((i) => i.channel));
        const fresh = idle.filter(({ channel }) => {
          const row = stored.get(channel.key.mailboxKey);
          return row?.stage === 'ok' && row.cursor === channel.state.cursor;
        });
        if (fresh.length === 0) return fresh;
        const totals = await store.counts(fresh.map((i) => i.channel));
        const now = this.clock.now();
        for (const { channel, next } of fresh) {
          const total = totals.get(channel.key.mailboxKey) ?? 0;
          succeedIdle(channel.state, { cursor: next, total }, now);
        }
        await store.saveStates(fresh.map((i) => i.channel));
        return fresh;
      });
    } catch (error) {
      // Rolled back: the stored cursors are the ones the jobs will read.
      for (const { index, channel } of idle) {
        Object.assign(channel.state, before.get(index));
        results.set(index, { kind: 'fallback', reason: 'commit_failed', status: null });
      }
      this.logger.warn(
        { ...idle[0]?.channel.key, channels: idle.length, error: String(error) },
        'idle rounds not committed',
      );
      return results;
    }
    for (const { index } of idle) results.set(index, { kind: 'superseded' });
    for (const { index, channel } of committed) {
      results.set(index, { kind: 'committed' });
      this.observeCommitted(
        channel.key.kind,
        before.get(index)?.lastSyncAt,
        channel.state.lastSyncAt,
      );
    }
    return results;
  }

  // After a rolled-back final commit: the stored row read again (false: it is gone), else, when
  // the channel cannot (or the read fails too), the state as it was before the commit.
  private async reloaded<T, S extends SyncChannelState, F extends SyncFailure>(
    channel: DeltaChannel<T, S, F>,
    before: Partial<SyncChannelState>,
  ): Promise<boolean> {
    if (channel.reloadState) {
      try {
        return await channel.reloadState(channel.state);
      } catch (error) {
        this.logger.warn({ ...channel.key, error: String(error) }, 'channel state not re-read');
      }
    }
    Object.assign(channel.state, before);
    return true;
  }

  // Sync lag: how long the channel had gone without a committed round (none before: no lag yet).
  private observeCommitted(kind: string, previous: Date | null | undefined, now: Date | null) {
    const lagSeconds = previous && now ? (now.getTime() - previous.getTime()) / 1000 : null;
    this.metrics.observeSyncRound(kind, 'ok', { lagSeconds });
  }

  // Stores the failure's reason (queued when Bull retries, else failed), then throws it.
  private async failed<T, S extends SyncChannelState, F extends SyncFailure>(
    channel: DeltaChannel<T, S, F>,
    error: unknown,
    options: { isFinalAttempt?: boolean },
    store = true,
  ): Promise<never> {
    const failure = channel.classifyFailure(error);
    const willRetry = failure.willRetry && options.isFinalAttempt !== true;
    fail(channel.state, failure.code, this.clock.now(), willRetry);
    this.metrics.observeSyncRound(channel.key.kind, willRetry ? 'retrying' : 'failed', {
      code: failure.code,
    });
    // A row gone meanwhile (the mailbox was purged) is not written again.
    if (store) {
      await channel.saveState(channel.state);
      await channel.onFailed?.(failure);
    }
    throw failure.error;
  }

  // A full round (no cursor) numbers itself and, once complete, deletes rows it did not see.
  private async round<T, S extends SyncChannelState, F extends SyncFailure>(
    channel: DeltaChannel<T, S, F>,
    cursor: string | null,
    round: number,
  ): Promise<{ counts: PageCounts; cursor: string; full: boolean }> {
    const full = cursor === null;
    const counts: PageCounts = { added: 0, updated: 0, removed: 0 };
    let next: string | null = null;
    for await (const page of channel.pages(cursor)) {
      const pageCounts = await channel.applyPage(page, round);
      counts.added += pageCounts.added;
      counts.updated += pageCounts.updated;
      counts.removed += pageCounts.removed;
      if (page.deltaLink) next = page.deltaLink;
    }
    if (next === null) {
      throw new SyncError(
        SyncErrorCode.SYNC_ROUND_INCOMPLETE,
        'unavailable',
        `The ${channel.key.kind} delta round ended without a deltaLink.`,
      );
    }
    if (full) counts.removed += await channel.reconcile(round);
    return { counts, cursor: next, full };
  }
}

/**
 * A stored deltaLink as a `$batch` item url: relative to the version root (Graph reads a
 * `/v1.0/…` url as a segment), and addressing one mailbox under `/users/{id}`, so the item holds
 * one of that mailbox's slots.
 */
export function batchItemUrl(cursor: string | null): string | null {
  if (cursor === null) return null;
  let link: URL;
  try {
    link = new URL(cursor);
  } catch {
    return null;
  }
  if (link.protocol !== 'https:' && link.protocol !== 'http:') return null;
  const match = /^\/v1\.0(\/.+)$/.exec(link.pathname);
  if (!match?.[1] || !/[?&]\$?deltatoken=/i.test(link.search)) return null;
  const url = `${match[1]}${link.search}`;
  // `/me` links belong to a delegated token: one user's, never an app-token batch's.
  return mailboxKeyOf(url)?.startsWith('users/') ? url : null;
}

// What one batch item says about an idle round: done (a new deltaLink and nothing else), or why not.
function idleAnswer(
  answer: BatchResult,
  read: string,
): { deltaLink: string } | { reason: IdleFallbackReason } {
  if (answer.status === 410 || answer.error?.isDeltaExpired) return { reason: 'expired' };
  if (answer.error?.isThrottled) return { reason: 'throttled' };
  if (answer.status !== 200) return { reason: 'failed' };
  const body = answer.body as {
    value?: unknown;
    '@odata.nextLink'?: unknown;
    '@odata.deltaLink'?: unknown;
  } | null;
  if (!body || !Array.isArray(body.value)) return { reason: 'failed' };
  if (body.value.length > 0) return { reason: 'changes' };
  if (body['@odata.nextLink'] !== undefined) return { reason: 'more_pages' };
  const next = body['@odata.deltaLink'];
  // The new link goes where the old one went: same Graph host, same mailbox.
  if (
    typeof next !== 'string' ||
    !sameOrigin(next, read) ||
    mailboxKeyOf(batchItemUrl(next) ?? '') !== mailboxKeyOf(batchItemUrl(read) ?? '')
  )
    return { reason: 'failed' };
  return { deltaLink: next };
}

function sameOrigin(a: string, b: string): boolean {
  try {
    return new URL(a).origin === new URL(b).origin;
  } catch {
    return false;
  }
}

function progressOf(state: SyncChannelState): Partial<SyncChannelState> {
  return {
    stage: state.stage,
    startedAt: state.startedAt,
    cursor: state.cursor,
    cursorAt: state.cursorAt,
    lastSyncAt: state.lastSyncAt,
    lastFullSyncAt: state.lastFullSyncAt,
    lastCounts: state.lastCounts,
    lastErrorCode: state.lastErrorCode,
    lastErrorAt: state.lastErrorAt,
  };
}
