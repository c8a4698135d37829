import { randomUUID } from 'node:crypto';

import { EntityManager, type Knex } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';

import { openSyncPage, type JudgedRestrictions } from '../mailboxes/mailbox.repository';
import { entityColumns, plainRows } from '../platform/database/plain-rows';
import { preparedRows } from '../platform/database/prepared';
import { purgeTriggerKept } from '../platform/database/trigger-kept';
import { type PageCounts, type SyncStage } from '../platform/sync/sync-channel';
import {
  MailChangeEntry,
  type MailCursorResetReason,
  type MailDeletedReason,
} from './entities/mail-change.entity';
import { MailChannel, type MailFolderName } from './entities/mail-channel.entity';
import { MailMessageLink } from './entities/mail-message-link.entity';
import { MailMessage, type StoredAddress } from './entities/mail-message.entity';
import { MailOrgState } from './entities/mail-org-state.entity';
import { MailSend } from './entities/mail-send.entity';
import { MailError, MailErrorCode, mailRestrictionsChanged } from './mail.errors';

/** A message as one page delivers it, already filtered, mapped and (at full level) sealed. */
export interface IncomingMessage {
  graphId: string;
  internetMessageId: string;
  conversationId: string | null;
  subject: string | null;
  from: StoredAddress | null;
  sender: StoredAddress | null;
  replyTo: StoredAddress[];
  to: StoredAddress[];
  cc: StoredAddress[];
  bcc: StoredAddress[];
  participants: string[];
  sentAt: Date | null;
  receivedAt: Date | null;
  hasAttachments: boolean;
  importance: string | null;
  isRead: boolean;
  /** Sealed body, or null when not fetched (metadata level, or unchanged). */
  body: { sealed: string; contentType: 'text' | 'html' } | null;
}

/**
 * A message its sender's Sent Items copy showed with a restricted participant, and the entry of
 * the lists it met.
 */
export interface RestrictedMessage {
  internetMessageId: string;
  /** Its `from` address: only copies from this sender are held back (ids can be reused). */
  sender: string;
  /** The restricted address or domain: while the lists hold it, no copy is stored. */
  reason: string;
}

/** A copy to check against the notes: its message and sender. */
export interface CopyOfMessage {
  internetMessageId: string;
  sender: string | null;
}

/** What one page changes in one mailbox folder. */
export interface MailPage {
  messages: IncomingMessage[];
  /** Copies confirmed gone from the synced folders (deleted, or no longer found). */
  removedGraphIds: string[];
  /** Copies confirmed moved to a folder Rox does not sync (still in the mailbox, MAIL-5). */
  movedOutGraphIds?: string[];
  /** Copies confirmed moved into another synced folder. */
  moved: { graphId: string; folder: MailFolderName }[];
  /** Copies that became restricted: their rows go too. */
  excludedGraphIds: string[];
  /**
   * The restricted copies of a Sent Items page: every copy of those messages from that sender
   * goes, in every mailbox, and none is stored later (a Bcc shows on the sender's copy only).
   */
  restrictedMessages?: RestrictedMessage[];
  /** The restricted lists the page's messages were judged with (checked at commit). */
  restrictions?: JudgedRestrictions;
}

type Row = Record<string, unknown>;

/** Every query of the mail feature. Each one is scoped by org. */
export interface MailboxSummary {
  mailboxes: {
    notInScope: number;
    never: number;
    queued: number;
    running: number;
    ok: number;
    failed: number;
  };
  reasons: { code: string; mailboxes: number }[];
  lastSyncAt: Date | null;
}

@Injectable()
export class MailRepository {
  constructor(private readonly em: EntityManager) {}

  // ---- channels ------------------------------------------------------------------------------

  async channel(orgId: string, roxUserId: string, folder: MailFolderName): Promise<MailChannel> {
    return (
      (await this.em.findOne(MailChannel, { orgId, roxUserId, folder }, { refresh: true })) ??
      new MailChannel(orgId, roxUserId, folder)
    );
  }

  /** The stored row read into `channel` again (its snapshot too); false when it is gone. */
  async reloadChannel(channel: MailChannel): Promise<boolean> {
    return (await this.em.refresh(channel)) !== null;
  }

  async saveChannel(channel: MailChannel): Promise<void> {
    await this.em.persistAndFlush(channel);
  }

  /** One flush for many channels (an idle batch's commit). */
  async saveChannels(channels: readonly MailChannel[]): Promise<void> {
    await this.em.persistAndFlush([...channels]);
  }

  channels(orgId: string, roxUserIds?: readonly string[]): Promise<MailChannel[]> {
    return this.em.find(
      MailChannel,
      { orgId, ...(roxUserIds ? { roxUserId: { $in: [...roxUserIds] } } : {}) },
      { orderBy: { roxUserId: 'asc', folder: 'asc' }, refresh: true },
    );
  }

  /**
   * The org status's mailbox counts in one aggregate query (it is polled while a sync runs, and
   * loading every mailbox and folder channel cost over 100 ms per call at 10,000 members). A
   * mailbox is out of scope when its mail is off or it belongs to a restricted address (trimmed
   * of blanks and angle brackets and lower-cased, as `normalizeMailAddress` does); otherwise its
   * state is the most pressing stage of the synced folders (a missing channel is `never`; a
   * folder the mailbox lacks does not count), and its reasons are the error codes of those not
   * `ok`.
   */
  async mailboxSummary(
    orgId: string,
    folders: readonly MailFolderName[],
    restrictedAddresses: readonly string[],
    folderMissingCode: string,
  ): Promise<MailboxSummary> {
    const normalized = (column: string) => `lower(btrim(coalesce(${column}, ''), E' \\t\\r\\n<>'))`;
    // Without restricted users (the usual case) no address is normalised at all.
    const restricted =
      restrictedAddresses.length > 0
        ? `or ${normalized('m.email')} = any(?::text[]) or ${normalized('m.directory_upn')} = any(?::text[])`
        : '';
    const addresses =
      restrictedAddresses.length > 0
        ? [pgArray(restrictedAddresses), pgArray(restrictedAddresses)]
        : [];
    // Channels are aggregated per mailbox first (a hash join then meets the mailbox rows): a
    // folder without a channel counts as `never`, one the mailbox lacks counts not at all.
    const counts = `last_error_code is distinct from ?`;
    const [row] = await this.em.execute<Record<string, unknown>[]>(
      `with mb as (
         select m.rox_user_id, (not m.mail_in_scope or m.mail_effective = 'off' ${restricted}) as out
           from mailbox m where m.org_id = ?
       ), chs as (
         select rox_user_id, count(*)::int as present,
                bool_or(stage = 'failed') filter (where ${counts}) as failed,
                bool_or(stage = 'running') filter (where ${counts}) as running,
                bool_or(stage = 'queued') filter (where ${counts}) as queued,
                bool_and(stage = 'ok') filter (where ${counts}) as all_ok,
                array_agg(distinct last_error_code)
                  filter (where stage <> 'ok' and last_error_code is not null) as codes,
                max(last_sync_at) as last_sync_at
           from mail_channel where org_id = ? and folder = any(?::text[])
          group by rox_user_id
       ), per as (
         select case when c.failed then 'failed'
                     when c.running then 'running'
                     when c.queued then 'queued'
                     when coalesce(c.present, 0) = ? and coalesce(c.all_ok, true) then 'ok'
                     else 'never' end as state,
                c.codes, c.last_sync_at
           from mb left join chs c on c.rox_user_id = mb.rox_user_id
          where not mb.out
       )
       select (select count(*)::int from mb where out) as not_in_scope,
              (select coalesce(json_object_agg(state, n), '{}')
                 from (select state, count(*)::int as n from per group by state) x) as states,
              (select coalesce(json_agg(json_build_object('code', code, 'mailboxes', n)), '[]')
                 from (select unnest(codes) as code, count(*)::int as n from per group by 1) y) as reasons,
              (select max(last_sync_at) from per) as last_sync_at`,
      [
        ...addresses,
        orgId,
        folderMissingCode,
        folderMissingCode,
        folderMissingCode,
        folderMissingCode,
        orgId,
        pgArray(folders),
        folders.length,
      ],
    );
    const json = <T>(value: unknown): T =>
      (typeof value === 'string' ? JSON.parse(value) : value) as T;
    const states = json<Record<string, number>>(row?.states ?? '{}');
    const lastSyncAt = row?.last_sync_at;
    return {
      mailboxes: {
        notInScope: Number(row?.not_in_scope ?? 0),
        never: states.never ?? 0,
        queued: states.queued ?? 0,
        running: states.running ?? 0,
        ok: states.ok ?? 0,
        failed: states.failed ?? 0,
      },
      reasons: json<{ code: string; mailboxes: number }[]>(row?.reasons ?? '[]'),
      lastSyncAt: lastSyncAt ? new Date(lastSyncAt as string) : null,
    };
  }

  /**
   * Inside a transaction: these folder channels' stored stage and cursor by `roxUserId:folder`,
   * their rows locked until commit in key order (an idle batch commits only the channels nobody
   * moved meanwhile; other folders of the same mailboxes stay free); missing rows are missing.
   */
  async lockChannelsProgress(
    orgId: string,
    keys: readonly { roxUserId: string; folder: MailFolderName }[],
  ): Promise<Map<string, { stage: SyncStage; cursor: string | null }>> {
    if (keys.length === 0) return new Map();
    const rows = await this.em.execute<
      { rox_user_id: string; folder: string; stage: SyncStage; cursor: string | null }[]
    >(
      `select c.rox_user_id, c.folder, c.stage, c.delta_link as cursor
       from mail_channel c
       join unnest(?::text[], ?::text[]) as k(rox_user_id, folder)
         on c.rox_user_id = k.rox_user_id and c.folder = k.folder
       where c.org_id = ?
       order by c.rox_user_id, c.folder
       for update of c`,
      [pgArray(keys.map((k) => k.roxUserId)), pgArray(keys.map((k) => k.folder)), orgId],
    );
    return new Map(
      rows.map((r) => [`${r.rox_user_id}:${r.folder}`, { stage: r.stage, cursor: r.cursor }]),
    );
  }

  /** Links per folder channel, by `roxUserId:folder` (an idle batch's counts in one query). */
  async linkCounts(
    orgId: string,
    keys: readonly { roxUserId: string; folder: MailFolderName }[],
  ): Promise<Map<string, number>> {
    if (keys.length === 0) return new Map();
    const rows = await this.em.execute<{ rox_user_id: string; folder: string; n: number }[]>(
      `select l.rox_user_id, l.folder, l.links::int as n
       from mail_link_count l
       join unnest(?::text[], ?::text[]) as k(rox_user_id, folder)
         on l.rox_user_id = k.rox_user_id and l.folder = k.folder
       where l.org_id = ?`,
      [pgArray(keys.map((k) => k.roxUserId)), pgArray(keys.map((k) => k.folder)), orgId],
    );
    return new Map(rows.map((r) => [`${r.rox_user_id}:${r.folder}`, r.n]));
  }

  /**
   * Sends still queued or sending whose last change is older than `before`: candidates for a job
   * lost with Redis (or never added). Partial index `mail_send_unfinished_idx`.
   */
  /** `orgId` narrows it to one org (the sweep itself looks at every org). */
  async sendsUnfinishedSince(
    before: Date,
    orgId: string | null = null,
    limit = 500,
  ): Promise<{ orgId: string; id: string }[]> {
    const rows = await this.em.getConnection().execute<{ org_id: string; id: string }[]>(
      `select org_id, id from mail_send
          where status in ('queued', 'sending') and updated_at < ? and (?::text is null or org_id = ?)
          order by updated_at limit ?`,
      [before, orgId, orgId, limit],
    );
    return rows.map((r) => ({ orgId: r.org_id, id: r.id }));
  }

  /** Channels running, or queued and not started, since before `before` (stale candidates). */
  channelsBusySince(before: Date, orgId: string | null = null): Promise<MailChannel[]> {
    return this.em.find(
      MailChannel,
      {
        ...(orgId === null ? {} : { orgId }),
        $or: [
          { stage: 'running', startedAt: { $lt: before } },
          { stage: 'queued', queuedAt: { $lt: before } },
        ],
      },
      { orderBy: { orgId: 'asc', roxUserId: 'asc' }, refresh: true },
    );
  }

  /**
   * The Graph ids these folders' channels found (user folders: one per mailbox), for the org or
   * one member; channels without an id (not looked up yet, or missing) are left out.
   */
  async resolvedFolders(
    orgId: string,
    folders: readonly MailFolderName[],
    roxUserId: string | null = null,
  ): Promise<
    { roxUserId: string; folder: string; folderId: string; directoryUserId: string | null }[]
  > {
    if (folders.length === 0) return [];
    const rows = await this.em.execute<
      { rox_user_id: string; folder: string; folder_id: string; directory_user_id: string | null }[]
    >(
      `select rox_user_id, folder, folder_id, directory_user_id from mail_channel
        where org_id = ? and folder = any(array(select json_array_elements_text(?::json)))
          and folder_id is not null ${roxUserId === null ? '' : 'and rox_user_id = ?'}`,
      [orgId, JSON.stringify(folders), ...(roxUserId === null ? [] : [roxUserId])],
    );
    return rows.map((r) => ({
      roxUserId: r.rox_user_id,
      folder: r.folder,
      folderId: r.folder_id,
      directoryUserId: r.directory_user_id,
    }));
  }

  /** Mailboxes that hold mail (links or channels): the candidates for scope purges. */
  async mailboxesWithMail(orgId: string): Promise<string[]> {
    const rows = await this.em.execute<{ rox_user_id: string }[]>(
      `select distinct rox_user_id from mail_channel where org_id = ?
       union select distinct rox_user_id from mail_message_link where org_id = ?`,
      [orgId, orgId],
    );
    return rows.map((r) => r.rox_user_id);
  }

  /**
   * Forgets every cursor of the org: the next sync of each folder is a full (backfill) round.
   * Each folder that had one gets a `cursor_reset` in the feed.
   */
  async resetCursors(orgId: string, now: Date): Promise<number> {
    await lockFeed(this.em, orgId);
    const reset = await this.em.execute<{ rox_user_id: string; folder: MailFolderName }[]>(
      `update mail_channel set delta_link = null, delta_link_at = null
       where org_id = ? and delta_link is not null returning rox_user_id, folder`,
      [orgId],
    );
    for (const c of reset) {
      await appendCursorReset(this.em, orgId, c.rox_user_id, c.folder, 'restrictions_lifted', now);
    }
    return reset.length;
  }

  /**
   * A folder's cursor was reset (410, unusable, another account): a full round follows, and the
   * feed says so first, so a consumer knows changes may have happened unseen and can reconcile.
   */
  async cursorReset(
    orgId: string,
    roxUserId: string,
    folder: MailFolderName,
    reason: MailCursorResetReason,
    now: Date,
  ): Promise<void> {
    await this.em.transactional(async (em) => {
      await lockFeed(em, orgId);
      await appendCursorReset(em, orgId, roxUserId, folder, reason, now);
    });
  }

  // ---- ingest --------------------------------------------------------------------------------

  /** The links a mailbox holds for these Graph ids. */
  async links(orgId: string, roxUserId: string, graphIds: readonly string[]) {
    if (graphIds.length === 0) return new Map<string, MailMessageLink>();
    const links = await this.em.find(
      MailMessageLink,
      { orgId, roxUserId, graphId: { $in: [...graphIds] } },
      { refresh: true },
    );
    return new Map(links.map((l) => [l.graphId, l]));
  }

  /** Messages whose body is already stored, by internetMessageId (no need to fetch it again). */
  async withBody(orgId: string, internetMessageIds: readonly string[]): Promise<Set<string>> {
    if (internetMessageIds.length === 0) return new Set();
    const rows = await this.em.execute<{ internet_message_id: string }[]>(
      `select internet_message_id from mail_message
       where org_id = ? and internet_message_id = any(?::text[]) and body_available`,
      [orgId, pgArray(internetMessageIds)],
    );
    return new Set(rows.map((r) => r.internet_message_id));
  }

  /**
   * One page in one transaction: upsert messages (deduplicated by internetMessageId) and this
   * mailbox's links, apply confirmed moves and removals, drop messages no mailbox links any
   * more, and append every change to the org's feed in commit order.
   */
  async applyPage(
    orgId: string,
    roxUserId: string,
    folder: MailFolderName,
    round: number,
    page: MailPage,
    now: Date,
  ): Promise<PageCounts> {
    return this.em.transactional(async (em) => {
      // Only while the mailbox is a mail target and the page's lists hold (openSyncPage).
      const gate = await openSyncPage(em, orgId, roxUserId, 'mail', page.restrictions);
      if (gate === 'restrictions_changed') throw mailRestrictionsChanged();
      if (gate === 'left_scope') {
        throw new MailError(
          MailErrorCode.MAIL_MEMBER_NOT_FOUND,
          'not_found',
          'The mailbox left mail sync (or the org disconnected) while its round ran; nothing of the page was stored.',
        );
      }
      await lockFeed(em, orgId);
      const counts: PageCounts = { added: 0, updated: 0, removed: 0 };
      const changes: { messageId: string; change: 'created' | 'updated' | 'deleted' }[] = [];
      // Under the feed lock every page of the org takes: a restricted copy met here and another
      // copy of the same message stored by another mailbox's page cannot pass each other.
      const restricted = await restrictMessages(em, orgId, page.restrictedMessages ?? [], now);
      counts.removed += restricted.links;
      changes.push(...restricted.changes);
      // Within a page the last copy of an id wins; a message known restricted is not stored.
      const latest = new Map<string, IncomingMessage>();
      for (const m of page.messages) latest.set(m.graphId, m);
      // Only notes whose entry the page's own lists hold: one a round of since-lifted lists
      // wrote does not keep a re-import out.
      const held = await restrictedAmong(
        em,
        orgId,
        [...latest.values()].map((m) => ({
          internetMessageId: m.internetMessageId,
          sender: m.from?.address ?? null,
        })),
        page.restrictions ? [...page.restrictions.domains, ...page.restrictions.addresses] : null,
      );
      const withheld: string[] = [];
      for (const m of [...latest.values()]) {
        if (!held.has(heldKey(m.internetMessageId, m.from?.address ?? null))) continue;
        latest.delete(m.graphId);
        withheld.push(m.graphId);
      }
      if (latest.size > 0) {
        // One statement for the page's messages, this mailbox's links and their feed entries:
        // a round trip per row (or per table) made the page's time, not the rows.
        const written = await writeCopies(em, orgId, roxUserId, folder, round, latest, now);
        counts.added += written.added;
        counts.updated += written.linked - written.added;
      }
      for (const move of page.moved) {
        const moved = await em.execute<{ message_id: string }[]>(
          // Its round number was the old folder's; 0 lets the new folder's next full round judge it.
          `update mail_message_link set folder = ?, updated_at = ?,
             seen_round = case when folder = ? then seen_round else 0 end
           where org_id = ? and rox_user_id = ? and graph_id = ? returning message_id`,
          [move.folder, now, move.folder, orgId, roxUserId, move.graphId],
        );
        for (const m of moved) changes.push({ messageId: m.message_id, change: 'updated' });
      }
      const gone = [
        ...new Set([...page.removedGraphIds, ...page.excludedGraphIds, ...withheld]),
      ].filter((id) => !latest.has(id));
      const movedOut = (page.movedOutGraphIds ?? []).filter(
        (id) => !latest.has(id) && !gone.includes(id),
      );
      for (const [ids, reason] of [
        [gone, null],
        [movedOut, 'removed_from_synced_folders'],
      ] as const) {
        if (ids.length === 0) continue;
        const removed = await deleteLinks(
          em,
          orgId,
          'rox_user_id = ? and graph_id = any(?::text[])',
          [roxUserId, pgArray(ids)],
        );
        counts.removed += removed.links;
        // A message whose last copy left the synced folders says so: it is still in Outlook.
        changes.push(
          ...removed.changes.map((c) => (reason && c.change === 'deleted' ? { ...c, reason } : c)),
        );
      }
      await appendChanges(em, orgId, changes, now);
      return counts;
    });
  }

  /**
   * Full-round reconciliation of one folder: links the round did not see go. A round that asked
   * Graph only for mail received since `receivedSince` (the backfill window) judges only that
   * mail: older copies were not asked for, so not seeing them says nothing.
   */
  async deleteUnseen(
    orgId: string,
    roxUserId: string,
    folder: MailFolderName,
    round: number,
    now: Date,
    receivedSince: Date | null = null,
  ): Promise<number> {
    return this.em.transactional(async (em) => {
      await lockFeed(em, orgId);
      const removed = await deleteLinks(
        em,
        orgId,
        // Links without a received time are stored at the epoch: a round without a window judges
        // them too.
        'rox_user_id = ? and folder = ? and seen_round < ? and received_at >= ?',
        [roxUserId, folder, round, receivedSince ?? new Date(0)],
      );
      await appendChanges(em, orgId, removed.changes, now);
      return removed.links;
    });
  }

  /** This mailbox's copies whose message has no body yet (full level backfills them). */
  async linksWithoutBody(orgId: string, roxUserId: string, limit: number) {
    return this.em.execute<{ graph_id: string; message_id: string }[]>(
      `select l.graph_id, l.message_id from mail_message_link l
       join mail_message m on m.org_id = l.org_id and m.id = l.message_id
       where l.org_id = ? and l.rox_user_id = ? and not m.body_available
       order by m.received_at desc nulls last limit ?`,
      [orgId, roxUserId, limit],
    );
  }

  async setBody(
    orgId: string,
    messageId: string,
    body: { sealed: string; contentType: 'text' | 'html' },
    now: Date,
  ): Promise<void> {
    await this.em.execute(
      `update mail_message set body_available = true, body_sealed = ?, body_content_type = ?,
         updated_at = ? where org_id = ? and id = ?`,
      [body.sealed, body.contentType, now, orgId, messageId],
    );
  }

  /**
   * Metadata level: bodies of these mailboxes' messages go (a lowered level must not keep
   * content), in one statement for any number of mailboxes (an idle cycle settles thousands). A
   * message another full-level mailbox holds gets its body back from that one.
   */
  async dropBodies(orgId: string, roxUserIds: readonly string[], now: Date): Promise<number> {
    if (roxUserIds.length === 0) return 0;
    const rows = await this.em.execute<{ id: string }[]>(
      `update mail_message m set body_available = false, body_sealed = null,
         body_content_type = null, updated_at = ?
       where m.org_id = ? and m.body_available and exists (select 1 from mail_message_link l
         where l.org_id = m.org_id and l.message_id = m.id and l.rox_user_id = any(?::text[]))
       returning m.id`,
      [now, orgId, pgArray(roxUserIds)],
    );
    return rows.length;
  }

  /** The org's stored messages, from the counter the table's triggers keep (one row read). */
  async countMessages(orgId: string): Promise<number> {
    const rows = await this.em.execute<{ messages: string }[]>(
      'select messages from mail_org_count where org_id = ?',
      [orgId],
    );
    return Number(rows[0]?.messages ?? 0);
  }

  /**
   * A member's folder channels (plain rows) and the messages each folder holds, in one
   * statement: the member status read.
   */
  async memberChannels(
    orgId: string,
    roxUserId: string,
  ): Promise<{ channels: MailChannel[]; counts: Map<string, number> }> {
    const rows = await preparedRows(
      this.em,
      `select ${entityColumns(this.em, MailChannel, 'c')}, n.folder as rox_count_folder,
              coalesce(n.n, 0)::int as rox_count
         from (select * from mail_channel where org_id = ? and rox_user_id = ?) c
         full join (select folder, links as n from mail_link_count
                     where org_id = ? and rox_user_id = ?) n on n.folder = c.folder
        order by coalesce(c.folder, n.folder)`,
      [orgId, roxUserId, orgId, roxUserId],
    );
    const counts = new Map<string, number>();
    for (const r of rows) {
      const folder = r.rox_count_folder;
      if (typeof folder === 'string') counts.set(folder, Number(r.rox_count));
    }
    return {
      channels: plainRows(
        this.em,
        MailChannel,
        rows.filter((r) => r.org_id != null),
      ),
      counts,
    };
  }

  /** Copies a mailbox (or one of its folders) holds: `mail_link_count`, kept by triggers. */
  async countLinks(orgId: string, roxUserId: string, folder?: MailFolderName): Promise<number> {
    const rows = await this.em.execute<{ links: string | null }[]>(
      `select sum(links) as links from mail_link_count
        where org_id = ? and rox_user_id = ?${folder ? ' and folder = ?' : ''}`,
      [orgId, roxUserId, ...(folder ? [folder] : [])],
    );
    return Number(rows[0]?.links ?? 0);
  }

  // ---- purges --------------------------------------------------------------------------------

  /** Everything synced about one member's mailbox: links, orphaned messages, channels. */
  async purgeMailbox(
    orgId: string,
    roxUserId: string,
    now: Date,
  ): Promise<{ links: number; messages: number; channels: number }> {
    await lockFeed(this.em, orgId);
    const removed = await deleteLinks(this.em, orgId, 'rox_user_id = ?', [roxUserId]);
    await appendChanges(this.em, orgId, removed.changes, now);
    const channels = await this.em.nativeDelete(MailChannel, { orgId, roxUserId });
    return { links: removed.links, messages: removed.messages, channels };
  }

  /** Mailbox folders holding a channel or links although the org no longer syncs them. */
  async foldersOutside(
    orgId: string,
    folders: readonly MailFolderName[],
  ): Promise<{ roxUserId: string; folder: MailFolderName }[]> {
    const rows = await this.em.execute<{ rox_user_id: string; folder: MailFolderName }[]>(
      `select rox_user_id, folder from mail_channel where org_id = ? and folder <> all(?::text[])
       union
       select distinct rox_user_id, folder from mail_message_link
       where org_id = ? and folder <> all(?::text[])
       order by 1, 2`,
      [orgId, pgArray(folders), orgId, pgArray(folders)],
    );
    return rows.map((r) => ({ roxUserId: r.rox_user_id, folder: r.folder }));
  }

  /**
   * A folder taken out of the org's setting: that mailbox folder's links, the messages no other
   * copy holds, and its channel.
   */
  async purgeFolder(
    orgId: string,
    roxUserId: string,
    folder: MailFolderName,
    now: Date,
  ): Promise<{ links: number; messages: number; channels: number }> {
    await lockFeed(this.em, orgId);
    const removed = await deleteLinks(this.em, orgId, 'rox_user_id = ? and folder = ?', [
      roxUserId,
      folder,
    ]);
    await appendChanges(this.em, orgId, removed.changes, now);
    const channels = await this.em.nativeDelete(MailChannel, { orgId, roxUserId, folder });
    return { links: removed.links, messages: removed.messages, channels };
  }

  /**
   * Messages with a participant at a restricted domain (or a subdomain) or a restricted address:
   * deleted with their links. Returns how many messages went.
   */
  async purgeRestricted(
    orgId: string,
    domains: readonly string[],
    addresses: readonly string[],
    now: Date,
  ): Promise<number> {
    if (domains.length === 0 && addresses.length === 0) return 0;
    await lockFeed(this.em, orgId);
    // With the entry each message meets: noted, so a later copy that does not show it (a Bcc
    // seen on the sender's copy only) stays out too.
    const doomed = await this.em.execute<
      { id: string; internet_message_id: string; sender: string | null; reason: string }[]
    >(
      `select m.id, m.internet_message_id, m.from_address->>'address' as sender, r.reason
         from mail_message m
       cross join lateral (
         select coalesce(
           (select p from unnest(m.participants) p where p = any(?::text[]) limit 1),
           (select d from unnest(m.participants) p, unnest(?::text[]) d
             where right(p, length(d) + 1) in ('@' || d, '.' || d) limit 1)) as reason) r
       where m.org_id = ? and r.reason is not null`,
      [pgArray(addresses), pgArray(domains), orgId],
    );
    if (doomed.length === 0) return 0;
    await noteRestricted(
      this.em,
      orgId,
      doomed.flatMap((d) =>
        d.sender === null
          ? []
          : [{ internetMessageId: d.internet_message_id, sender: d.sender, reason: d.reason }],
      ),
      now,
    );
    const ids = doomed.map((d) => d.id);
    await this.em.execute(
      'delete from mail_message_link where org_id = ? and message_id = any(?::uuid[])',
      [orgId, pgArray(ids)],
    );
    await this.em.execute('delete from mail_message where org_id = ? and id = any(?::uuid[])', [
      orgId,
      pgArray(ids),
    ]);
    await appendChanges(
      this.em,
      orgId,
      ids.map((messageId) => ({ messageId, change: 'deleted' as const })),
      now,
    );
    return ids.length;
  }

  purgeOrgMessages(orgId: string): Promise<number> {
    return this.em.nativeDelete(MailMessage, { orgId });
  }

  purgeOrgLinkCounts(orgId: string): Promise<number> {
    return purgeTriggerKept(this.em, 'mail_link_count', orgId);
  }

  purgeOrgParticipants(orgId: string): Promise<number> {
    return purgeTriggerKept(this.em, 'mail_message_participant', orgId);
  }

  purgeOrgCount(orgId: string): Promise<number> {
    return purgeTriggerKept(this.em, 'mail_org_count', orgId);
  }

  purgeOrgLinks(orgId: string): Promise<number> {
    return this.em.nativeDelete(MailMessageLink, { orgId });
  }

  purgeOrgChannels(orgId: string): Promise<number> {
    return this.em.nativeDelete(MailChannel, { orgId });
  }

  purgeOrgChanges(orgId: string): Promise<number> {
    return this.em.nativeDelete(MailChangeEntry, { orgId });
  }

  purgeOrgSends(orgId: string): Promise<number> {
    return this.em.nativeDelete(MailSend, { orgId });
  }

  purgeMemberSends(orgId: string, roxUserId: string): Promise<number> {
    return this.em.nativeDelete(MailSend, { orgId, roxUserId });
  }

  async purgeOrgState(orgId: string): Promise<number> {
    return this.em.nativeDelete(MailOrgState, { orgId });
  }

  /**
   * Which of these copies a note holds back under these entries of the lists (null: any), as
   * `heldKey(internetMessageId, sender)`.
   */
  restrictedMessages(
    orgId: string,
    copies: readonly CopyOfMessage[],
    entries: readonly string[] | null,
  ): Promise<Set<string>> {
    return restrictedAmong(this.em, orgId, copies, entries);
  }

  /**
   * Forgets the notes of restricted messages whose reason the lists no longer hold (all of them
   * with no lists given: the org's purge, or no mailbox read any more). The full rounds a laxer
   * list starts judge every copy again.
   */
  async forgetRestrictedMessages(
    orgId: string,
    stillHeld: readonly string[] = [],
  ): Promise<number> {
    const rows = await this.em.execute<{ n: number }[]>(
      `with gone as (delete from mail_restricted_message
                      where org_id = ? and reason <> all(?::text[]) returning 1)
       select count(*)::int as n from gone`,
      [orgId, pgArray([...stillHeld])],
    );
    return rows[0]?.n ?? 0;
  }

  // ---- restrictions state --------------------------------------------------------------------

  async orgState(orgId: string): Promise<MailOrgState> {
    return (
      (await this.em.findOne(MailOrgState, { orgId }, { refresh: true })) ?? new MailOrgState(orgId)
    );
  }

  async saveOrgState(state: MailOrgState): Promise<void> {
    await this.em.persistAndFlush(state);
  }

  // ---- reads ---------------------------------------------------------------------------------

  /**
   * A page of messages, newest first, by mailbox, contact address or conversation: the listed
   * columns only, each message with every mailbox's copy of it.
   */
  async page(
    orgId: string,
    filter: MessagePageFilter,
    after: { receivedAt: Date; id: string } | null,
    limit: number,
  ): Promise<ListedMessage[]> {
    const { sql, params } = messagePageQuery(orgId, filter, after, limit);
    const rows = await preparedRows<Row>(this.em, sql, params);
    // The listed columns only: the others stay undefined on these plain rows.
    return withCopies(plainRows(this.em, MailMessage, rows), rows);
  }

  /** One message, every column (plain row), with every mailbox's copy: the API's single read. */
  async messageWithCopies(
    orgId: string,
    id: string,
  ): Promise<(MailMessage & { copies: MessageCopyView[] }) | null> {
    const rows = await preparedRows<Row>(
      this.em,
      `select ${entityColumns(this.em, MailMessage, 'm')}, ${COPIES_OF_M}
         from mail_message m where m.org_id = ? and m.id = ?::uuid`,
      [orgId, id],
    );
    return withCopies(plainRows(this.em, MailMessage, rows), rows)[0] ?? null;
  }

  findMessage(orgId: string, id: string): Promise<MailMessage | null> {
    return this.em.findOne(MailMessage, { orgId, id }, { refresh: true });
  }

  // Reads for API responses: plain rows, not managed entities (plainRows).
  async linksOf(orgId: string, messageIds: readonly string[]): Promise<MailMessageLink[]> {
    if (messageIds.length === 0) return [];
    const rows = await this.em.execute<Row[]>(
      `select * from mail_message_link where org_id = ? and message_id = any(?::uuid[])
        order by rox_user_id`,
      [orgId, pgArray([...new Set(messageIds)])],
    );
    return plainRows(this.em, MailMessageLink, rows);
  }

  /** The org's newest feed sequence, '0' while the feed is empty. */
  async feedHead(orgId: string): Promise<string> {
    const rows = await this.em.execute<{ head: string }[]>(
      `select coalesce(max(sequence), 0)::text as head from mail_change where org_id = ?`,
      [orgId],
    );
    return rows[0]?.head ?? '0';
  }

  async changes(orgId: string, after: string, limit: number): Promise<MailChangeEntry[]> {
    const rows = await preparedRows<Row>(
      this.em,
      // Ordered by the bigint column (the text alias would sort 10 before 9).
      `select c.sequence::text as sequence, c.org_id, c.message_id, c.change, c.rox_user_id,
          c.folder, c.reason, c.at from mail_change c
        where c.org_id = ? and c.sequence > ?::bigint order by c.sequence limit ?`,
      [orgId, after, limit],
    );
    return plainRows(this.em, MailChangeEntry, rows);
  }
}

/** One mailbox's copy of a message, as lists show it. */
export interface MessageCopyView {
  roxUserId: string;
  folder: MailFolderName;
  isRead: boolean;
}

/**
 * A listed message: what the API answers of it, with its copies in member order. Lists read
 * neither the sealed body (a full-level page would carry every body only to drop it) nor the
 * participants index column.
 */
export type ListedMessage = Pick<
  MailMessage,
  | 'id'
  | 'orgId'
  | 'internetMessageId'
  | 'conversationId'
  | 'subject'
  | 'fromAddress'
  | 'senderAddress'
  | 'replyTo'
  | 'toRecipients'
  | 'ccRecipients'
  | 'bccRecipients'
  | 'sentAt'
  | 'receivedAt'
  | 'hasAttachments'
  | 'importance'
  | 'bodyAvailable'
> & { copies: MessageCopyView[] };

// Every mailbox's copy of the message `m`, in member order, as one JSON array of
// [roxUserId, folder, isRead]: reads answer a message with its copies in one statement.
const COPIES_OF_M = `coalesce((select json_agg(json_build_array(x.rox_user_id, x.folder, x.is_read)
                            order by x.rox_user_id, x.folder)
              from mail_message_link x where x.org_id = m.org_id and x.message_id = m.id),
           '[]') as rox_copies`;

const LISTED_COLUMNS = `m.id, m.org_id, m.internet_message_id, m.conversation_id, m.subject,
  m.from_address, m.sender_address, m.reply_to, m.to_recipients, m.cc_recipients, m.bcc_recipients,
  m.sent_at, m.received_at, m.has_attachments, m.importance, m.body_available, ${COPIES_OF_M}`;

// Plain message rows with the copies their SQL rows carry (COPIES_OF_M), row for row.
function withCopies<T extends object>(
  messages: T[],
  rows: readonly Row[],
): (T & { copies: MessageCopyView[] })[] {
  return messages.map((message, i) => {
    const raw = rows[i]?.rox_copies;
    const tuples = (typeof raw === 'string' ? JSON.parse(raw) : (raw ?? [])) as [
      string,
      MailFolderName,
      boolean,
    ][];
    const copies = tuples.map(([roxUserId, folder, isRead]) => ({ roxUserId, folder, isRead }));
    return Object.assign(message, { copies });
  });
}

/** Exactly one of a member's mailbox, a contact address (lower-cased) or a conversation. */
export interface MessagePageFilter {
  roxUserId?: string;
  address?: string;
  conversationId?: string;
}

/**
 * The SQL of {@link MailRepository.page} (exported so the int spec can EXPLAIN the very query).
 * A mailbox walks its links and a contact walks `mail_message_participant`, each newest first on
 * its own index; other combinations filter the org's messages (a conversation holds a few).
 */
export function messagePageQuery(
  orgId: string,
  filter: MessagePageFilter,
  after: { receivedAt: Date; id: string } | null,
  limit: number,
): { sql: string; params: unknown[] } {
  // One filter alone walks its own index.
  const only =
    [filter.roxUserId, filter.address, filter.conversationId].filter((v) => v !== undefined)
      .length === 1;
  if (only && filter.roxUserId !== undefined) {
    const index = { table: 'mail_message_link', key: 'rox_user_id' } as const;
    return keyedPageQuery(orgId, { ...index, value: filter.roxUserId }, after, limit);
  }
  if (only && filter.address !== undefined) {
    const index = { table: 'mail_message_participant', key: 'address' } as const;
    return keyedPageQuery(orgId, { ...index, value: filter.address }, after, limit);
  }
  const where: string[] = ['m.org_id = ?'];
  const params: unknown[] = [orgId];
  if (filter.roxUserId !== undefined) {
    where.push(
      'exists (select 1 from mail_message_link l where l.org_id = m.org_id and l.message_id = m.id and l.rox_user_id = ?)',
    );
    params.push(filter.roxUserId);
  }
  if (filter.address !== undefined) {
    where.push('m.participants @> array[?]::text[]');
    params.push(filter.address);
  }
  if (filter.conversationId !== undefined) {
    where.push('m.conversation_id = ?');
    params.push(filter.conversationId);
  }
  if (after) {
    where.push(`(coalesce(m.received_at, 'epoch'), m.id) < (?, ?::uuid)`);
    params.push(after.receivedAt, after.id);
  }
  return {
    sql: `select ${LISTED_COLUMNS} from mail_message m where ${where.join(' and ')}
       order by coalesce(m.received_at, 'epoch') desc, m.id desc limit ?`,
    params: [...params, limit],
  };
}

/**
 * A page walked newest first on an index of (org, key, receivedAt, message), stopping after
 * `limit` messages whatever the key holds; only those messages are then read. A mailbox walks
 * its links, `distinct` folding the copies one mailbox has of the same message (both carry its
 * receivedAt); a contact walks `mail_message_participant` (kept by triggers, one row per message
 * and address).
 */
function keyedPageQuery(
  orgId: string,
  index: {
    table: 'mail_message_link' | 'mail_message_participant';
    key: 'rox_user_id' | 'address';
    value: string;
  },
  after: { receivedAt: Date; id: string } | null,
  limit: number,
): { sql: string; params: unknown[] } {
  const fold = index.table === 'mail_message_link' ? 'distinct' : '';
  const keyset = after ? 'and (x.received_at, x.message_id) < (?, ?::uuid)' : '';
  return {
    sql: `select ${LISTED_COLUMNS} from (
         select ${fold} x.received_at, x.message_id from ${index.table} x
          where x.org_id = ? and x.${index.key} = ? ${keyset}
          order by x.received_at desc, x.message_id desc limit ?
       ) k join mail_message m on m.org_id = ? and m.id = k.message_id
       order by k.received_at desc, k.message_id desc`,
    params: [orgId, index.value, ...(after ? [after.receivedAt, after.id] : []), limit, orgId],
  };
}

// A Postgres array literal: the query builder would spread a JS array into a list of values.
function pgArray(values: readonly string[]): string {
  return `{${values.map((v) => `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`).join(',')}}`;
}

// Serialises change-feed writers of one org, so sequences commit in order within it.
async function lockFeed(em: EntityManager, orgId: string): Promise<void> {
  await em.execute(`select pg_advisory_xact_lock(hashtext('mail_change:' || ?))`, [orgId]);
}

async function appendCursorReset(
  em: EntityManager,
  orgId: string,
  roxUserId: string,
  folder: MailFolderName,
  reason: MailCursorResetReason,
  now: Date,
): Promise<void> {
  await em.execute(
    `insert into mail_change (org_id, message_id, change, rox_user_id, folder, reason, at)
     values (?, null, 'cursor_reset', ?, ?, ?, ?)`,
    [orgId, roxUserId, folder, reason, now],
  );
}

async function appendChanges(
  em: EntityManager,
  orgId: string,
  changes: readonly {
    messageId: string;
    change: 'created' | 'updated' | 'deleted';
    reason?: MailDeletedReason;
  }[],
  now: Date,
): Promise<void> {
  if (changes.length === 0) return;
  // One statement; sequences are taken in the order of `n`, i.e. the order of `changes`.
  await em.execute(
    `insert into mail_change (org_id, message_id, change, reason, at)
     select ?, x.message_id, x.change, x.reason, ?
     from jsonb_to_recordset(?::jsonb) as x(n int, message_id uuid, change text, reason text)
     order by x.n`,
    [
      orgId,
      now,
      JSON.stringify(
        changes.map((c, n) => ({
          n,
          message_id: c.messageId,
          change: c.change,
          reason: c.reason ?? null,
        })),
      ),
    ],
  );
}

/**
 * Writes one page's copies in a single statement: the messages (one row per internetMessageId,
 * the page's last copy wins), the mailbox's links, and one feed entry per copy in page order (a
 * message's first copy is "created" when its row is new, every other copy "updated"). The
 * caller holds the org's feed lock, so the entries' sequences follow the commit order.
 */
async function writeCopies(
  em: EntityManager,
  orgId: string,
  roxUserId: string,
  folder: MailFolderName,
  round: number,
  latest: ReadonlyMap<string, IncomingMessage>,
  now: Date,
): Promise<{ added: number; linked: number }> {
  const copies = [...latest.values()];
  const lastCopy = new Map<string, number>();
  copies.forEach((m, n) => lastCopy.set(m.internetMessageId, n));
  const firstCopy = new Map<string, number>();
  copies.forEach((m, n) => {
    if (!firstCopy.has(m.internetMessageId)) firstCopy.set(m.internetMessageId, n);
  });
  const input = copies.map((m, n) => ({
    n,
    first: firstCopy.get(m.internetMessageId) === n,
    last: lastCopy.get(m.internetMessageId) === n,
    id: randomUUID(),
    graph_id: m.graphId,
    is_read: m.isRead,
    internet_message_id: m.internetMessageId,
    conversation_id: m.conversationId,
    subject: m.subject,
    from_address: m.from,
    sender_address: m.sender,
    reply_to: m.replyTo,
    to_recipients: m.to,
    cc_recipients: m.cc,
    bcc_recipients: m.bcc,
    participants: m.participants,
    sent_at: m.sentAt,
    received_at: m.receivedAt,
    has_attachments: m.hasAttachments,
    importance: m.importance,
    body_sealed: m.body?.sealed ?? null,
    body_content_type: m.body?.contentType ?? null,
  }));
  // Bound parameters, not em.execute: the ORM inlines parameters into the SQL text, which for a
  // page's JSON means escaping and copying a few hundred kilobytes per page.
  const { rows } = await (em.getTransactionContext<Knex.Transaction>() ?? em.getKnex()).raw<{
    rows: { added: number; linked: number }[];
  }>(
    `with input as (
       select * from jsonb_to_recordset(?::jsonb) as x(n int, first boolean, last boolean,
         id uuid, graph_id text, is_read boolean, internet_message_id text, conversation_id text,
         subject text, from_address jsonb, sender_address jsonb, reply_to jsonb,
         to_recipients jsonb, cc_recipients jsonb, bcc_recipients jsonb, participants jsonb,
         sent_at timestamptz, received_at timestamptz, has_attachments boolean, importance text,
         body_sealed text, body_content_type text)
     ),
     messages as (
       insert into mail_message (id, org_id, internet_message_id, conversation_id, subject,
         from_address, sender_address, reply_to, to_recipients, cc_recipients, bcc_recipients,
         participants, sent_at, received_at, has_attachments, importance, body_available,
         body_sealed, body_content_type, created_at, updated_at)
       select x.id, ?, x.internet_message_id, x.conversation_id, x.subject, x.from_address,
         x.sender_address, x.reply_to, x.to_recipients, x.cc_recipients, x.bcc_recipients,
         array(select jsonb_array_elements_text(x.participants)), x.sent_at, x.received_at,
         x.has_attachments, x.importance, x.body_sealed is not null, x.body_sealed,
         x.body_content_type, ?, ?
       from input x where x.last
       on conflict (org_id, internet_message_id) do update set
         subject = excluded.subject, importance = excluded.importance,
         has_attachments = excluded.has_attachments,
         body_available = mail_message.body_available or excluded.body_available,
         body_sealed = coalesce(excluded.body_sealed, mail_message.body_sealed),
         body_content_type = coalesce(excluded.body_content_type, mail_message.body_content_type),
         updated_at = excluded.updated_at
       returning id, internet_message_id, received_at, (xmax = 0) as inserted
     ),
     links as (
       insert into mail_message_link (org_id, rox_user_id, graph_id, message_id, folder,
         is_read, seen_round, received_at, updated_at)
       select ?, ?, x.graph_id, m.id, ?, x.is_read, ?, coalesce(m.received_at, 'epoch'), ?
       from input x join messages m on m.internet_message_id = x.internet_message_id
       on conflict (org_id, rox_user_id, graph_id) do update set
         message_id = excluded.message_id, folder = excluded.folder,
         is_read = excluded.is_read, received_at = excluded.received_at,
         -- Rounds are counted per folder: a copy that changed folder takes the new folder's.
         seen_round = case when mail_message_link.folder = excluded.folder
           then greatest(mail_message_link.seen_round, excluded.seen_round)
           else excluded.seen_round end,
         updated_at = excluded.updated_at
       returning (xmax = 0) as inserted
     ),
     feed as (
       insert into mail_change (org_id, message_id, change, at)
       select ?, m.id, case when m.inserted and x.first then 'created' else 'updated' end, ?
       from input x join messages m on m.internet_message_id = x.internet_message_id
       order by x.n
       returning 1
     )
     select (select count(*) from links where inserted)::int as added,
       (select count(*) from links)::int as linked`,
    [JSON.stringify(input), orgId, now, now, orgId, roxUserId, folder, round, now, orgId, now],
  );
  return rows[0] ?? { added: 0, linked: 0 };
}

/**
 * Notes messages a sender's Sent Items copy showed with a restricted participant and deletes
 * every stored copy of them from that sender, in every mailbox of the org (the feed says so).
 */
async function restrictMessages(
  em: EntityManager,
  orgId: string,
  restricted: readonly RestrictedMessage[],
  now: Date,
): Promise<{ links: number; changes: { messageId: string; change: 'updated' | 'deleted' }[] }> {
  if (restricted.length === 0) return { links: 0, changes: [] };
  await noteRestricted(em, orgId, restricted, now);
  const removed = await deleteLinks(
    em,
    orgId,
    `message_id in (select m.id from mail_message m
                      join unnest(?::text[], ?::text[]) as x(id, sender)
                        on m.internet_message_id = x.id and m.from_address->>'address' = x.sender
                     where m.org_id = ?)`,
    [
      pgArray(restricted.map((r) => r.internetMessageId)),
      pgArray(restricted.map((r) => r.sender)),
      orgId,
    ],
  );
  return { links: removed.links, changes: removed.changes };
}

/** The key `restrictedAmong` answers with for a copy. */
export function heldKey(internetMessageId: string, sender: string | null): string {
  return `${sender ?? ''}\n${internetMessageId}`;
}

// Notes messages no copy of which is stored while the lists hold their reason.
async function noteRestricted(
  em: EntityManager,
  orgId: string,
  restricted: readonly RestrictedMessage[],
  now: Date,
): Promise<void> {
  if (restricted.length === 0) return;
  await em.execute(
    `insert into mail_restricted_message (org_id, internet_message_id, sender, reason, created_at)
     select ?, x.id, x.sender, x.reason, ?
       from unnest(?::text[], ?::text[], ?::text[]) as x(id, sender, reason)
     on conflict do nothing`,
    [
      orgId,
      now,
      pgArray(restricted.map((r) => r.internetMessageId)),
      pgArray(restricted.map((r) => r.sender)),
      pgArray(restricted.map((r) => r.reason)),
    ],
  );
}

/** Which of these copies a note holds back (`heldKey`), under these entries of the lists. */
async function restrictedAmong(
  em: EntityManager,
  orgId: string,
  copies: readonly CopyOfMessage[],
  entries: readonly string[] | null,
): Promise<Set<string>> {
  const withSender = copies.filter((c) => c.sender !== null);
  if (withSender.length === 0) return new Set();
  const rows = await em.execute<{ internet_message_id: string; sender: string }[]>(
    `select r.internet_message_id, r.sender from mail_restricted_message r
       join unnest(?::text[], ?::text[]) as x(id, sender)
         on r.internet_message_id = x.id and r.sender = x.sender
      where r.org_id = ? ${entries === null ? '' : 'and r.reason = any(?::text[])'}`,
    [
      pgArray(withSender.map((c) => c.internetMessageId)),
      pgArray(withSender.map((c) => c.sender ?? '')),
      orgId,
      ...(entries === null ? [] : [pgArray([...entries])]),
    ],
  );
  return new Set(rows.map((r) => heldKey(r.internet_message_id, r.sender)));
}

// Deletes links matching `where` (after `org_id = ?`), then the messages no mailbox links any more.
async function deleteLinks(
  em: EntityManager,
  orgId: string,
  where: string,
  params: unknown[],
): Promise<{
  links: number;
  messages: number;
  changes: { messageId: string; change: 'updated' | 'deleted' }[];
}> {
  const links = await em.execute<{ message_id: string }[]>(
    `delete from mail_message_link where org_id = ? and ${where} returning message_id`,
    [orgId, ...params],
  );
  const touched = [...new Set(links.map((l) => l.message_id))];
  if (touched.length === 0) return { links: 0, messages: 0, changes: [] };
  const orphans = await em.execute<{ id: string }[]>(
    `delete from mail_message m where m.org_id = ? and m.id = any(?::uuid[])
       and not exists (select 1 from mail_message_link l where l.org_id = m.org_id and l.message_id = m.id)
     returning m.id`,
    [orgId, pgArray(touched)],
  );
  const deleted = new Set(orphans.map((o) => o.id));
  return {
    links: links.length,
    messages: deleted.size,
    changes: touched.map((messageId) => ({
      messageId,
      change: deleted.has(messageId) ? 'deleted' : 'updated',
    })),
  };
}
