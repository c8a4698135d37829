import { Entity, PrimaryKey, Property } from '@mikro-orm/core';

/** Where an org's directory sync stands. */
export type DirectorySyncStage = 'never' | 'queued' | 'running' | 'ok' | 'failed';

/** Counts of one sync run. */
export interface DirectorySyncCounts {
  added: number;
  updated: number;
  removed: number;
  total: number;
}

/** One row per org: the stage, the users delta cursor and the last run's outcome. */
@Entity({ tableName: 'directory_sync_state' })
export class DirectorySyncState {
  @PrimaryKey({ type: 'string', length: 128 })
  orgId: string;

  @Property({ type: 'string', length: 16 })
  stage: DirectorySyncStage = 'never';

  // The users deltaLink, stored verbatim; advanced only once the round's rows are committed.
  @Property({ type: 'text', nullable: true })
  deltaLink: string | null = null;

  @Property({ type: 'Date', columnType: 'timestamptz', nullable: true })
  deltaLinkAt: Date | null = null;

  // Number of the latest full round (rows not seen in it are deleted).
  @Property({ type: 'integer' })
  fullRound = 0;

  @Property({ type: 'Date', columnType: 'timestamptz', nullable: true })
  queuedAt: Date | null = null;

  @Property({ type: 'Date', columnType: 'timestamptz', nullable: true })
  startedAt: Date | null = null;

  @Property({ type: 'Date', columnType: 'timestamptz', nullable: true })
  lastSyncAt: Date | null = null;

  @Property({ type: 'Date', columnType: 'timestamptz', nullable: true })
  lastFullSyncAt: Date | null = null;

  @Property({ type: 'string', length: 64, nullable: true })
  lastErrorCode: string | null = null;

  @Property({ type: 'Date', columnType: 'timestamptz', nullable: true })
  lastErrorAt: Date | null = null;

  @Property({ type: 'json' })
  lastCounts: DirectorySyncCounts = { added: 0, updated: 0, removed: 0, total: 0 };

  constructor(orgId: string) {
    this.orgId = orgId;
  }

  markQueued(now: Date): void {
    // A running sync stays "running"; the queued job runs after it.
    if (this.stage !== 'running') this.stage = 'queued';
    this.queuedAt = now;
  }

  markRunning(now: Date): void {
    this.stage = 'running';
    this.startedAt = now;
  }

  /** Starts a full round: returns its number. */
  beginFullRound(): number {
    this.fullRound += 1;
    return this.fullRound;
  }

  /** The round finished and its rows are committed: only now does the cursor move. */
  succeed(result: { deltaLink: string; isFull: boolean; counts: DirectorySyncCounts }, now: Date) {
    this.stage = 'ok';
    this.deltaLink = result.deltaLink;
    this.deltaLinkAt = now;
    this.lastSyncAt = now;
    if (result.isFull) this.lastFullSyncAt = now;
    this.lastCounts = result.counts;
    this.lastErrorCode = null;
    this.lastErrorAt = null;
  }

  /** `willRetry`: the job is rescheduled (throttling, outage), so the stage says queued. */
  fail(code: string, now: Date, willRetry: boolean): void {
    this.stage = willRetry ? 'queued' : 'failed';
    this.lastErrorCode = code;
    this.lastErrorAt = now;
  }

  forgetCursor(): void {
    this.deltaLink = null;
    this.deltaLinkAt = null;
  }
}
