import { Injectable, Logger } from '@nestjs/common';

import { type OrgwideStatus } from '@rox365/contracts';

import { ChannelCoverage } from './channel-coverage';

/** Deletes every row a feature holds in one table for an org; returns how many went. */
export type OrgPurge = (orgId: string) => Promise<number>;

/** Deletes what a feature holds in one table about one member; returns how many went. */
export type MemberPurge = (orgId: string, roxUserId: string) => Promise<number>;

/** Deletes what a feature holds in one table through one individual connection; returns how many went. */
export type ConnectionPurge = (orgId: string, connectionId: string) => Promise<number>;

/** What changed among the inputs of members' mailbox scope. */
export interface ScopeChange {
  readonly cause:
    | 'settings'
    | 'override'
    | 'connection'
    | 'grant'
    | 'directory'
    | 'probe'
    | 'member'
    | 'individual_connection';
  /** The one member it concerns; absent when it concerns the whole org. */
  readonly roxUserId?: string;
}

/** An org change feed a feature keeps (a sequence per change, read from a cursor). */
export type ChangeFeed = 'calendar' | 'mail';

/** A feed's newest sequence ('0' while empty): a reader resuming from it misses nothing older. */
export type FeedHead = (orgId: string) => Promise<string>;

/** Status sections a feature can fill: a part of the org-wide status, by its key. */
export type StatusSections = {
  [K in keyof OrgwideStatus]?: (orgId: string) => Promise<OrgwideStatus[K]>;
};

/** The sync channels other features can say something about. */
export type NoticeChannelKind = 'calendar' | 'mail';

/**
 * A note on one sync channel from another feature (e.g. its change notifications are degraded,
 * so only polling keeps it): shown as the channel's reason when it has none of its own.
 */
export interface ChannelNotice {
  readonly roxUserId: string;
  /** The mail folder; null for a calendar channel. */
  readonly folder: string | null;
  readonly code: string;
}

/**
 * A sync channel another feature keeps fresh between polls (e.g. its change notifications are
 * healthy): the polling cycle reads it only as a safety net, once `safetyPollMs` has passed
 * since its last committed round.
 */
export interface CoveredChannel {
  readonly roxUserId: string;
  /** The mail folder; null for a calendar channel. */
  readonly folder: string | null;
  /** The directory user watched: coverage of a mailbox's earlier user does not count. */
  readonly directoryUserId: string;
  /** A user folder's Graph id watched: coverage of a folder since deleted does not count. */
  readonly folderId?: string | null;
  readonly safetyPollMs: number;
}

/**
 * What a feature plugs into an org's and a member's life. Every part is optional; a feature
 * registers once, at module init.
 */
export interface LifecycleParticipant {
  /** The feature's name; it keys the stopped-jobs counts. */
  readonly feature: string;
  /** Admin consent succeeded: start the feature's work (e.g. a first sync). */
  onConnected?(orgId: string): Promise<void>;
  /** Removes the org's queued, delayed and re-run jobs; returns how many went. */
  stopJobs?(orgId: string): Promise<number>;
  /** Per table (a receipt line, e.g. `directory_user`): purge the org's rows on disconnect. */
  purgeOrg?: Readonly<Record<string, OrgPurge>>;
  /**
   * Its purges (org and member) run before every other feature's: the mailbox rows, which each
   * sync page checks under a key-share lock, so a round still running cannot write back after
   * the purge has read its tables.
   */
  readonly purgesFirst?: boolean;
  /** Per table: purge a member's rows when the member leaves Rox. */
  purgeMember?: Readonly<Record<string, MemberPurge>>;
  /** Per table: purge what came through one individual connection when it is disconnected. */
  purgeConnection?: Readonly<Record<string, ConnectionPurge>>;
  /**
   * One individual connection is about to be purged: the last moment its token works (to undo
   * what was made with it at Microsoft). Best effort; a failure does not stop the disconnect.
   */
  beforeConnectionPurge?(orgId: string, connectionId: string): Promise<void>;
  /**
   * A member leaving Rox is about to be purged (their own connections' tokens too): the last
   * moment those tokens work. Best effort; a failure does not stop the purge.
   */
  beforeMemberPurge?(orgId: string, roxUserId: string): Promise<void>;
  statusSections?: StatusSections;
  /** Something members' scope derives from changed (after its transaction committed). */
  onScopeChanged?(orgId: string, change: ScopeChange): Promise<void>;
  /**
   * The org's mailbox rows were rebuilt (after a connect or an org-level scope change): the
   * moment a sync sees who is in scope now. Before it, a connect's first round finds no rows.
   */
  onMailboxesRefreshed?(orgId: string): Promise<void>;
  /**
   * A member's mail folder channels now point at other Graph folders (an extra folder was found,
   * lost, or found again under a new id): whatever watches them looks again.
   */
  onMailFoldersMoved?(orgId: string, roxUserId: string): Promise<void>;
  /** The change feeds the feature owns, by name: how to read each one's head. */
  changeFeeds?: Partial<Record<ChangeFeed, FeedHead>>;
  /** An org's change feed moved (entries committed); called after the commit. */
  onFeedChanged?(orgId: string, feed: ChangeFeed): Promise<void>;
  /** Notes on the given members' channels of one kind (read by the channel status). */
  channelNotices?(
    orgId: string,
    kind: NoticeChannelKind,
    roxUserIds: readonly string[],
  ): Promise<readonly ChannelNotice[]>;
  /** The given members' channels of one kind that this feature keeps fresh between polls. */
  coveredChannels?(
    orgId: string,
    kind: NoticeChannelKind,
    roxUserIds: readonly string[],
  ): Promise<readonly CoveredChannel[]>;
}

/**
 * The one registry that wires features into the org's lifecycle (connect, disconnect, member
 * removal, status) without importing them: lower modules call it, higher ones register into it,
 * so there are no module cycles. Calls run participants in registration order (module init order,
 * so lower features first).
 */
@Injectable()
export class LifecycleRegistry {
  private readonly participants: LifecycleParticipant[] = [];
  private readonly logger = new Logger('lifecycle');

  register(participant: LifecycleParticipant): void {
    const clash = (a: object | undefined, b: object | undefined) =>
      Object.keys(a ?? {}).find((key) => key in (b ?? {}));
    for (const known of this.participants) {
      const duplicate =
        (known.feature === participant.feature ? participant.feature : undefined) ??
        clash(participant.purgeOrg, known.purgeOrg) ??
        clash(participant.purgeMember, known.purgeMember) ??
        clash(participant.purgeConnection, known.purgeConnection) ??
        clash(participant.statusSections, known.statusSections) ??
        clash(participant.changeFeeds, known.changeFeeds);
      if (duplicate !== undefined) {
        throw new Error(`${participant.feature} registers "${duplicate}" twice in the lifecycle`);
      }
    }
    this.participants.push(participant);
  }

  /** Runs every `onConnected`; one failing does not skip the others, the first error is rethrown. */
  async onConnected(orgId: string): Promise<void> {
    const errors: unknown[] = [];
    for (const p of this.participants) {
      try {
        await p.onConnected?.(orgId);
      } catch (error) {
        errors.push(error);
      }
    }
    if (errors.length > 0) throw errors[0];
  }

  /** Stops every feature's jobs for the org; counts per feature. */
  async stopJobs(orgId: string): Promise<Record<string, number>> {
    const stopped: Record<string, number> = {};
    for (const p of this.participants) {
      if (p.stopJobs) stopped[p.feature] = await p.stopJobs(orgId);
    }
    return stopped;
  }

  // Participants in purge order: those that purge first, then the rest as registered.
  private purgeOrder(): LifecycleParticipant[] {
    return [
      ...this.participants.filter((p) => p.purgesFirst === true),
      ...this.participants.filter((p) => p.purgesFirst !== true),
    ];
  }

  /** Purges every feature's rows for the org (inside the caller's transaction); counts per table. */
  async purgeOrg(orgId: string): Promise<Record<string, number>> {
    const removed: Record<string, number> = {};
    for (const p of this.purgeOrder()) {
      for (const [table, purge] of Object.entries(p.purgeOrg ?? {})) {
        removed[table] = await purge(orgId);
      }
    }
    return removed;
  }

  /**
   * Purges every feature's rows about one member; counts per table. `onlyTables` narrows it (a
   * data-removal request purges synced content, not the member's connections or overrides).
   */
  async purgeMember(
    orgId: string,
    roxUserId: string,
    onlyTables?: (table: string) => boolean,
  ): Promise<Record<string, number>> {
    const removed: Record<string, number> = {};
    for (const p of this.purgeOrder()) {
      for (const [table, purge] of Object.entries(p.purgeMember ?? {})) {
        if (onlyTables && !onlyTables(table)) continue;
        removed[table] = await purge(orgId, roxUserId);
      }
    }
    return removed;
  }

  /** Runs every `beforeConnectionPurge`; failures are logged, since the disconnect goes on. */
  async beforeConnectionPurge(orgId: string, connectionId: string): Promise<void> {
    await this.beforePurge(orgId, (p) => p.beforeConnectionPurge?.(orgId, connectionId));
  }

  /** Runs every `beforeMemberPurge`; failures are logged, since the purge goes on. */
  async beforeMemberPurge(orgId: string, roxUserId: string): Promise<void> {
    await this.beforePurge(orgId, (p) => p.beforeMemberPurge?.(orgId, roxUserId));
  }

  private async beforePurge(
    orgId: string,
    step: (p: LifecycleParticipant) => Promise<void> | undefined,
  ): Promise<void> {
    for (const p of this.participants) {
      try {
        await step(p);
      } catch (error) {
        this.logger.warn(
          { orgId, feature: p.feature, err: error },
          'before-purge step failed; the purge goes on',
        );
      }
    }
  }

  /** Purges every feature's rows that came through one individual connection; counts per table. */
  async purgeConnection(orgId: string, connectionId: string): Promise<Record<string, number>> {
    const removed: Record<string, number> = {};
    for (const p of this.participants) {
      for (const [table, purge] of Object.entries(p.purgeConnection ?? {})) {
        removed[table] = await purge(orgId, connectionId);
      }
    }
    return removed;
  }

  /**
   * Tells every feature that an input of members' mailbox scope changed. Call it after the
   * change committed; a failing participant is logged, not rethrown, since the change stands
   * and a periodic refresh catches up.
   */
  async scopeChanged(orgId: string, change: ScopeChange): Promise<void> {
    for (const p of this.participants) {
      try {
        await p.onScopeChanged?.(orgId, change);
      } catch (error) {
        this.logger.warn({ orgId, cause: change.cause, err: error }, 'scope change not handled');
      }
    }
  }

  /** Tells every feature the org's mailbox rows were rebuilt; failures are logged, as above. */
  async mailboxesRefreshed(orgId: string): Promise<void> {
    for (const p of this.participants) {
      try {
        await p.onMailboxesRefreshed?.(orgId);
      } catch (error) {
        this.logger.warn({ orgId, err: error }, 'mailbox refresh not handled');
      }
    }
  }

  /** Tells every feature a member's mail folders moved; failures are logged, as above. */
  async mailFoldersMoved(orgId: string, roxUserId: string): Promise<void> {
    for (const p of this.participants) {
      try {
        await p.onMailFoldersMoved?.(orgId, roxUserId);
      } catch (error) {
        this.logger.warn({ orgId, roxUserId, err: error }, 'mail folder move not handled');
      }
    }
  }

  /** The head of an org's change feed, from the feature that owns it; null when none does. */
  async feedHead(feed: ChangeFeed, orgId: string): Promise<string | null> {
    for (const p of this.participants) {
      const head = p.changeFeeds?.[feed];
      if (head) return head(orgId);
    }
    return null;
  }

  /**
   * Tells every feature that an org's feed moved. Call it after the commit; a failing
   * participant is logged, not rethrown: the entries stand and the feed can always be read.
   */
  async feedChanged(orgId: string, feed: ChangeFeed): Promise<void> {
    for (const p of this.participants) {
      try {
        await p.onFeedChanged?.(orgId, feed);
      } catch (error) {
        this.logger.warn({ orgId, feed, err: error }, 'feed change not handled');
      }
    }
  }

  /**
   * Runs `work` (a job that may append to the feed) and calls `feedChanged` if the feed's head
   * moved meanwhile, whether the work succeeded or not (a failed round keeps its committed
   * pages). Another job of the org moving the head counts too: a spare notice, never a lost one.
   */
  async watchFeed<T>(orgId: string, feed: ChangeFeed, work: () => Promise<T>): Promise<T> {
    const before = await this.feedHead(feed, orgId);
    try {
      return await work();
    } finally {
      try {
        const after = await this.feedHead(feed, orgId);
        if (after !== before) await this.feedChanged(orgId, feed);
      } catch (error) {
        this.logger.warn({ orgId, feed, err: error }, 'feed head not read');
      }
    }
  }

  /** Every feature's notes on the members' channels of one kind. */
  async channelNotices(
    orgId: string,
    kind: NoticeChannelKind,
    roxUserIds: readonly string[],
  ): Promise<ChannelNotice[]> {
    if (roxUserIds.length === 0) return [];
    const notices: ChannelNotice[] = [];
    for (const p of this.participants) {
      if (p.channelNotices) notices.push(...(await p.channelNotices(orgId, kind, roxUserIds)));
    }
    return notices;
  }

  /** What every feature keeps fresh among the members' channels of one kind (see ChannelCoverage). */
  async coveredChannels(
    orgId: string,
    kind: NoticeChannelKind,
    roxUserIds: readonly string[],
  ): Promise<ChannelCoverage> {
    const covered: CoveredChannel[] = [];
    if (roxUserIds.length > 0) {
      for (const p of this.participants) {
        if (p.coveredChannels) covered.push(...(await p.coveredChannels(orgId, kind, roxUserIds)));
      }
    }
    return new ChannelCoverage(covered);
  }

  /** The section from the feature that fills it, or null when none does. */
  async statusSection<K extends keyof OrgwideStatus>(
    key: K,
    orgId: string,
  ): Promise<OrgwideStatus[K] | null> {
    for (const p of this.participants) {
      const section = p.statusSections?.[key];
      if (section) return section(orgId);
    }
    return null;
  }
}
