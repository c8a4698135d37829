import { Injectable, Logger } from '@nestjs/common';

import {
  calendarViewDeltaPages,
  getEvent,
  isNotFound,
  listEventInstances,
  type BoundGraphClient,
  type CalendarGraphEvent,
  type DeltaPage,
} from '@rox365/graph-client';

import { AppConfig } from '../config/app-config';
import { MailboxAccess } from '../consent/mailbox-access.service';
import { MailboxRepository } from '../mailboxes/mailbox.repository';
import { hasRestrictedParticipant, restrictionLists } from '../mailboxes/participant-restrictions';
import { Cipher } from '../platform/crypto/cipher.service';
import { DeltaSyncEngine, type SyncOutcome } from '../platform/sync/delta-sync-engine.service';
import { fail, forgetCursor, type PageCounts } from '../platform/sync/sync-channel';
import { Clock } from '../platform/time/clock';
import { CALENDAR_DELTA_OPTIONS, isCalendarCursorUsable } from './calendar-delta';
import { classifyCalendarFailure } from './calendar-failure';
import { CalendarScopeService, isCalendarTarget } from './calendar-scope.service';
import { windowAround } from './calendar-time';
import { CALENDAR_CHANNEL_KIND, WINDOW_FUTURE_DAYS, WINDOW_PAST_DAYS } from './calendar.constants';
import { CalendarError, restrictionsChanged } from './calendar.errors';
import {
  eventParticipants,
  seriesFieldsOf,
  seriesParticipants,
  toEventCopy,
  type EventCopy,
} from './calendar.mapper';
import { CalendarRepository, type CalendarPageInput, type SyncWindow } from './calendar.repository';
import { type SeriesFields } from './entities/calendar-series.entity';

/** The column event bodies are sealed under (registered for re-encryption). */
export const EVENT_BODY_CONTEXT = 'calendar_event.body_sealed';

/**
 * One mailbox's calendar pull (Outlook → Rox) on platform/sync's delta-round engine:
 * calendarView delta over the channel's window (UTC, immutable ids, maxpagesize on every page),
 * occurrences hydrated from their series master (fetched at most once per series and round),
 * copies deduped into Rox events, full rounds reconciled by set difference inside the window.
 */
@Injectable()
export class CalendarSyncService {
  private readonly logger = new Logger('calendar');

  constructor(
    private readonly repo: CalendarRepository,
    private readonly mailboxes: MailboxRepository,
    private readonly access: MailboxAccess,
    private readonly engine: DeltaSyncEngine,
    private readonly cipher: Cipher,
    private readonly clock: Clock,
    private readonly config: AppConfig,
    private readonly scope: CalendarScopeService,
  ) {}

  /**
   * Job body. Null when the mailbox's calendar is not in scope (nothing is called; the org
   * cycle purges what it held).
   */
  async sync(
    orgId: string,
    roxUserId: string,
    options: { isFinalAttempt?: boolean } = {},
  ): Promise<SyncOutcome | null> {
    const mailbox = await this.mailboxes.find(orgId, roxUserId);
    const appliedAt = await this.mailboxes.restrictionsAppliedAt(orgId, 'calendar');
    const rules = await this.scope.restrictions(orgId);
    // Out of scope since the job was queued: nothing is called (the org cycle purges it).
    if (!mailbox || !isCalendarTarget(mailbox, rules.addresses)) return null;
    // Each page, and the round's last commit, checks no purge applied other lists since.
    const lists = { ...restrictionLists(rules), appliedAt };
    const channel = await this.repo.channel(orgId, roxUserId);
    if (channel.directoryUserId !== mailbox.directoryUserId) {
      // Another Microsoft 365 user behind the member: start over.
      forgetCursor(channel);
      channel.directoryUserId = mailbox.directoryUserId;
    }
    let grant: { client: BoundGraphClient; ownerPath: string };
    try {
      grant = await this.access.forMailbox(orgId, {
        roxUserId,
        directoryUserId: mailbox.directoryUserId,
        kind: 'calendar',
      });
    } catch (error) {
      const failure = classifyCalendarFailure(error);
      fail(channel, failure.code, this.clock.now(), false);
      await this.repo.saveChannel(channel);
      throw failure.error;
    }
    const { client, ownerPath } = grant;
    const graphOrigin = new URL(this.config.microsoft.graphBaseUrl).origin;
    const seal = (plain: string) => this.cipher.encrypt(plain, EVENT_BODY_CONTEXT, orgId);
    const prefer = CALENDAR_DELTA_OPTIONS;

    // A full round opens a new window; an incremental one keeps the token's.
    let roundWindow: SyncWindow = storedWindow(channel) ?? this.newWindow();
    // Masters fetched this round (null: the series is gone), so each is fetched at most once.
    const fetched = new Map<string, CalendarGraphEvent | null>();

    const applyPage = async (
      page: DeltaPage<CalendarGraphEvent>,
      round: number,
    ): Promise<PageCounts> => {
      const now = this.clock.now();
      const inPage = new Map<string, CalendarGraphEvent>();
      for (const item of page.items) if (item.type === 'seriesMaster') inPage.set(item.id, item);
      const needed = new Set<string>();
      for (const item of page.items) {
        if (
          (item.type === 'occurrence' || item.type === 'exception') &&
          item.seriesMasterId &&
          !inPage.has(item.seriesMasterId)
        )
          needed.add(item.seriesMasterId);
      }
      const stored = await this.repo.seriesByIds(orgId, roxUserId, [...needed]);
      const seriesOf = new Map<string, SeriesFields>();
      for (const [id, row] of stored) seriesOf.set(id, row.fields);
      for (const id of needed) {
        if (seriesOf.has(id)) continue;
        if (!fetched.has(id)) {
          try {
            fetched.set(id, await getEvent(client, ownerPath, id, { timeZone: 'UTC' }));
          } catch (error) {
            // The series is gone: its orphans are dropped, the round goes on.
            if (!isNotFound(error)) throw error;
            fetched.set(id, null);
          }
        }
        const master = fetched.get(id);
        if (master) inPage.set(id, master);
      }
      // A restricted participant (domain or user) keeps an item out entirely, as in mail: a
      // stored copy of it goes like a removal, and a restricted master is not kept either.
      const restricted: string[] = [];
      const masters: CalendarPageInput['masters'] = [];
      for (const m of inPage.values()) {
        const fields = seriesFieldsOf(m, seal);
        seriesOf.set(m.id, fields);
        if (hasRestrictedParticipant(seriesParticipants(fields), rules)) restricted.push(m.id);
        else masters.push({ graphId: m.id, changeKey: m.changeKey ?? etagKey(m), fields });
      }
      const copies: EventCopy[] = [];
      for (const item of page.items) {
        if (item.type === 'seriesMaster') continue;
        const series = item.seriesMasterId ? (seriesOf.get(item.seriesMasterId) ?? null) : null;
        // An occurrence without its master cannot be told apart from others: drop it.
        if ((item.type === 'occurrence' || item.type === 'exception') && !series) continue;
        if (hasRestrictedParticipant(eventParticipants(item, series), rules)) {
          restricted.push(item.id);
          continue;
        }
        copies.push(toEventCopy(item, series, seal));
      }
      const result = await this.repo.applyPage(
        orgId,
        roxUserId,
        {
          masters,
          copies,
          removedIds: [...page.removed.map((r) => r.id), ...restricted],
          restrictions: lists,
        },
        roundWindow,
        round,
        now,
      );
      // A changed master: its instances are read again, and links Graph no longer lists go
      // (a deleted occurrence may produce no @removed at all).
      for (const master of result.changedMasters) {
        const instances = await listEventInstances(
          client,
          ownerPath,
          master.graphId,
          roundWindow,
          prefer,
        );
        result.removed += await this.repo.reconcileSeries(
          orgId,
          roxUserId,
          master,
          instances.map((i) => i.id),
          roundWindow,
          this.clock.now(),
        );
      }
      return { added: result.added, updated: result.updated, removed: result.removed };
    };

    return this.engine.run(
      {
        key: { orgId, kind: CALENDAR_CHANNEL_KIND, mailboxKey: roxUserId },
        state: channel,
        saveState: (s) => this.repo.saveChannel(s),
        pages: (cursor) => {
          if (cursor === null) roundWindow = this.newWindow();
          return calendarViewDeltaPages(
            client,
            ownerPath,
            cursor === null ? { window: roundWindow } : { deltaLink: cursor },
            prefer,
          );
        },
        applyPage,
        reconcile: async (round) => {
          const removed = await this.repo.reconcile(
            orgId,
            roxUserId,
            round,
            roundWindow,
            this.clock.now(),
          );
          // The completed full round's window is the one its deltaLink carries.
          channel.windowStart = roundWindow.start;
          channel.windowEnd = roundWindow.end;
          return removed;
        },
        count: () => this.repo.countLinks(orgId, roxUserId),
        isCursorUsable: (cursor, cursorAt, now) =>
          isCalendarCursorUsable(
            { windowEnd: channel.windowEnd, cursorAt },
            cursor,
            now,
            graphOrigin,
          ),
        classifyFailure: (error) => classifyCalendarFailure(error),
        beforeCommit: async () => {
          // Lists changed during the round: the cycle's purge reset the cursor for a full round
          // with the new ones, which this round's cursor must not overwrite.
          if (!(await this.mailboxes.restrictionsStillApply(orgId, 'calendar', lists)))
            throw restrictionsChanged();
          // Saved with the state right after (the engine's success save).
          channel.retryAt = null;
        },
        reloadState: (s) => this.repo.reloadChannel(s),
        onFailed: async (failure) => {
          const wait =
            failure.error instanceof CalendarError ? failure.error.retryAfterMs : undefined;
          if (wait !== undefined) {
            channel.retryAt = new Date(this.clock.now().getTime() + wait);
            await this.repo.saveChannel(channel);
          }
          this.logger.warn({ orgId, roxUserId, code: failure.code }, 'calendar sync failed');
        },
      },
      options,
    );
  }

  private newWindow(): SyncWindow {
    return windowAround(this.clock.now(), WINDOW_PAST_DAYS, WINDOW_FUTURE_DAYS);
  }
}

function storedWindow(channel: {
  windowStart: Date | null;
  windowEnd: Date | null;
}): SyncWindow | null {
  return channel.windowStart && channel.windowEnd
    ? { start: channel.windowStart, end: channel.windowEnd }
    : null;
}

function etagKey(event: CalendarGraphEvent): string | null {
  const match = event['@odata.etag'] ? /^W\/"(.*)"$/.exec(event['@odata.etag']) : null;
  return match?.[1] ?? null;
}
