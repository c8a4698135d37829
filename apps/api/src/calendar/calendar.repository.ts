import { randomUUID } from 'node:crypto';

import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';

import { openSyncPage, type JudgedRestrictions } from '../mailboxes/mailbox.repository';
import { entityColumns, plainRows } from '../platform/database/plain-rows';
import { preparedRows } from '../platform/database/prepared';
import { purgeTriggerKept } from '../platform/database/trigger-kept';
import { type PageCounts, type SyncStage } from '../platform/sync/sync-channel';
import { CalendarError, CalendarErrorCode, restrictionsChanged } from './calendar.errors';
import { fieldsDiffer, type EventCopy } from './calendar.mapper';
import { CalendarChangeEntry } from './entities/calendar-change.entity';
import { CalendarChannel } from './entities/calendar-channel.entity';
import { CalendarEventLink } from './entities/calendar-event-link.entity';
import { CalendarEvent, type ListedEvent } from './entities/calendar-event.entity';
import { CalendarOrgState } from './entities/calendar-org-state.entity';
import { CalendarSeries, type SeriesFields } from './entities/calendar-series.entity';
import { CalendarWrite } from './entities/calendar-write.entity';

type Change = 'created' | 'updated' | 'deleted';

/** One mailbox's copy of an event, as the API shows it. */
export interface EventCopyView {
  roxUserId: string;
  isOrganizer: boolean;
  response: string | null;
}

/** A stored event (plain row) with every mailbox's copy of it, in member order. */
export interface EventWithCopies {
  event: ListedEvent;
  copies: EventCopyView[];
}

/** One entry of the org's calendar change feed, with its event as it is now. */
export interface FeedEntry {
  sequence: string;
  eventId: string;
  change: Change;
  at: Date;
  event: EventWithCopies | null;
}

/** A window the channel's delta token covers. */
export interface SyncWindow {
  start: Date;
  end: Date;
}

/** What one delta page brings for one mailbox. */
export interface CalendarPageInput {
  masters: { graphId: string; changeKey: string | null; fields: SeriesFields }[];
  copies: EventCopy[];
  removedIds: string[];
  /** Rox event ids chosen before the copy existed (a create from Rox), by Graph id. */
  newEventIds?: ReadonlyMap<string, string>;
  /** The restricted lists the page's items were judged with (checked at commit). */
  restrictions?: JudgedRestrictions;
}

/**
 * The result of applying a page: counts, and masters whose changeKey moved. Their rows keep the
 * old changeKey until `reconcileSeries` stores the new one, so a round that fails between the two
 * (the instances unread) finds the change again when the page is replayed.
 */
export interface CalendarPageResult extends PageCounts {
  changedMasters: { graphId: string; changeKey: string | null }[];
  /** The Rox event each copy of the page belongs to now, by Graph id. */
  eventIds: Map<string, string>;
}

// Lists go to SQL as one JSON parameter (the query builder would expand an array into a list).
const TEXT_LIST = `array(select json_array_elements_text(?::json))`;
const UUID_LIST = `array(select json_array_elements_text(?::json)::uuid)`;
const list = (values: readonly string[]) => JSON.stringify(values);

// Every mailbox's copy of the event `e`, in member order, as one JSON array of
// [roxUserId, isOrganizer, response]: the reads answer an event with its copies in one statement.
// The columns the API's event reads return: not body_sealed, a sealed invitation body of several
// KB that no read shows (fetching and parsing it was most of a feed page's cost with real bodies,
// docs/operations.md, "Reads at scale").
const LISTED_COLUMNS_OF_E = `e.id, e.org_id, e.dedupe_key, e.i_cal_uid, e.series_ical_uid, e.original_start,
  e.kind, e.is_cancelled, e.is_private, e.is_all_day, e.start_at, e.end_at, e.start_date, e.end_date,
  e.time_zone, e.subject, e.location, e.join_url, e.show_as, e.organizer, e.attendees,
  e.is_from_organizer, e.updated_at`;

const COPIES_OF_E = `coalesce((select json_agg(json_build_array(x.rox_user_id, x.is_organizer, x.response)
    order by x.rox_user_id) from calendar_event_link x where x.org_id = e.org_id and x.event_id = e.id),
    '[]') as rox_copies`;

// One lock per org for the change feed: sequences are taken in commit order within an org.
const FEED_LOCK_SQL = `select pg_advisory_xact_lock(hashtext('calendar_change:' || ?))`;

// One lock per mailbox, taken first by every transaction that writes that mailbox's copies. Its
// copy count (calendar_link_count, kept by triggers) is locked by the first copy written, while
// the event rows and the feed lock come in between or after, in an order that differs between a
// page write and a removal: two writers of one mailbox (its round and a write from Rox) could
// each hold what the other waits for. With this lock they run one after the other.
export const MAILBOX_LINKS_LOCK_SQL = `select pg_advisory_xact_lock(hashtext('calendar_links:' || ? || ':' || ?))`;

/** Every query of the calendar feature. */
@Injectable()
export class CalendarRepository {
  constructor(private readonly em: EntityManager) {}

  // ---- channels ------------------------------------------------------------------------------

  async channel(orgId: string, roxUserId: string): Promise<CalendarChannel> {
    return (
      (await this.em.findOne(CalendarChannel, { orgId, roxUserId })) ??
      new CalendarChannel(orgId, roxUserId)
    );
  }

  /** The stored row read into `channel` again (its snapshot too); false when it is gone. */
  async reloadChannel(channel: CalendarChannel): Promise<boolean> {
    return (await this.em.refresh(channel)) !== null;
  }

  async saveChannel(channel: CalendarChannel): Promise<void> {
    await this.em.persistAndFlush(channel);
  }

  /** One flush for many channels (an idle batch's commit). */
  async saveChannels(channels: readonly CalendarChannel[]): Promise<void> {
    await this.em.persistAndFlush([...channels]);
  }

  /**
   * What a read of the mailbox's time zone found, for the member's status; only those columns
   * change (a channel row the mailbox does not have yet is made for them).
   */
  async recordWriteZone(
    orgId: string,
    roxUserId: string,
    found: { zone: string; issue: string | null; checkedAt: Date },
  ): Promise<void> {
    const row = new CalendarChannel(orgId, roxUserId);
    row.writeZone = found.zone;
    row.writeZoneIssue = found.issue;
    row.writeZoneCheckedAt = found.checkedAt;
    // A fork: the caller's context may hold this channel already (the sync's own copy).
    await this.em.fork().upsert(CalendarChannel, row, {
      onConflictFields: ['orgId', 'roxUserId'],
      onConflictAction: 'merge',
      onConflictMergeFields: ['writeZone', 'writeZoneIssue', 'writeZoneCheckedAt'],
    });
  }

  listChannels(orgId: string, roxUserIds?: readonly string[]): Promise<CalendarChannel[]> {
    return this.em.find(
      CalendarChannel,
      roxUserIds ? { orgId, roxUserId: { $in: [...roxUserIds] } } : { orgId },
      { orderBy: { roxUserId: 'asc' } },
    );
  }

  /**
   * Inside a transaction: the members' channels' stored stage and cursor by member, their rows
   * locked until commit in member order (an idle batch commits only the channels nobody moved
   * meanwhile); a member without a channel row is missing.
   */
  async lockChannelsProgress(
    orgId: string,
    roxUserIds: readonly string[],
  ): Promise<Map<string, { stage: SyncStage; cursor: string | null }>> {
    if (roxUserIds.length === 0) return new Map();
    const rows = await this.em.execute<
      { rox_user_id: string; stage: SyncStage; cursor: string | null }[]
    >(
      `select rox_user_id, stage, delta_link as cursor from calendar_channel
       where org_id = ? and rox_user_id = any(${TEXT_LIST})
       order by rox_user_id for update`,
      [orgId, list(roxUserIds)],
    );
    return new Map(rows.map((r) => [r.rox_user_id, { stage: r.stage, cursor: r.cursor }]));
  }

  /** Channels running, or queued and not started, since before `before` (stale candidates). */
  channelsBusySince(before: Date, orgId: string | null = null): Promise<CalendarChannel[]> {
    return this.em.find(CalendarChannel, {
      ...(orgId === null ? {} : { orgId }),
      $or: [
        { stage: 'running', startedAt: { $lt: before } },
        { stage: 'queued', queuedAt: { $lt: before } },
      ],
    });
  }

  // ---- series masters ------------------------------------------------------------------------

  async seriesByIds(
    orgId: string,
    roxUserId: string,
    graphIds: readonly string[],
  ): Promise<Map<string, CalendarSeries>> {
    if (graphIds.length === 0) return new Map();
    const rows = await this.em.find(CalendarSeries, {
      orgId,
      roxUserId,
      graphId: { $in: [...new Set(graphIds)] },
    });
    return new Map(rows.map((r) => [r.graphId, r]));
  }

  // ---- pages ---------------------------------------------------------------------------------

  /**
   * Commits one page of one mailbox in one transaction: masters, copies (deduped into Rox
   * events by key, one link per mailbox), removals, and the feed rows of what changed. A copy
   * whose changeKey is the one stored is only marked seen: no update, no feed row.
   */
  async applyPage(
    orgId: string,
    roxUserId: string,
    page: CalendarPageInput,
    window: SyncWindow,
    round: number,
    now: Date,
  ): Promise<CalendarPageResult> {
    return this.em.transactional(async (em) => {
      // Only while the mailbox is a calendar target and the page's lists hold (openSyncPage).
      const gate = await openSyncPage(em, orgId, roxUserId, 'calendar', page.restrictions);
      if (gate === 'restrictions_changed') throw restrictionsChanged();
      if (gate === 'left_scope') {
        throw new CalendarError(
          CalendarErrorCode.CALENDAR_NOT_IN_SCOPE,
          'forbidden',
          'The mailbox left calendar sync (or the org disconnected) while its round ran; nothing of the page was stored.',
        );
      }
      await em.execute(MAILBOX_LINKS_LOCK_SQL, [orgId, roxUserId]);
      const result: CalendarPageResult = {
        added: 0,
        updated: 0,
        removed: 0,
        changedMasters: [],
        eventIds: new Map(),
      };
      const changes = new Map<string, Change>();
      const note = (eventId: string, change: Change) => {
        const before = changes.get(eventId);
        // created + updated in one page is still "created"; anything + deleted is "deleted".
        if (before === 'created' && change === 'updated') return;
        changes.set(eventId, change);
      };

      // Masters: kept for hydration; a new changeKey asks for the series to be reconciled.
      const known = await this.seriesByIdsIn(
        em,
        orgId,
        roxUserId,
        page.masters.map((m) => m.graphId),
      );
      for (const master of page.masters) {
        const row = known.get(master.graphId);
        if (row) {
          // The new changeKey is stored once the series is reconciled (reconcileSeries).
          if (row.changeKey !== master.changeKey)
            result.changedMasters.push({ graphId: master.graphId, changeKey: master.changeKey });
          row.fields = master.fields;
          row.seenRound = Math.max(row.seenRound, round);
        } else {
          const created = new CalendarSeries({
            orgId,
            roxUserId,
            graphId: master.graphId,
            fields: master.fields,
            seenRound: round,
          });
          created.changeKey = master.changeKey;
          em.persist(created);
        }
      }

      // Copies: the last copy of an id in the page wins.
      const latest = new Map<string, EventCopy>();
      for (const copy of page.copies) latest.set(copy.graphId, copy);
      const ids = [...latest.keys()];
      const links = ids.length
        ? await em.find(CalendarEventLink, { orgId, roxUserId, graphId: { $in: ids } })
        : [];
      const linkOf = new Map(links.map((l) => [l.graphId, l]));
      const keys = [...new Set([...latest.values()].map((c) => c.dedupeKey))];
      const events = keys.length
        ? await em.find(CalendarEvent, { orgId, dedupeKey: { $in: keys } })
        : [];
      const eventOf = new Map(events.map((e) => [e.dedupeKey, e]));
      const chosenIds = await this.chosenEventIds(em, orgId, roxUserId, [...latest.values()], {
        eventOf,
        ...(page.newEventIds ? { given: page.newEventIds } : {}),
      });
      const orphanCandidates = new Set<string>();

      for (const copy of latest.values()) {
        const link = linkOf.get(copy.graphId);
        let event = eventOf.get(copy.dedupeKey);
        if (link && event && link.eventId === event.id && link.changeKey === copy.changeKey) {
          // Unchanged in Outlook (e.g. replayed page): seen, nothing else.
          link.seenRound = Math.max(link.seenRound, round);
          result.eventIds.set(copy.graphId, event.id);
          continue;
        }
        if (!event) {
          event = new CalendarEvent({
            id: chosenIds.get(copy.graphId) ?? randomUUID(),
            orgId,
            dedupeKey: copy.dedupeKey,
            startAt: copy.fields.startAt,
            endAt: copy.fields.endAt,
            updatedAt: now,
          });
          Object.assign(event, copy.fields, { isFromOrganizer: copy.isOrganizer });
          em.persist(event);
          eventOf.set(copy.dedupeKey, event);
          note(event.id, 'created');
        } else if (copy.isOrganizer || !event.isFromOrganizer) {
          // The organiser's copy wins over attendees' copies of the same meeting.
          if (fieldsDiffer(event, copy.fields)) {
            Object.assign(event, copy.fields, { updatedAt: now });
            note(event.id, 'updated');
            result.updated += 1;
          } else if (copy.fields.bodySealed !== null) {
            event.bodySealed = copy.fields.bodySealed;
          }
          event.isFromOrganizer = copy.isOrganizer || event.isFromOrganizer;
        } else if (copy.fields.isCancelled && !event.isCancelled) {
          // Only the organiser cancels a meeting, and cancelling through Graph removes their own
          // copy: an attendee's copy saying so is the organiser's word, whichever round is first.
          event.isCancelled = true;
          event.updatedAt = now;
          note(event.id, 'updated');
          result.updated += 1;
        }
        result.eventIds.set(copy.graphId, event.id);
        if (link) {
          if (link.eventId !== event.id) orphanCandidates.add(link.eventId);
          link.eventId = event.id;
          link.seriesMasterId = copy.seriesMasterId;
          link.changeKey = copy.changeKey;
          link.isOrganizer = copy.isOrganizer;
          link.response = copy.response;
          link.startAt = copy.fields.startAt;
          link.eventStartAt = event.startAt;
          link.eventEndAt = event.endAt;
          link.seenRound = Math.max(link.seenRound, round);
        } else {
          const created = new CalendarEventLink({
            orgId,
            roxUserId,
            graphId: copy.graphId,
            eventId: event.id,
            startAt: copy.fields.startAt,
            seenRound: round,
            eventStartAt: event.startAt,
            eventEndAt: event.endAt,
          });
          created.seriesMasterId = copy.seriesMasterId;
          created.changeKey = copy.changeKey;
          created.isOrganizer = copy.isOrganizer;
          created.response = copy.response;
          em.persist(created);
          result.added += 1;
        }
      }
      await em.flush();
      await this.copyEventTimes(em, orgId, [...new Set([...eventOf.values()].map((e) => e.id))]);

      // A single event turned into a series keeps its id as the master: its old copy goes.
      const masterIds = page.masters.map((m) => m.graphId);
      if (masterIds.length > 0) {
        const superseded = await this.unlink(
          em,
          orgId,
          roxUserId,
          `graph_id = any(${TEXT_LIST})`,
          [list(masterIds)],
          window,
        );
        result.removed += superseded.length;
        for (const id of superseded) orphanCandidates.add(id);
      }
      // Removals: a removed master takes its instances along.
      const removedIds = page.removedIds.filter((id) => !latest.has(id));
      if (removedIds.length > 0) {
        await em.nativeDelete(CalendarSeries, { orgId, roxUserId, graphId: { $in: removedIds } });
        const gone = await this.unlink(
          em,
          orgId,
          roxUserId,
          `(graph_id = any(${TEXT_LIST}) or series_master_id = any(${TEXT_LIST}))`,
          [list(removedIds), list(removedIds)],
          window,
        );
        result.removed += gone.length;
        for (const id of gone) orphanCandidates.add(id);
      }
      for (const id of await this.deleteOrphans(em, orgId, [...orphanCandidates]))
        note(id, 'deleted');
      await this.appendFeed(em, orgId, changes, now);
      return result;
    });
  }

  /**
   * After a full round: links of the mailbox not seen in it and starting inside the window go
   * (set difference); links outside the window stay as history. Returns how many went.
   */
  async reconcile(
    orgId: string,
    roxUserId: string,
    round: number,
    window: SyncWindow,
    now: Date,
  ): Promise<number> {
    return this.em.transactional(async (em) => {
      await em.execute(MAILBOX_LINKS_LOCK_SQL, [orgId, roxUserId]);
      await em.nativeDelete(CalendarSeries, { orgId, roxUserId, seenRound: { $lt: round } });
      const gone = await this.unlink(em, orgId, roxUserId, `seen_round < ?`, [round], window);
      const deleted = await this.deleteOrphans(em, orgId, gone);
      await this.appendFeed(em, orgId, new Map(deleted.map((id) => [id, 'deleted' as const])), now);
      return gone.length;
    });
  }

  /** A changed master's instances: links of the series in the window that Graph no longer lists go. */
  async reconcileSeries(
    orgId: string,
    roxUserId: string,
    master: { graphId: string; changeKey: string | null },
    keepGraphIds: readonly string[],
    window: SyncWindow,
    now: Date,
  ): Promise<number> {
    const masterId = master.graphId;
    return this.em.transactional(async (em) => {
      await em.execute(MAILBOX_LINKS_LOCK_SQL, [orgId, roxUserId]);
      // Reconciled with these instances: the master's change is handled.
      await em.execute(
        'update calendar_series set change_key = ? where org_id = ? and rox_user_id = ? and graph_id = ?',
        [master.changeKey, orgId, roxUserId, masterId],
      );
      const gone = await this.unlink(
        em,
        orgId,
        roxUserId,
        `series_master_id = ? and not (graph_id = any(${TEXT_LIST}))`,
        [masterId, list(keepGraphIds)],
        window,
      );
      const deleted = await this.deleteOrphans(em, orgId, gone);
      await this.appendFeed(em, orgId, new Map(deleted.map((id) => [id, 'deleted' as const])), now);
      return gone.length;
    });
  }

  /** Members holding links or a channel: whoever a scope cycle may have to purge. */
  async syncedMembers(orgId: string): Promise<string[]> {
    const rows = await this.em.execute<{ rox_user_id: string }[]>(
      `select rox_user_id from calendar_channel where org_id = ?
       union select distinct rox_user_id from calendar_event_link where org_id = ?`,
      [orgId, orgId],
    );
    return rows.map((r) => r.rox_user_id);
  }

  /** The copies a member holds (`calendar_link_count`, kept by triggers on the links). */
  async countLinks(orgId: string, roxUserId: string): Promise<number> {
    const rows = await this.em.execute<{ links: string }[]>(
      'select links from calendar_link_count where org_id = ? and rox_user_id = ?',
      [orgId, roxUserId],
    );
    return Number(rows[0]?.links ?? 0);
  }

  /**
   * A member's channel (null while it has none) and how many event copies the member holds, in
   * one statement, as plain values: for the status reads.
   */
  async channelWithCount(
    orgId: string,
    roxUserId: string,
  ): Promise<{ channel: CalendarChannel | null; eventCount: number }> {
    const rows = await preparedRows(
      this.em,
      `select ${entityColumns(this.em, CalendarChannel, 'c')}, (select links from calendar_link_count n
                     where n.org_id = ? and n.rox_user_id = ?)::int as rox_event_count
         from (select 1) one
         left join calendar_channel c on c.org_id = ? and c.rox_user_id = ?`,
      [orgId, roxUserId, orgId, roxUserId],
    );
    const row = rows[0] ?? {};
    return {
      channel: row.org_id == null ? null : (plainRows(this.em, CalendarChannel, [row])[0] ?? null),
      eventCount: Number(row.rox_event_count ?? 0),
    };
  }

  async linkCounts(orgId: string, roxUserIds: readonly string[]): Promise<Map<string, number>> {
    if (roxUserIds.length === 0) return new Map();
    const rows = await this.em.execute<{ rox_user_id: string; n: number }[]>(
      `select rox_user_id, links::int as n from calendar_link_count
        where org_id = ? and rox_user_id = any(${TEXT_LIST})`,
      [orgId, list(roxUserIds)],
    );
    return new Map(rows.map((r) => [r.rox_user_id, r.n]));
  }

  // ---- restricted participants ---------------------------------------------------------------

  async orgState(orgId: string): Promise<CalendarOrgState> {
    return (
      (await this.em.findOne(CalendarOrgState, { orgId }, { refresh: true })) ??
      new CalendarOrgState(orgId)
    );
  }

  async saveOrgState(state: CalendarOrgState): Promise<void> {
    await this.em.persistAndFlush(state);
  }

  /** Every channel of the org starts its next round from scratch (a full round). */
  resetCursors(orgId: string): Promise<number> {
    return this.em.nativeUpdate(CalendarChannel, { orgId }, { cursor: null, cursorAt: null });
  }

  /**
   * Events whose organiser or an attendee is a restricted address or at a restricted domain (or
   * a subdomain), with every mailbox's link, and series masters that name one: deleted, with
   * `deleted` feed rows. Busy blocks keep no participants, so only a new round finds those.
   */
  async purgeRestricted(
    orgId: string,
    domains: readonly string[],
    addresses: readonly string[],
    now: Date,
  ): Promise<{ events: number; links: number; series: number }> {
    if (domains.length === 0 && addresses.length === 0) return { events: 0, links: 0, series: 0 };
    const matches = (participants: string) => `exists (
        select 1 from (${participants}) x(p)
         where x.p = any(${TEXT_LIST})
            or exists (select 1 from json_array_elements_text(?::json) d(v)
                        where right(x.p, length(d.v) + 1) in ('@' || d.v, '.' || d.v)))`;
    const params = [list(addresses), list(domains)];
    return this.em.transactional(async (em) => {
      const doomed = await em.execute<{ id: string }[]>(
        `select e.id from calendar_event e where e.org_id = ? and ${matches(
          `select e.organizer union all select a->>'email' from jsonb_array_elements(e.attendees) a`,
        )}`,
        [orgId, ...params],
      );
      const series = await em.execute<{ graph_id: string }[]>(
        `delete from calendar_series s where s.org_id = ? and ${matches(
          `select s.fields->>'organizer' union all select a->>'email' from jsonb_array_elements(s.fields->'attendees') a`,
        )} returning s.graph_id`,
        [orgId, ...params],
      );
      if (doomed.length === 0) return { events: 0, links: 0, series: series.length };
      const ids = list(doomed.map((d) => d.id));
      const links = await em.execute<{ event_id: string }[]>(
        `delete from calendar_event_link where org_id = ? and event_id = any(${UUID_LIST}) returning event_id`,
        [orgId, ids],
      );
      const deleted = await this.deleteOrphans(
        em,
        orgId,
        doomed.map((d) => d.id),
      );
      await this.appendFeed(em, orgId, new Map(deleted.map((id) => [id, 'deleted' as const])), now);
      return { events: deleted.length, links: links.length, series: series.length };
    });
  }

  // ---- purges --------------------------------------------------------------------------------

  /** Everything one mailbox brought (links, masters, its channel); events it alone held go too. */
  async purgeMailbox(
    orgId: string,
    roxUserId: string,
    now: Date,
  ): Promise<{ links: number; events: number; series: number; channels: number }> {
    return this.em.transactional(async (em) => {
      await em.execute(MAILBOX_LINKS_LOCK_SQL, [orgId, roxUserId]);
      const rows = await em.execute<{ event_id: string }[]>(
        `delete from calendar_event_link where org_id = ? and rox_user_id = ? returning event_id`,
        [orgId, roxUserId],
      );
      const deleted = await this.deleteOrphans(
        em,
        orgId,
        rows.map((r) => r.event_id),
      );
      await this.appendFeed(em, orgId, new Map(deleted.map((id) => [id, 'deleted' as const])), now);
      const series = await em.nativeDelete(CalendarSeries, { orgId, roxUserId });
      const channels = await em.nativeDelete(CalendarChannel, { orgId, roxUserId });
      return { links: rows.length, events: deleted.length, series, channels };
    });
  }

  /** A removed member's writes (status rows, ledger, sealed bodies waiting to be sent). */
  purgeMemberWrites(orgId: string, roxUserId: string): Promise<number> {
    return this.em.nativeDelete(CalendarWrite, { orgId, roxUserId });
  }

  purgeOrgLinkCounts(orgId: string): Promise<number> {
    return purgeTriggerKept(this.em, 'calendar_link_count', orgId);
  }

  purgeOrgTable(
    orgId: string,
    table:
      | 'calendar_event'
      | 'calendar_event_link'
      | 'calendar_series'
      | 'calendar_channel'
      | 'calendar_change'
      | 'calendar_write'
      | 'calendar_org_state',
  ): Promise<number> {
    const entity = {
      calendar_event: CalendarEvent,
      calendar_event_link: CalendarEventLink,
      calendar_series: CalendarSeries,
      calendar_channel: CalendarChannel,
      calendar_change: CalendarChangeEntry,
      calendar_write: CalendarWrite,
      calendar_org_state: CalendarOrgState,
    }[table];
    return this.em.nativeDelete(entity, { orgId });
  }

  // ---- reads ---------------------------------------------------------------------------------

  /** A member's events overlapping [from, to), keyset-paged on (start, id), with their copies. */
  async memberEvents(
    orgId: string,
    roxUserId: string,
    range: { from: Date; to: Date },
    after: { startAt: Date; id: string } | null,
    limit: number,
  ): Promise<EventWithCopies[]> {
    const params: unknown[] = [orgId, roxUserId, range.to, range.from];
    let keyset = '';
    if (after) {
      keyset = 'and (l.event_start_at, l.event_id) > (?, ?::uuid)';
      params.push(after.startAt, after.id);
    }
    params.push(orgId, roxUserId, limit);
    // The member's copies carry the events' times: one range of the member's index, in order,
    // stopping after `limit` events (`distinct`: two copies of one event in a mailbox count once);
    // the events and every mailbox's copy come back in the same statement. Only while the member
    // has a mailbox row (checked once): a removed member's copies wait for the purge job unseen.
    const rows = await preparedRows(
      this.em,
      `select ${LISTED_COLUMNS_OF_E}, ${COPIES_OF_E}
         from (select distinct l.event_start_at, l.event_id from calendar_event_link l
                where l.org_id = ? and l.rox_user_id = ? and l.event_start_at < ? and l.event_end_at > ?
                      ${keyset}
                      and exists (select 1 from mailbox mb where mb.org_id = ? and mb.rox_user_id = ?)
                order by l.event_start_at, l.event_id limit ?) p
         join calendar_event e on e.org_id = ? and e.id = p.event_id
        order by p.event_start_at, p.event_id`,
      [...params, orgId],
    );
    return this.withCopies(rows);
  }

  /** The most recently updated events of a member, with their copies. */
  async recentMemberEvents(
    orgId: string,
    roxUserId: string,
    limit: number,
  ): Promise<EventWithCopies[]> {
    const rows = await this.em.execute<Record<string, unknown>[]>(
      `select ${LISTED_COLUMNS_OF_E}, ${COPIES_OF_E}
         from (select distinct e.id, e.updated_at from calendar_event e
                 join calendar_event_link l on l.org_id = e.org_id and l.event_id = e.id
                where e.org_id = ? and l.rox_user_id = ? order by e.updated_at desc, e.id limit ?) r
         join calendar_event e on e.org_id = ? and e.id = r.id
        order by r.updated_at desc, r.id`,
      [orgId, roxUserId, limit, orgId],
    );
    return this.withCopies(rows);
  }

  // The reads below and above answer API requests only: plain rows, not managed entities
  // (plainRows), each in one statement (every round trip cost the API more CPU than the rows).

  /** Events by id, in the order asked, within the org, with their copies. */
  async eventsByIds(orgId: string, ids: readonly string[]): Promise<EventWithCopies[]> {
    if (ids.length === 0) return [];
    const rows = await this.em.execute<Record<string, unknown>[]>(
      `select ${LISTED_COLUMNS_OF_E}, ${COPIES_OF_E} from calendar_event e where e.org_id = ? and e.id = any(${UUID_LIST})`,
      [orgId, list([...new Set(ids)])],
    );
    const byId = new Map(this.withCopies(rows).map((r) => [r.event.id, r]));
    return ids.map((id) => byId.get(id)).filter((e): e is EventWithCopies => e !== undefined);
  }

  /** The org's newest feed sequence, '0' while the feed is empty. */
  async feedHead(orgId: string): Promise<string> {
    const rows = await this.em.execute<{ head: string }[]>(
      `select coalesce(max(sequence), 0)::text as head from calendar_change where org_id = ?`,
      [orgId],
    );
    return rows[0]?.head ?? '0';
  }

  /**
   * The org's feed after `afterSequence`, in sequence (= commit) order, each entry with its
   * event as it is now (with its copies) unless the entry is a deletion or the event is gone.
   */
  async changesAfter(orgId: string, afterSequence: string, limit: number): Promise<FeedEntry[]> {
    const rows = await preparedRows(
      this.em,
      // Ordered by the bigint column (the text alias would sort 10 before 9).
      `select c.sequence::text as feed_sequence, c.event_id as feed_event_id,
              c.change as feed_change, c.at as feed_at, ${LISTED_COLUMNS_OF_E}, ${COPIES_OF_E}
         from (select sequence, event_id, change, at from calendar_change
                where org_id = ? and sequence > ?::bigint order by sequence limit ?) c
         left join calendar_event e on c.change <> 'deleted' and e.org_id = ? and e.id = c.event_id
        order by c.sequence`,
      [orgId, afterSequence, limit, orgId],
    );
    const events = this.withCopies(rows.map((r) => (r.id == null ? null : r)));
    return rows.map((r, i) => ({
      sequence: String(r.feed_sequence),
      eventId: String(r.feed_event_id),
      change: r.feed_change as FeedEntry['change'],
      at: r.feed_at instanceof Date ? r.feed_at : new Date(String(r.feed_at)),
      event: events[i] ?? null,
    }));
  }

  // ---- helpers -------------------------------------------------------------------------------

  // Rows of `select LISTED_COLUMNS_OF_E, COPIES_OF_E` as events with their copies (a null row
  // stays null).
  private withCopies(rows: readonly Record<string, unknown>[]): EventWithCopies[];
  private withCopies(rows: readonly (Record<string, unknown> | null)[]): (EventWithCopies | null)[];
  private withCopies(
    rows: readonly (Record<string, unknown> | null)[],
  ): (EventWithCopies | null)[] {
    const present = rows.filter((r): r is Record<string, unknown> => r !== null);
    const events = plainRows(this.em, CalendarEvent, present);
    let next = 0;
    return rows.map((row) => {
      if (row === null) return null;
      const event = events[next++] as ListedEvent;
      const raw = row.rox_copies;
      const tuples = (typeof raw === 'string' ? JSON.parse(raw) : raw) as [
        string,
        boolean,
        string | null,
      ][];
      return {
        event,
        copies: tuples.map(([roxUserId, isOrganizer, response]) => ({
          roxUserId,
          isOrganizer,
          response,
        })),
      };
    });
  }

  /**
   * The ids new Rox events of the page take: the one a create from Rox chose, given by its job
   * (`given`) or, when the pull meets the event first, found by the transactionId Outlook returns
   * with it among the mailbox's own creates still in flight (else the write's id would name no
   * event). Only for copies no stored event holds, and only ids no event has (a create whose
   * event was deleted since does not bring that id back).
   */
  private async chosenEventIds(
    em: EntityManager,
    orgId: string,
    roxUserId: string,
    copies: readonly EventCopy[],
    known: { eventOf: ReadonlyMap<string, CalendarEvent>; given?: ReadonlyMap<string, string> },
  ): Promise<Map<string, string>> {
    const chosen = new Map<string, string>();
    const byTransaction = new Map<string, string>();
    for (const copy of copies) {
      if (known.eventOf.has(copy.dedupeKey)) continue;
      const given = known.given?.get(copy.graphId);
      if (given) chosen.set(copy.graphId, given);
      else if (copy.transactionId) byTransaction.set(copy.transactionId, copy.graphId);
    }
    if (byTransaction.size > 0) {
      const rows = await em.execute<{ transaction_id: string; event_id: string }[]>(
        `select w.transaction_id, w.event_id from calendar_write w
          where w.org_id = ? and w.rox_user_id = ? and w.transaction_id = any(${TEXT_LIST})
            and w.operation = 'create' and w.status in ('queued', 'running')`,
        [orgId, roxUserId, list([...byTransaction.keys()])],
      );
      for (const row of rows) {
        const graphId = byTransaction.get(row.transaction_id);
        if (graphId) chosen.set(graphId, row.event_id);
      }
    }
    if (chosen.size > 0) {
      const taken = await em.execute<{ id: string }[]>(
        `select id from calendar_event where org_id = ? and id = any(${UUID_LIST})`,
        [orgId, list([...new Set(chosen.values())])],
      );
      const isTaken = new Set(taken.map((t) => t.id));
      for (const [graphId, id] of chosen) if (isTaken.has(id)) chosen.delete(graphId);
    }
    return chosen;
  }

  private async seriesByIdsIn(
    em: EntityManager,
    orgId: string,
    roxUserId: string,
    graphIds: readonly string[],
  ): Promise<Map<string, CalendarSeries>> {
    if (graphIds.length === 0) return new Map();
    const rows = await em.find(CalendarSeries, {
      orgId,
      roxUserId,
      graphId: { $in: [...graphIds] },
    });
    return new Map(rows.map((r) => [r.graphId, r]));
  }

  // Every link of these events takes the event's current start and end (one statement; only
  // links whose copy of the times is out of date are written).
  private async copyEventTimes(
    em: EntityManager,
    orgId: string,
    eventIds: readonly string[],
  ): Promise<void> {
    if (eventIds.length === 0) return;
    await em.execute(
      `update calendar_event_link l set event_start_at = e.start_at, event_end_at = e.end_at
         from calendar_event e
        where l.org_id = ? and l.event_id = any(${UUID_LIST})
          and e.org_id = l.org_id and e.id = l.event_id
          and (l.event_start_at <> e.start_at or l.event_end_at <> e.end_at)`,
      [orgId, list(eventIds)],
    );
  }

  // Deletes the mailbox's links matching `where` that start inside the window; returns their
  // event ids. Links outside the window stay: an event that slid out is history, not deleted.
  private async unlink(
    em: EntityManager,
    orgId: string,
    roxUserId: string,
    where: string,
    params: unknown[],
    window: SyncWindow,
  ): Promise<string[]> {
    const rows = await em.execute<{ event_id: string }[]>(
      `delete from calendar_event_link
        where org_id = ? and rox_user_id = ? and ${where} and start_at >= ? and start_at < ?
        returning event_id`,
      [orgId, roxUserId, ...params, window.start, window.end],
    );
    return rows.map((r) => r.event_id);
  }

  // Events among `candidates` no mailbox links any more are deleted; returns their ids.
  private async deleteOrphans(
    em: EntityManager,
    orgId: string,
    candidates: readonly string[],
  ): Promise<string[]> {
    if (candidates.length === 0) return [];
    const ids = list([...new Set(candidates)]);
    // Two mailboxes dropping the last two links of one event at once would each still see the
    // other's link and keep it forever. Locking the candidates first (in id order, against
    // deadlocks) makes the later transaction look only after the earlier one committed.
    await em.execute(
      `select id from calendar_event where org_id = ? and id = any(${UUID_LIST}) order by id for update`,
      [orgId, ids],
    );
    const rows = await em.execute<{ id: string }[]>(
      `delete from calendar_event e
        where e.org_id = ? and e.id = any(${UUID_LIST})
          and not exists (select 1 from calendar_event_link l where l.org_id = e.org_id and l.event_id = e.id)
        returning e.id`,
      [orgId, ids],
    );
    return rows.map((r) => r.id);
  }

  private async appendFeed(
    em: EntityManager,
    orgId: string,
    changes: ReadonlyMap<string, Change>,
    now: Date,
  ): Promise<void> {
    if (changes.size === 0) return;
    // Taken last, just before the inserts, and held to commit: sequence order = commit order.
    await em.execute(FEED_LOCK_SQL, [orgId]);
    const values = [...changes.entries()];
    await em.execute(
      `insert into calendar_change (org_id, event_id, change, at)
       select ?, (x.value->>0)::uuid, x.value->>1, ?
         from json_array_elements(?::json) with ordinality as x(value, n)
        order by x.n`,
      [orgId, now, JSON.stringify(values)],
    );
  }
}
