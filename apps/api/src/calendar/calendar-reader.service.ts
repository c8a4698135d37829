import { Injectable } from '@nestjs/common';

import {
  type CalendarChangePage,
  type CalendarChangesQuery,
  type CalendarChannelStatus,
  type CalendarChannelStatusPage,
  type CalendarEvent as CalendarEventContract,
  type CalendarEventPage,
  type CalendarWriteTimeZone,
  type ListCalendarEventsQuery,
  type MyCalendarSync,
  type PageQuery,
} from '@rox365/contracts';

import { type Mailbox } from '../mailboxes/entities/mailbox.entity';
import { MailboxRepository } from '../mailboxes/mailbox.repository';
import { type Caller } from '../platform/auth/caller';
import {
  CURSOR_KEY_SEPARATOR,
  decodeCursor,
  instantAndId,
  keysetPage,
} from '../platform/http/keyset-page';
import { LifecycleRegistry } from '../platform/lifecycle/lifecycle-registry.service';
import { SyncErrorCode } from '../platform/sync/sync.errors';
import { Clock } from '../platform/time/clock';
import { CalendarScopeService, isCalendarTarget } from './calendar-scope.service';
import { RECENT_EVENTS } from './calendar.constants';
import { CalendarError, CalendarErrorCode } from './calendar.errors';
import { toCalendarEventContract } from './calendar.mapper';
import { CalendarRepository, type EventWithCopies } from './calendar.repository';
import { type CalendarChannel } from './entities/calendar-channel.entity';

const EVENTS_LIST = 'calendar-events';
const CHANNELS_LIST = 'calendar-channels';

/** Calendar reads for the API: events in a range, the org change feed, channel status. */
@Injectable()
export class CalendarReader {
  constructor(
    private readonly repo: CalendarRepository,
    private readonly mailboxes: MailboxRepository,
    private readonly clock: Clock,
    private readonly scope: CalendarScopeService,
    private readonly lifecycle: LifecycleRegistry,
  ) {}

  /** A member's events overlapping [from, to). Members read only their own. */
  async memberEvents(
    caller: Caller,
    roxUserId: string,
    query: ListCalendarEventsQuery,
  ): Promise<CalendarEventPage> {
    if (caller.role === 'member' && caller.roxUserId !== roxUserId) {
      throw new CalendarError(
        CalendarErrorCode.CALENDAR_MEMBER_NOT_FOUND,
        'not_found',
        'No such member calendar.',
      );
    }
    const key = decodeCursor(EVENTS_LIST, query.cursor);
    const keyset = key === undefined ? null : instantAndId(key, CURSOR_KEY_SEPARATOR);
    const after = keyset ? { startAt: keyset.at, id: keyset.id } : null;
    const rows = await this.repo.memberEvents(
      caller.orgId,
      roxUserId,
      { from: new Date(query.from), to: new Date(query.to) },
      after,
      query.limit + 1,
    );
    // The page is read only while the member has a mailbox row, so a page with any event proves
    // the member; the check of its own (a query every read paid) is left for the empty page.
    if (rows.length === 0 && !(await this.mailboxes.exists(caller.orgId, roxUserId))) {
      throw new CalendarError(
        CalendarErrorCode.CALENDAR_MEMBER_NOT_FOUND,
        'not_found',
        'No such member.',
      );
    }
    const page = keysetPage(rows, query.limit, EVENTS_LIST, (e) =>
      [e.event.startAt.toISOString(), e.event.id].join(CURSOR_KEY_SEPARATOR),
    );
    return { items: page.items.map(toContract), nextCursor: page.nextCursor };
  }

  /**
   * The org's change feed after the cursor (a sequence number), in commit order. The cursor
   * always comes back, so a reader polls with the last one it got and never skips a change.
   */
  async changes(orgId: string, query: CalendarChangesQuery): Promise<CalendarChangePage> {
    const after = query.cursor ?? '0';
    const rows = await this.repo.changesAfter(orgId, after, query.limit + 1);
    const items = rows.slice(0, query.limit);
    return {
      items: items.map((r) => ({
        sequence: r.sequence,
        change: r.change,
        eventId: r.eventId,
        at: r.at.toISOString(),
        event: r.event ? toContract(r.event) : null,
      })),
      nextCursor: items.length > 0 ? String(items[items.length - 1]?.sequence) : after,
      hasMore: rows.length > query.limit,
    };
  }

  /** Every member's calendar channel (admin console), keyset-paged by member id. */
  async channels(orgId: string, query: PageQuery): Promise<CalendarChannelStatusPage> {
    const after = decodeCursor(CHANNELS_LIST, query.cursor);
    const rows = await this.mailboxes.batch(orgId, after, query.limit + 1);
    const page = keysetPage(rows, query.limit, CHANNELS_LIST, (m) => m.roxUserId);
    const ids = page.items.map((m) => m.roxUserId);
    const channels = new Map(
      (await this.repo.listChannels(orgId, ids)).map((c) => [c.roxUserId, c]),
    );
    const counts = await this.repo.linkCounts(orgId, ids);
    const restricted = await this.scope.statusRestrictedUsers(orgId);
    const notices = await this.notices(orgId, ids);
    return {
      items: page.items.map((m) =>
        withNotice(
          this.status(
            m,
            channels.get(m.roxUserId) ?? null,
            counts.get(m.roxUserId) ?? 0,
            restricted,
          ),
          notices.get(m.roxUserId),
        ),
      ),
      nextCursor: page.nextCursor,
    };
  }

  /** One member's calendar channel, for the console's per-member details. */
  async channel(orgId: string, roxUserId: string): Promise<CalendarChannelStatus> {
    const mailbox = await this.mailboxes.findPlainRow(orgId, roxUserId);
    if (!mailbox) {
      throw new CalendarError(
        CalendarErrorCode.CALENDAR_MEMBER_NOT_FOUND,
        'not_found',
        'No such member.',
      );
    }
    const { channel, eventCount } = await this.repo.channelWithCount(orgId, roxUserId);
    return withNotice(
      this.status(mailbox, channel, eventCount, await this.scope.statusRestrictedUsers(orgId)),
      (await this.notices(orgId, [roxUserId])).get(roxUserId),
    );
  }

  // Other features' notes (e.g. change notifications degraded), by member.
  private async notices(orgId: string, roxUserIds: string[]): Promise<Map<string, string>> {
    const notices = await this.lifecycle.channelNotices(orgId, 'calendar', roxUserIds);
    return new Map(notices.map((n) => [n.roxUserId, n.code]));
  }

  /** "My sync status": the caller's calendar channel and the last events synced. */
  async mine(caller: Caller): Promise<MyCalendarSync> {
    const mailbox = await this.mailboxes.findPlainRow(caller.orgId, caller.roxUserId);
    if (!mailbox) {
      throw new CalendarError(
        CalendarErrorCode.CALENDAR_MEMBER_NOT_FOUND,
        'not_found',
        'You are not a member of this org.',
      );
    }
    const { channel, eventCount: count } = await this.repo.channelWithCount(
      caller.orgId,
      caller.roxUserId,
    );
    const recent = await this.repo.recentMemberEvents(
      caller.orgId,
      caller.roxUserId,
      RECENT_EVENTS,
    );
    return {
      channel: withNotice(
        this.status(mailbox, channel, count, await this.scope.statusRestrictedUsers(caller.orgId)),
        (await this.notices(caller.orgId, [caller.roxUserId])).get(caller.roxUserId),
      ),
      recentEvents: recent.map(toContract),
    };
  }

  /** stage, status, reason, next action, last success and cursor age of one channel. */
  status(
    mailbox: Mailbox,
    channel: CalendarChannel | null,
    eventCount: number,
    restricted: ReadonlySet<string>,
  ): CalendarChannelStatus {
    const now = this.clock.now();
    const base = {
      roxUserId: mailbox.roxUserId,
      email: mailbox.email,
      inScope: isCalendarTarget(mailbox, restricted),
      level: mailbox.calendarEffective,
      stage: channel?.stage ?? 'never',
      lastSuccessAt: channel?.lastSyncAt?.toISOString() ?? null,
      cursorAgeHours: channel?.cursorAt
        ? Math.round(((now.getTime() - channel.cursorAt.getTime()) / 3_600_000) * 10) / 10
        : null,
      window:
        channel?.windowStart && channel.windowEnd
          ? { start: channel.windowStart.toISOString(), end: channel.windowEnd.toISOString() }
          : null,
      eventCount,
      lastCounts: channel?.lastCounts ?? { added: 0, updated: 0, removed: 0, total: 0 },
      writeTimeZone: writeTimeZone(mailbox, channel),
    };
    if (!base.inScope) {
      return {
        ...base,
        status: 'not_in_scope',
        reason: mailbox.calendarReason,
        nextAction: mailbox.calendarNextAction,
      };
    }
    const code = channel?.lastErrorCode ?? null;
    switch (code) {
      case CalendarErrorCode.CALENDAR_BLOCKED_BY_ACCESS_POLICY:
        return {
          ...base,
          status: 'blocked_by_access_policy',
          reason: 'Exchange’s application access policy keeps Rox out of this mailbox.',
          nextAction:
            'Add the mailbox to the access-policy group (Settings → access-policy script); sync resumes by itself.',
        };
      case CalendarErrorCode.CALENDAR_NO_MAILBOX:
        return {
          ...base,
          status: 'no_mailbox',
          reason: 'The Microsoft 365 user has no Exchange Online mailbox.',
          nextAction: 'Give the user an Exchange Online licence; sync resumes by itself.',
        };
      case CalendarErrorCode.CALENDAR_GRAPH_THROTTLED:
        if (channel?.stage !== 'ok')
          return {
            ...base,
            status: 'throttled',
            reason: 'Microsoft Graph is throttling this mailbox.',
            nextAction: channel?.retryAt
              ? `Nothing: it resumes after ${channel.retryAt.toISOString()}.`
              : 'Nothing: it resumes by itself.',
          };
        break;
      case SyncErrorCode.SYNC_JOB_STALE:
        if (channel?.stage !== 'ok')
          return {
            ...base,
            status: 'stale',
            reason: 'The last sync stopped without finishing; it was queued again.',
            nextAction: null,
          };
        break;
      default:
        break;
    }
    switch (channel?.stage ?? 'never') {
      case 'never':
      case 'queued':
        return { ...base, status: 'pending', reason: code, nextAction: null };
      case 'running':
        return { ...base, status: 'syncing', reason: null, nextAction: null };
      case 'ok':
        return { ...base, status: 'ok', reason: null, nextAction: null };
      case 'failed':
        return {
          ...base,
          status: 'failed',
          reason: code,
          nextAction: 'Check the mailbox and the org-wide grant, then wait for the next cycle.',
        };
    }
  }
}

/**
 * The zone Rox writes the mailbox's events in, as the last read of its mailbox settings found it,
 * with what to do when that is UTC instead of the mailbox's own (the writes themselves succeed).
 */
export function writeTimeZone(
  mailbox: Pick<Mailbox, 'route'>,
  channel: CalendarChannel | null,
): CalendarWriteTimeZone | null {
  if (!channel?.writeZone || !channel.writeZoneCheckedAt) return null;
  const base = { zone: channel.writeZone, checkedAt: channel.writeZoneCheckedAt.toISOString() };
  switch (channel.writeZoneIssue) {
    case 'mailbox_time_zone_unavailable':
      return {
        ...base,
        issue: 'mailbox_time_zone_unavailable',
        reason:
          'Microsoft 365 did not let Rox read this mailbox’s time zone (its mailbox settings), so the events Rox writes carry UTC as their time zone: the times are right, but Outlook shows them as UTC meetings.',
        nextAction:
          mailbox.route === 'individual'
            ? 'Connect Outlook Calendar again: the new sign-in asks for “Read your mailbox settings”. Later writes read the zone again.'
            : 'Grant admin consent again so Rox holds MailboxSettings.Read (the permission report lists it as missing). Later writes read the zone again.',
      };
    case 'mailbox_time_zone_unconvertible':
      return {
        ...base,
        issue: 'mailbox_time_zone_unconvertible',
        reason:
          'The mailbox uses a custom or unknown time zone that Rox cannot convert, so the events Rox writes carry UTC as their time zone.',
        nextAction:
          'Ask the member to choose a standard time zone in Outlook (Settings → Calendar); later writes read it again.',
      };
    default:
      return { ...base, issue: null, reason: null, nextAction: null };
  }
}

const toContract = (e: EventWithCopies): CalendarEventContract =>
  toCalendarEventContract(e.event, e.copies);

/** A channel in scope with no reason of its own shows another feature's note instead. */
function withNotice(
  status: CalendarChannelStatus,
  notice: string | undefined,
): CalendarChannelStatus {
  if (!notice || !status.inScope || status.reason !== null) return status;
  return { ...status, reason: notice };
}
