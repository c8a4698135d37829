import { Injectable, Logger } from '@nestjs/common';

import { DeltaExpiredError, type DeltaPage } from '@rox365/graph-client';

import { Transactions } from '../database/transactions.service';
import { Clock } from '../time/clock';
import {
  beginFullRound,
  fail,
  forgetCursor,
  markRunning,
  succeed,
  type PageCounts,
  type SyncChannelKey,
  type SyncChannelState,
  type SyncCounts,
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
  /** Inside the transaction that stores the new cursor (e.g. the audit entry). */
  onCommitted?(outcome: SyncOutcome): Promise<void>;
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
  ) {}

  /** `isFinalAttempt`: no retry follows, so a retryable failure is stored as failed. */
  async run<T, S extends SyncChannelState, F extends SyncFailure>(
    channel: DeltaChannel<T, S, F>,
    options: { isFinalAttempt?: boolean } = {},
  ): Promise<SyncOutcome> {
    const { state } = channel;
    const started = this.clock.now();
    markRunning(state, started);
    await channel.saveState(state);

    const resume =
      state.cursor !== null && channel.isCursorUsable(state.cursor, state.cursorAt, started)
        ? state.cursor
        : null;
    let round: { counts: PageCounts; cursor: string; full: boolean };
    try {
      try {
        round = await this.round(channel, resume, resume ? state.fullRound : beginFullRound(state));
      } catch (error) {
        if (!(error instanceof DeltaExpiredError) || resume === null) throw error;
        // Deletions made while the cursor was dead never arrive as @removed: reconcile in full.
        this.logger.log({ ...channel.key }, 'delta cursor expired; full round');
        forgetCursor(state);
        round = await this.round(channel, null, beginFullRound(state));
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
        await channel.saveState(state);
        await channel.onCommitted?.(outcome);
      });
    } catch (error) {
      // Rolled back: the stored cursor still matches committed rows; the next run resumes there.
      Object.assign(state, before);
      return this.failed(channel, error, options);
    }
    return outcome;
  }

  // Stores the failure's reason (queued when Bull retries, else failed), then throws it.
  private async failed<T, S extends SyncChannelState, F extends SyncFailure>(
    channel: DeltaChannel<T, S, F>,
    error: unknown,
    options: { isFinalAttempt?: boolean },
  ): Promise<never> {
    const failure = channel.classifyFailure(error);
    const willRetry = failure.willRetry && options.isFinalAttempt !== true;
    fail(channel.state, failure.code, this.clock.now(), willRetry);
    await channel.saveState(channel.state);
    await channel.onFailed?.(failure);
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

function progressOf(state: SyncChannelState): Partial<SyncChannelState> {
  return {
    stage: state.stage,
    cursor: state.cursor,
    cursorAt: state.cursorAt,
    lastSyncAt: state.lastSyncAt,
    lastFullSyncAt: state.lastFullSyncAt,
    lastCounts: state.lastCounts,
    lastErrorCode: state.lastErrorCode,
    lastErrorAt: state.lastErrorAt,
  };
}
