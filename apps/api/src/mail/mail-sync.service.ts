import { Injectable } from '@nestjs/common';

import {
  getMessageBodies,
  GraphRequestError,
  listAllMailFolders,
  mailFolderId,
  MESSAGE_DELTA_FILTER_CAP,
  messageFolderId,
  messagesDeltaPages,
  messagesInWindowPages,
  type BoundGraphClient,
  type DeltaPage,
  type GraphMailFolder,
  type GraphMessage,
  type Recipient,
} from '@rox365/graph-client';

import { AppConfig } from '../config/app-config';
import { MailboxAccess } from '../consent/mailbox-access.service';
import { type Mailbox } from '../mailboxes/entities/mailbox.entity';
import { MailboxRepository, type JudgedRestrictions } from '../mailboxes/mailbox.repository';
import { restrictionLists } from '../mailboxes/participant-restrictions';
import { RestrictionPolicy } from '../mailboxes/restriction-policy.service';
import { Cipher } from '../platform/crypto/cipher.service';
import { isDomainError } from '../platform/errors/domain-error';
import { LifecycleRegistry } from '../platform/lifecycle/lifecycle-registry.service';
import { DeltaSyncEngine, type SyncOutcome } from '../platform/sync/delta-sync-engine.service';
import { readAhead } from '../platform/sync/read-ahead';
import { fail, forgetCursor, type PageCounts } from '../platform/sync/sync-channel';
import { Clock } from '../platform/time/clock';
import { type MailChannel, type MailFolderName } from './entities/mail-channel.entity';
import { type StoredAddress } from './entities/mail-message.entity';
import { isMailCursorUsable } from './mail-delta';
import {
  isFolderMissingLately,
  isWellKnownFolder,
  resolveMailFolderPath,
} from './mail-folder-path';
import { MailFolders } from './mail-folders.service';
import {
  normalizeMailAddress,
  participantsOf,
  restrictionOf,
  type MailRestrictions,
} from './mail-restrictions';
import {
  BODY_BACKFILL_PER_RUN,
  BODY_BATCH_SIZE,
  MAIL_BODY_COLUMN,
  MAIL_CHANNEL_KIND,
  MAIL_FOLDER_PAGE_SIZE,
  SYNCED_FOLDERS,
} from './mail.constants';
import { MailError, MailErrorCode, mailRestrictionsChanged } from './mail.errors';
import {
  heldKey,
  MailRepository,
  type IncomingMessage,
  type RestrictedMessage,
} from './mail.repository';

/** What one mailbox sync did. */
export type MailboxSyncResult =
  | { status: 'synced'; folders: Record<string, SyncOutcome> }
  | { status: 'skipped'; reason: string };

/**
 * One member's mailbox, one delta channel per synced folder on platform/sync. The privacy rules
 * come first: a restricted user's mailbox is never read, a message with a restricted participant
 * is never stored (nor its body fetched), and metadata level never asks for a body.
 */
@Injectable()
export class MailSyncService {
  constructor(
    private readonly repo: MailRepository,
    private readonly mailboxes: MailboxRepository,
    private readonly policy: RestrictionPolicy,
    private readonly access: MailboxAccess,
    private readonly engine: DeltaSyncEngine,
    private readonly cipher: Cipher,
    private readonly clock: Clock,
    private readonly config: AppConfig,
    private readonly mailFolders: MailFolders,
    private readonly lifecycle: LifecycleRegistry,
  ) {}

  /** The org's restricted lists (see RestrictionPolicy). */
  restrictions(orgId: string): Promise<MailRestrictions> {
    return this.policy.restrictions(orgId);
  }

  isRestrictedMailbox(mailbox: Mailbox, rules: MailRestrictions): boolean {
    return this.policy.isRestrictedMailbox(mailbox, rules);
  }

  /** Job body: every synced folder of one member's mailbox. */
  async syncMailbox(
    orgId: string,
    roxUserId: string,
    options: { isFinalAttempt?: boolean } = {},
  ): Promise<MailboxSyncResult> {
    const mailbox = await this.mailboxes.find(orgId, roxUserId);
    if (!mailbox || !mailbox.mailInScope || mailbox.mailEffective === 'off') {
      return { status: 'skipped', reason: 'out_of_scope' };
    }
    const appliedAt = await this.mailboxes.restrictionsAppliedAt(orgId, 'mail');
    const rules = await this.restrictions(orgId);
    // Each page, and each round's last commit, checks no purge applied other lists since.
    const lists: JudgedRestrictions = { ...restrictionLists(rules), appliedAt };
    // Checked again here (not only through the mailbox row): not one request to their mailbox.
    if (this.isRestrictedMailbox(mailbox, rules)) {
      return { status: 'skipped', reason: 'restricted_user' };
    }
    const grant = await this.access.forMailbox(orgId, {
      roxUserId,
      directoryUserId: mailbox.directoryUserId,
      kind: 'mail',
    });
    const isFull = mailbox.mailEffective === 'read' || mailbox.mailEffective === 'read_send';
    const folderIds = new Map<MailFolderName, string>();
    // A Map: a member's folder may be called __proto__ (Object.fromEntries keeps it as data).
    const folders = new Map<string, SyncOutcome>();
    const synced = await this.mailFolders.synced(orgId);
    // Extra folders a mailbox does not have: marked on their own channel, not synced.
    const missing = new Set<MailFolderName>();
    // The mailbox's folders, listed once per run and only when a user folder's id is unknown (a
    // refused listing is not asked again for the run's next user folder).
    let hierarchy: Promise<GraphMailFolder[]> | null = null;
    const resolveUserFolder = async (path: string): Promise<string | null> => {
      hierarchy ??= listAllMailFolders(grant.client, grant.ownerPath, {
        maxPageSize: MAIL_FOLDER_PAGE_SIZE,
      });
      // Well-known folders resolve first: a path through Inbox finds it by id in any language.
      return resolveMailFolderPath(await hierarchy, path, folderIds);
    };
    // Well-known folders first: a user folder's id is checked against theirs.
    const byKind = [...synced].sort(
      (a, b) => Number(!isWellKnownFolder(a)) - Number(!isWellKnownFolder(b)),
    );
    // Extra folders' ids before this run: a folder found, lost or made again moves its
    // change-notification subscription.
    const idsBefore = new Map<MailFolderName, string | null>();
    try {
      for (const folder of byKind) {
        const channel = await this.repo.channel(orgId, roxUserId, folder);
        if (!SYNCED_FOLDERS.includes(folder)) idsBefore.set(folder, channel.folderId);
        if (isFolderMissingLately(channel, mailbox.directoryUserId, this.clock.now())) {
          // Looked for lately and not there: not looked for again until the recheck is due.
          missing.add(folder);
          continue;
        }
        if (channel.directoryUserId !== mailbox.directoryUserId) {
          // Another account behind the member: its cursor means nothing here.
          if (channel.cursor !== null) {
            await this.repo.cursorReset(
              orgId,
              roxUserId,
              folder,
              'account_changed',
              this.clock.now(),
            );
          }
          channel.directoryUserId = mailbox.directoryUserId;
          channel.cursor = null;
          channel.cursorAt = null;
          channel.folderId = null;
        }
        try {
          // A user folder is found by its path once, then followed by id (renames included).
          channel.folderId ??= isWellKnownFolder(folder)
            ? await mailFolderId(grant.client, grant.ownerPath, folder)
            : await resolveUserFolder(folder);
          // A path that leads to a folder synced already (Inbox by its localised name, say) is no
          // folder of its own: two channels over one folder would fight over its links.
          if (
            !isWellKnownFolder(folder) &&
            channel.folderId !== null &&
            isSyncedElsewhere(folderIds, folder, channel.folderId)
          )
            channel.folderId = null;
          if (channel.folderId === null) {
            fail(channel, MailErrorCode.MAIL_FOLDER_NOT_FOUND, this.clock.now(), false);
            await this.repo.saveChannel(channel);
            missing.add(folder);
            continue;
          }
        } catch (error) {
          if (!SYNCED_FOLDERS.includes(folder) && isFolderNotFound(error)) {
            // This mailbox has no such folder (e.g. no Archive): only this folder says so.
            fail(channel, MailErrorCode.MAIL_FOLDER_NOT_FOUND, this.clock.now(), false);
            await this.repo.saveChannel(channel);
            missing.add(folder);
            continue;
          }
          // Refused before any round: the channel still says why (only this mailbox is affected).
          const failure = classifyMailFailure(error);
          if (!isWellKnownFolder(folder) && !failure.willRetry) {
            // The hierarchy walk refused for good (e.g. 403 ErrorQuotaExceeded: mailFolders/delta
            // needs room in a full mailbox, other reads do not): only this folder says so, the
            // mailbox's other folders sync.
            fail(channel, failure.code, this.clock.now(), false);
            await this.repo.saveChannel(channel);
            missing.add(folder);
            continue;
          }
          fail(
            channel,
            failure.code,
            this.clock.now(),
            failure.willRetry && !options.isFinalAttempt,
          );
          await this.repo.saveChannel(channel);
          throw failure.error;
        }
        folderIds.set(folder, channel.folderId);
        await this.repo.saveChannel(channel);
      }
      const receivedSince = new Date(
        this.clock.now().getTime() - this.config.mail.backfillDays * 86_400_000,
      );
      const graphOrigin = new URL(this.config.microsoft.graphBaseUrl).origin;
      const runFolder = async (folder: MailFolderName): Promise<SyncOutcome> => {
        const channel = await this.repo.channel(orgId, roxUserId, folder);
        // A well-known folder is addressed by name, a user folder by its id.
        const graphFolder = isWellKnownFolder(folder) ? folder : channel.folderId;
        // Unreachable (a user folder without an id is missing and skipped above); a display path
        // must never become a Graph URL segment.
        if (graphFolder === null) throw new Error(`user folder without an id: ${folder}`);
        const reset: ResetWatch = { orgId, roxUserId, channel, hadCursor: channel.cursor !== null };
        return this.engine.run(
          {
            key: { orgId, kind: MAIL_CHANNEL_KIND, mailboxKey: `${roxUserId}:${folder}` },
            state: channel,
            saveState: (s) => this.repo.saveChannel(s),
            // The next page is fetched while this one is written (the round's two waits overlap).
            pages: (cursor) =>
              readAhead(
                this.roundPages(
                  grant.client,
                  grant.ownerPath,
                  { folder, graphFolder },
                  cursor,
                  receivedSince,
                  reset,
                ),
              ),
            applyPage: (page, round) =>
              this.applyPage(
                { orgId, roxUserId, folder, client: grant.client, ownerPath: grant.ownerPath },
                { rules, lists, isFull, folderIds },
                page,
                round,
              ),
            reconcile: (round) =>
              this.repo.deleteUnseen(
                orgId,
                roxUserId,
                folder,
                round,
                this.clock.now(),
                receivedSince,
              ),
            count: () => this.repo.countLinks(orgId, roxUserId, folder),
            // Lists changed during the round: what it stored is judged again (a lifted
            // restriction reset the cursor, which this round's cursor must not overwrite).
            beforeCommit: async () => {
              if (!(await this.mailboxes.restrictionsStillApply(orgId, 'mail', lists)))
                throw mailRestrictionsChanged();
            },
            reloadState: (s) => this.repo.reloadChannel(s),
            isCursorUsable: (cursor, cursorAt, now) =>
              isMailCursorUsable(cursor, cursorAt, now, graphOrigin),
            classifyFailure: (error) =>
              isWellKnownFolder(folder)
                ? classifyMailFailure(error)
                : classifyUserFolderFailure(error),
          },
          options,
        );
      };
      for (const folder of synced) {
        if (missing.has(folder)) continue;
        try {
          folders.set(folder, await runFolder(folder));
        } catch (error) {
          if (!isFolderGoneError(error)) throw error;
          // The user folder's id answers 404 (deleted, or moved out of reach): look its path up
          // again; a folder found there is synced afresh, else the channel says it is missing and
          // what was stored from it goes.
          const channel = await this.repo.channel(orgId, roxUserId, folder);
          if (channel.cursor !== null) {
            // Its cursor means nothing now: consumers reconcile this folder (MAIL-6).
            await this.repo.cursorReset(
              orgId,
              roxUserId,
              folder,
              'cursor_unusable',
              this.clock.now(),
            );
          }
          forgetCursor(channel);
          hierarchy = null;
          const found = await resolveUserFolder(folder);
          channel.folderId =
            found !== null && !isSyncedElsewhere(folderIds, folder, found) ? found : null;
          await this.repo.saveChannel(channel);
          if (channel.folderId === null) {
            folderIds.delete(folder);
            await this.repo.deleteUnseen(orgId, roxUserId, folder, ALL_ROUNDS, this.clock.now());
            continue;
          }
          folderIds.set(folder, channel.folderId);
          folders.set(folder, await runFolder(folder));
        }
      }
    } finally {
      // Also when the run fails after saving a new id: the subscription follows what was saved.
      if ([...idsBefore].some(([folder, id]) => (folderIds.get(folder) ?? null) !== id))
        await this.lifecycle.mailFoldersMoved(orgId, roxUserId);
    }
    if (isFull) await this.backfillBodies(orgId, roxUserId, grant.client, grant.ownerPath);
    else await this.repo.dropBodies(orgId, [roxUserId], this.clock.now());
    return { status: 'synced', folders: Object.fromEntries(folders) };
  }

  /**
   * One round's pages. A first round is the delta bounded by the backfill window, newest first;
   * Graph stops it at 5,000 messages, so when it returned that many the older part of the window
   * is listed after it (same round: reconcile keeps what the listing saw). The deltaLink of the
   * delta's last page stays the cursor. A full round where a cursor was stored is a reset: the
   * feed gets a `cursor_reset` first (once: the dead cursor is forgotten with it).
   */
  private async *roundPages(
    client: BoundGraphClient,
    ownerPath: string,
    { folder, graphFolder }: { folder: MailFolderName; graphFolder: string },
    cursor: string | null,
    receivedSince: Date,
    reset: ResetWatch,
  ): AsyncGenerator<DeltaPage<GraphMessage>, void, undefined> {
    if (cursor !== null) {
      reset.resumed = true;
    } else if (reset.hadCursor) {
      reset.hadCursor = false;
      forgetCursor(reset.channel);
      await this.repo.cursorReset(
        reset.orgId,
        reset.roxUserId,
        folder,
        // Resumed first, then restarted: Graph refused the cursor (410).
        reset.resumed === true ? 'cursor_expired' : 'cursor_unusable',
        this.clock.now(),
      );
    }
    let returned = 0;
    let oldest: number | null = null;
    for await (const page of messagesDeltaPages(
      client,
      ownerPath,
      cursor ? { deltaLink: cursor } : { folder: graphFolder },
      { maxPageSize: this.config.mail.pageSize, receivedSince },
    )) {
      returned += page.items.length + page.removed.length;
      for (const m of page.items) {
        const at = m.receivedDateTime ? Date.parse(m.receivedDateTime) : Number.NaN;
        if (!Number.isNaN(at) && (oldest === null || at < oldest)) oldest = at;
      }
      yield page;
    }
    if (cursor !== null || returned < MESSAGE_DELTA_FILTER_CAP || oldest === null) return;
    // Up to the oldest second the delta returned, included: messages sharing it may have been cut.
    for await (const page of messagesInWindowPages(client, ownerPath, graphFolder, {
      since: receivedSince,
      before: new Date(Math.floor(oldest / 1000) * 1000 + 1000),
      pageSize: this.config.mail.pageSize,
    })) {
      yield { items: page.value, removed: [], deltaLink: null };
    }
  }

  // Copies stored before the level was raised (or whose body fetch failed) get their body now.
  private async backfillBodies(
    orgId: string,
    roxUserId: string,
    client: BoundGraphClient,
    ownerPath: string,
  ): Promise<void> {
    const missing = await this.repo.linksWithoutBody(orgId, roxUserId, BODY_BACKFILL_PER_RUN);
    for (let i = 0; i < missing.length; i += BODY_BATCH_SIZE) {
      const chunk = missing.slice(i, i + BODY_BATCH_SIZE);
      const results = await getMessageBodies(
        client,
        ownerPath,
        chunk.map((l) => l.graph_id),
      );
      for (const [k, r] of results.entries()) {
        const link = chunk[k];
        if (r.body === null || !link) continue;
        await this.repo.setBody(
          orgId,
          link.message_id,
          {
            sealed: this.cipher.encrypt(r.body.content, MAIL_BODY_COLUMN, orgId),
            contentType: r.body.contentType === 'html' ? 'html' : 'text',
          },
          this.clock.now(),
        );
      }
    }
  }

  // Filter first, then bodies (full level, only for what passed), then one transaction.
  private async applyPage(
    target: {
      orgId: string;
      roxUserId: string;
      folder: MailFolderName;
      client: BoundGraphClient;
      ownerPath: string;
    },
    context: {
      rules: MailRestrictions;
      lists: JudgedRestrictions;
      isFull: boolean;
      folderIds: Map<MailFolderName, string>;
    },
    page: DeltaPage<GraphMessage>,
    round: number,
  ): Promise<PageCounts> {
    const kept: GraphMessage[] = [];
    const excludedGraphIds: string[] = [];
    // Other copies of a restricted message may not show why: a Bcc is on the sender's Sent
    // Items copy only. Noted from there alone, bound to that sender: anyone can put a message's
    // id on mail of their own, and must not make Rox drop the real one.
    const restrictedMessages: RestrictedMessage[] = [];
    const senderOf = (m: GraphMessage) => normalizeMailAddress(m.from?.emailAddress.address);
    for (const m of page.items) {
      if (m.isDraft === true) continue;
      const reason = restrictionOf(m, context.rules);
      if (reason === null) {
        kept.push(m);
        continue;
      }
      excludedGraphIds.push(m.id);
      const sender = senderOf(m);
      if (target.folder === 'sentitems' && m.internetMessageId && sender)
        restrictedMessages.push({ internetMessageId: m.internetMessageId, sender, reason });
    }
    if (context.isFull && kept.length > 0) {
      // Copies of messages their sender's copy showed restricted: no body asked for. (The page
      // keeps them out under its lock either way, so the metadata level skips this read.)
      const held = await this.repo.restrictedMessages(
        target.orgId,
        kept.map((m) => ({
          internetMessageId: internetMessageIdOf(m, target.roxUserId),
          sender: senderOf(m),
        })),
        [...context.lists.domains, ...context.lists.addresses],
      );
      for (let i = kept.length - 1; i >= 0; i -= 1) {
        const m = kept[i] as GraphMessage;
        if (!held.has(heldKey(internetMessageIdOf(m, target.roxUserId), senderOf(m)))) continue;
        excludedGraphIds.push(m.id);
        kept.splice(i, 1);
      }
    }
    const bodies = new Map<string, { sealed: string; contentType: 'text' | 'html' }>();
    if (context.isFull && kept.length > 0) {
      const stored = await this.repo.withBody(
        target.orgId,
        kept.map((m) => internetMessageIdOf(m, target.roxUserId)),
      );
      const wanted = kept
        .filter((m) => !stored.has(internetMessageIdOf(m, target.roxUserId)))
        .map((m) => m.id);
      for (let i = 0; i < wanted.length; i += BODY_BATCH_SIZE) {
        const results = await getMessageBodies(
          target.client,
          target.ownerPath,
          wanted.slice(i, i + BODY_BATCH_SIZE),
        );
        for (const r of results) {
          if (r.body === null) continue;
          // Sealed before it reaches the database; the plaintext lives only in this frame.
          bodies.set(r.id, {
            sealed: this.cipher.encrypt(r.body.content, MAIL_BODY_COLUMN, target.orgId),
            contentType: r.body.contentType === 'html' ? 'html' : 'text',
          });
        }
      }
    }
    // A copy gone from this folder: deleted, moved out, or moved to another synced folder.
    const existing = await this.repo.links(
      target.orgId,
      target.roxUserId,
      page.removed.map((r) => r.id),
    );
    const removedGraphIds: string[] = [];
    const movedOutGraphIds: string[] = [];
    const moved: { graphId: string; folder: MailFolderName }[] = [];
    for (const r of page.removed) {
      const link = existing.get(r.id);
      if (!link || link.folder !== target.folder) continue;
      const now = await messageFolderId(target.client, target.ownerPath, r.id);
      const into = [...context.folderIds].find(([, id]) => id === now)?.[0];
      if (now !== null && into !== undefined && into !== target.folder) {
        moved.push({ graphId: r.id, folder: into });
      } else if (now !== null && into === undefined) {
        movedOutGraphIds.push(r.id);
      } else if (into !== target.folder) {
        removedGraphIds.push(r.id);
      }
    }
    return this.repo.applyPage(
      target.orgId,
      target.roxUserId,
      target.folder,
      round,
      {
        messages: kept.map((m) => toIncoming(m, target.roxUserId, bodies.get(m.id) ?? null)),
        removedGraphIds,
        movedOutGraphIds,
        moved,
        excludedGraphIds,
        restrictedMessages,
        restrictions: context.lists,
      },
      this.clock.now(),
    );
  }
}

// What a folder's run knows to tell a reset (410 or unusable cursor) from a first sync.
interface ResetWatch {
  orgId: string;
  roxUserId: string;
  channel: MailChannel;
  hadCursor: boolean;
  resumed?: boolean;
}

// Without an internetMessageId (rare: drafts, some system mail) the copy stays its own message.
function internetMessageIdOf(m: GraphMessage, roxUserId: string): string {
  return m.internetMessageId ?? `graph:${roxUserId}:${m.id}`;
}

function address(r: Recipient | undefined): StoredAddress | null {
  const normalized = normalizeMailAddress(r?.emailAddress.address);
  return normalized ? { address: normalized, name: r?.emailAddress.name ?? null } : null;
}

function addresses(list: readonly Recipient[] | undefined): StoredAddress[] {
  return (list ?? []).map(address).filter((a): a is StoredAddress => a !== null);
}

function dateOf(value: string | undefined): Date | null {
  return value ? new Date(value) : null;
}

function toIncoming(
  m: GraphMessage,
  roxUserId: string,
  body: IncomingMessage['body'],
): IncomingMessage {
  return {
    graphId: m.id,
    internetMessageId: internetMessageIdOf(m, roxUserId),
    conversationId: m.conversationId ?? null,
    subject: m.subject ?? null,
    from: address(m.from),
    sender: address(m.sender),
    replyTo: addresses(m.replyTo),
    to: addresses(m.toRecipients),
    cc: addresses(m.ccRecipients),
    bcc: addresses(m.bccRecipients),
    participants: participantsOf(m),
    sentAt: dateOf(m.sentDateTime),
    receivedAt: dateOf(m.receivedDateTime),
    hasAttachments: m.hasAttachments === true,
    importance: m.importance ?? null,
    isRead: m.isRead === true,
    body,
  };
}

// A well-known folder the mailbox lacks (e.g. no Archive) answers 404 ErrorFolderNotFound; a
// mailbox that is not enabled answers 404 with another code, on Inbox first.
function isFolderNotFound(error: unknown): boolean {
  return (
    error instanceof GraphRequestError &&
    error.status === 404 &&
    error.code === 'ErrorFolderNotFound'
  );
}

function isSyncedElsewhere(
  folderIds: ReadonlyMap<MailFolderName, string>,
  folder: MailFolderName,
  id: string,
): boolean {
  return [...folderIds].some(([other, otherId]) => other !== folder && otherId === id);
}

// Links of every round: a folder found gone drops everything stored from it.
const ALL_ROUNDS = 2_147_483_647;

// A user folder's id that no longer exists: Exchange answers 404 ErrorItemNotFound (the emulator
// ErrorFolderNotFound) on its messages delta, first request or stored deltaLink.
function isFolderGone(error: unknown): boolean {
  return (
    error instanceof GraphRequestError &&
    error.status === 404 &&
    (error.code === 'ErrorItemNotFound' || error.code === 'ErrorFolderNotFound')
  );
}

function isFolderGoneError(error: unknown): boolean {
  return error instanceof MailError && error.code === MailErrorCode.MAIL_FOLDER_NOT_FOUND;
}

/** A user folder's failures: its id gone is MAIL_FOLDER_NOT_FOUND (looked up again), else as any. */
export function classifyUserFolderFailure(error: unknown): {
  code: string;
  error: unknown;
  willRetry: boolean;
} {
  if (!isFolderGone(error)) return classifyMailFailure(error);
  return {
    code: MailErrorCode.MAIL_FOLDER_NOT_FOUND,
    willRetry: false,
    error: new MailError(
      MailErrorCode.MAIL_FOLDER_NOT_FOUND,
      'not_found',
      'The mail folder is not in the mailbox any more.',
      { cause: error },
    ),
  };
}

/** Graph failures as coded mail errors: throttling and outages retry, refusals do not. */
export function classifyMailFailure(error: unknown): {
  code: string;
  error: unknown;
  willRetry: boolean;
} {
  if (error instanceof GraphRequestError) {
    const context = { status: error.status, graphCode: error.code, requestId: error.requestId };
    if (error.isThrottled) {
      return {
        code: MailErrorCode.MAIL_GRAPH_THROTTLED,
        willRetry: true,
        error: new MailError(MailErrorCode.MAIL_GRAPH_THROTTLED, 'rate_limited', 'Throttled.', {
          cause: error,
          context,
          retryAfterMs: error.retryAfterMs ?? undefined,
        }),
      };
    }
    // the mailbox's own refusals say what the admin can do about them (as the calendar's).
    const refusal = (code: MailErrorCode, kind: MailError['kind'], message: string) => ({
      code,
      willRetry: false,
      error: new MailError(code, kind, message, { cause: error, context }),
    });
    if (error.isAccessPolicyDenied)
      return refusal(
        MailErrorCode.MAIL_BLOCKED_BY_ACCESS_POLICY,
        'forbidden',
        'The mailbox is outside the application access policy.',
      );
    if (error.isMailboxNotEnabled)
      return refusal(
        MailErrorCode.MAIL_NO_MAILBOX,
        'precondition_failed',
        'The user has no Exchange Online mailbox.',
      );
    if (error.status === 404 && error.code === 'ErrorInvalidUser')
      return refusal(
        MailErrorCode.MAIL_USER_NOT_FOUND,
        'not_found',
        'The Microsoft 365 user no longer exists.',
      );
    if (error.status === 401 || error.status === 403 || error.status === 404) {
      return {
        code: MailErrorCode.MAIL_PERMISSION_DENIED,
        willRetry: false,
        error: new MailError(
          MailErrorCode.MAIL_PERMISSION_DENIED,
          'forbidden',
          `Microsoft Graph refused the mailbox (${error.code ?? error.status}).`,
          { cause: error, context },
        ),
      };
    }
    if (error.isTransient) {
      return {
        code: MailErrorCode.MAIL_GRAPH_UNAVAILABLE,
        willRetry: true,
        error: new MailError(
          MailErrorCode.MAIL_GRAPH_UNAVAILABLE,
          'unavailable',
          'Microsoft Graph is unavailable.',
          { cause: error, context },
        ),
      };
    }
  }
  // Coded errors keep their code (a page refused because the mailbox left scope is not retried).
  if (isDomainError(error)) {
    return {
      code: error.code,
      error,
      willRetry: error.kind === 'rate_limited' || error.kind === 'unavailable',
    };
  }
  return {
    code: MailErrorCode.MAIL_SYNC_FAILED,
    willRetry: true,
    error,
  };
}
