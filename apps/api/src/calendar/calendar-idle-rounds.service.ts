import { Injectable, Logger } from '@nestjs/common';

import { calendarDeltaHeaders, mailboxKeyOf } from '@rox365/graph-client';

import { AppConfig } from '../config/app-config';
import { ConnectionReader } from '../consent/connection-reader.service';
import { MailboxAccess } from '../consent/mailbox-access.service';
import { type Mailbox } from '../mailboxes/entities/mailbox.entity';
import { LifecycleRegistry } from '../platform/lifecycle/lifecycle-registry.service';
import {
  batchItemUrl,
  DeltaSyncEngine,
  type IdleDeltaChannel,
  type IdleRoundStore,
} from '../platform/sync/delta-sync-engine.service';
import { isOwnChannelSettleable } from '../platform/sync/sync-channel';
import { Clock } from '../platform/time/clock';
import { CALENDAR_DELTA_OPTIONS, isCalendarCursorUsable } from './calendar-delta';
import { CALENDAR_CHANNEL_KIND } from './calendar.constants';
import { CalendarRepository } from './calendar.repository';
import { type CalendarChannel } from './entities/calendar-channel.entity';

/**
 * The org cycle's pre-pass: the idle incremental rounds of the org's calendars as `$batch`es of
 * 20 stored deltaLinks over the org-wide app (platform/sync's `idleRounds`), instead of one job
 * and one request per mailbox. Offered are channels whose last round succeeded, whose cursor the
 * job would resume and which address the member's mailbox as `/users/{id}`; members reached
 * through their own (delegated) connection have a `/me` token each and keep their own jobs.
 *
 * A candidate another feature keeps fresh (healthy change notifications) is settled without a
 * request until its safety interval since the last committed round has passed.
 */
@Injectable()
export class CalendarIdleRounds {
  private readonly logger = new Logger('calendar');

  constructor(
    private readonly repo: CalendarRepository,
    private readonly connections: ConnectionReader,
    private readonly access: MailboxAccess,
    private readonly engine: DeltaSyncEngine,
    private readonly clock: Clock,
    private readonly config: AppConfig,
    private readonly lifecycle: LifecycleRegistry,
  ) {}

  /**
   * Runs the idle rounds it can for these (due, in-scope) mailboxes. Returns the members whose
   * round needs no job: committed from the batch, already taken over by their running job, or
   * covered and not yet due for their safety poll.
   */
  async run(orgId: string, mailboxes: readonly Mailbox[]): Promise<Set<string>> {
    if (mailboxes.length === 0) return new Set();
    // Without the org-wide connection every mailbox is reached with its member's own token:
    // none joins a $batch, but one its own subscription keeps fresh is settled until its
    // safety poll.
    const isOrgwide = (await this.connections.connection(orgId)) !== null;
    const channels = new Map(
      (
        await this.repo.listChannels(
          orgId,
          mailboxes.map((m) => m.roxUserId),
        )
      ).map((c) => [c.roxUserId, c]),
    );
    const now = this.clock.now();
    const graphOrigin = new URL(this.config.microsoft.graphBaseUrl).origin;
    const candidates = mailboxes.flatMap((mailbox) => {
      const channel = channels.get(mailbox.roxUserId);
      const isCandidate = isOrgwide ? isIdleCandidate : isOwnIdleCandidate;
      return channel && isCandidate(channel, mailbox, now, graphOrigin) ? [channel] : [];
    });
    const coverage = await this.lifecycle.coveredChannels(
      orgId,
      'calendar',
      candidates.map((c) => c.roxUserId),
    );
    const covered = new Set<string>();
    const offered: CalendarChannel[] = [];
    for (const channel of candidates) {
      if (coverage.defers(channel, now)) covered.add(channel.roxUserId);
      else if (isOrgwide) offered.push(channel);
    }
    if (offered.length === 0) {
      if (covered.size > 0)
        this.logger.log({ orgId, covered: covered.size }, 'calendar idle rounds');
      return covered;
    }

    const { client } = await this.access.forOrg(orgId);
    const results = await this.engine.idleRounds(
      client,
      offered.map((c) => this.idleChannel(c)),
      this.store(orgId),
    );
    const done = new Set<string>(covered);
    const fallbacks: Record<string, number> = {};
    results.forEach((result, i) => {
      const roxUserId = offered[i]?.roxUserId;
      if (roxUserId === undefined) return;
      if (result.kind !== 'fallback') done.add(roxUserId);
      else fallbacks[result.reason] = (fallbacks[result.reason] ?? 0) + 1;
    });
    this.logger.log(
      { orgId, covered: covered.size, offered: offered.length, done: done.size, fallbacks },
      'calendar idle rounds',
    );
    return done;
  }

  private idleChannel(channel: CalendarChannel): IdleDeltaChannel<CalendarChannel> {
    const { orgId, roxUserId } = channel;
    return {
      key: { orgId, kind: CALENDAR_CHANNEL_KIND, mailboxKey: roxUserId },
      state: channel,
      // The same Prefer every page of the channel's own rounds sends (IdType added by the client).
      headers: calendarDeltaHeaders(CALENDAR_DELTA_OPTIONS),
    };
  }

  // A batch's channels are keyed by member (mailboxKey is the roxUserId).
  private store(orgId: string): IdleRoundStore<CalendarChannel> {
    const members = (channels: readonly IdleDeltaChannel<CalendarChannel>[]) =>
      channels.map((c) => c.state.roxUserId);
    return {
      lockStored: (channels) => this.repo.lockChannelsProgress(orgId, members(channels)),
      counts: (channels) => this.repo.linkCounts(orgId, members(channels)),
      saveStates: (channels) => this.repo.saveChannels(channels.map((c) => c.state)),
    };
  }
}

/**
 * A channel whose next round may be read in a batch: its last round succeeded, it still reads
 * the member's mailbox, its cursor is one the job would resume, and it names that mailbox.
 */
export function isIdleCandidate(
  channel: CalendarChannel,
  mailbox: Mailbox,
  now: Date,
  graphOrigin: string,
): boolean {
  if (channel.stage !== 'ok' || channel.cursor === null || mailbox.directoryUserId === null)
    return false;
  if (channel.directoryUserId !== mailbox.directoryUserId) return false;
  if (!isCalendarCursorUsable(channel, channel.cursor, now, graphOrigin)) return false;
  const url = batchItemUrl(channel.cursor);
  return url !== null && mailboxKeyOf(url) === `users/${mailbox.directoryUserId.toLowerCase()}`;
}

/** A member's own calendar that its subscription may settle: synced, cursor and window current. */
export function isOwnIdleCandidate(
  channel: CalendarChannel,
  mailbox: Mailbox,
  now: Date,
  graphOrigin: string,
): boolean {
  return isOwnChannelSettleable(mailbox, channel, (cursor) =>
    isCalendarCursorUsable(channel, cursor, now, graphOrigin),
  );
}
