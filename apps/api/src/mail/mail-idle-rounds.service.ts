import { Injectable, Logger } from '@nestjs/common';

import { mailboxKeyOf, messagesDeltaHeaders } from '@rox365/graph-client';

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
import { type MailChannel, type MailFolderName } from './entities/mail-channel.entity';
import { isMailCursorUsable } from './mail-delta';
import { isFolderMissingLately } from './mail-folder-path';
import { MAIL_CHANNEL_KIND } from './mail.constants';
import { MailRepository } from './mail.repository';

/**
 * The org cycle's pre-pass: the idle rounds of every synced folder (Inbox, Sent Items and the
 * org's extra folders) of the
 * org's mailboxes as `$batch`es of 20 stored deltaLinks over the org-wide app (platform/sync's
 * `idleRounds`), instead of one job per mailbox. A mailbox is settled here only when each of its
 * folders is; otherwise its job runs every folder as usual (a folder committed here then simply
 * resumes from its new link). Members reached through their own (delegated) connection have a
 * `/me` token each and keep their own jobs.
 *
 * Whatever a mailbox job does besides its delta rounds must happen here too, or make the mailbox
 * ineligible: at the full level copies still without a body (the job's body backfill) keep the
 * mailbox out; at the metadata level bodies are dropped here as the job would.
 */
@Injectable()
export class MailIdleRounds {
  private readonly logger = new Logger('mail');

  constructor(
    private readonly repo: MailRepository,
    private readonly connections: ConnectionReader,
    private readonly access: MailboxAccess,
    private readonly engine: DeltaSyncEngine,
    private readonly clock: Clock,
    private readonly config: AppConfig,
    private readonly lifecycle: LifecycleRegistry,
  ) {}

  /** Runs the idle rounds it can for these in-scope mailboxes; returns the members settled. */
  async run(
    orgId: string,
    mailboxes: readonly Mailbox[],
    folders: readonly MailFolderName[],
  ): Promise<Set<string>> {
    if (mailboxes.length === 0) return new Set();
    // Without the org-wide connection every mailbox is reached with its member's own token:
    // none joins a $batch, but one its own subscriptions keep fresh is settled until its
    // safety poll.
    const isOrgwide = (await this.connections.connection(orgId)) !== null;
    const byMember = new Map<string, MailChannel[]>();
    for (const channel of await this.repo.channels(
      orgId,
      mailboxes.map((m) => m.roxUserId),
    )) {
      byMember.set(channel.roxUserId, [...(byMember.get(channel.roxUserId) ?? []), channel]);
    }
    const now = this.clock.now();
    const graphOrigin = new URL(this.config.microsoft.graphBaseUrl).origin;
    const eligible: MailChannel[][] = [];
    for (const mailbox of mailboxes) {
      const channels = byMember.get(mailbox.roxUserId) ?? [];
      // Settled only when every synced folder is idle: a folder never synced, or missing from
      // this mailbox, leaves the mailbox to its job.
      const present = channels.filter((c) => folders.includes(c.folder));
      const isComplete = folders.every((f) => present.some((c) => c.folder === f));
      // A user folder this mailbox lacks and was looked for lately has nothing to read: the
      // mailbox is settled by its other folders (its job would skip that folder too).
      const synced = present.filter((c) => !isFolderMissingLately(c, mailbox.directoryUserId, now));
      const isCandidate = (c: MailChannel) =>
        isOrgwide
          ? isIdleCandidate(c, mailbox, now, graphOrigin)
          : isOwnIdleCandidate(c, mailbox, now, graphOrigin);
      if (!isComplete || !synced.every(isCandidate)) continue;
      // The job would fetch missing bodies after its rounds: leave such a mailbox to it.
      if (
        isFullLevel(mailbox) &&
        (await this.repo.linksWithoutBody(orgId, mailbox.roxUserId, 1)).length > 0
      )
        continue;
      eligible.push(synced);
    }
    const coverage = await this.lifecycle.coveredChannels(
      orgId,
      'mail',
      eligible.map((synced) => synced[0]?.roxUserId ?? ''),
    );
    const covered = new Set<string>();
    const offered: MailChannel[] = [];
    for (const synced of eligible) {
      if (synced.length > 0 && synced.every((c) => coverage.defers(c, now)))
        covered.add(synced[0]?.roxUserId ?? '');
      else if (isOrgwide) offered.push(...synced);
    }
    if (offered.length === 0 && covered.size === 0) return new Set();

    const results =
      offered.length === 0
        ? []
        : await this.engine.idleRounds(
            (await this.access.forOrg(orgId)).client,
            offered.map((c) => this.idleChannel(c)),
            this.store(orgId),
          );
    const unsettled = new Set<string>();
    const fallbacks: Record<string, number> = {};
    results.forEach((result, i) => {
      if (result.kind !== 'fallback') return;
      unsettled.add(offered[i]?.roxUserId ?? '');
      fallbacks[result.reason] = (fallbacks[result.reason] ?? 0) + 1;
    });
    const settled = new Set([
      ...covered,
      ...offered.map((c) => c.roxUserId).filter((u) => !unsettled.has(u)),
    ]);
    // What the job does at the metadata level after its rounds (a lowered level drops bodies).
    await this.repo.dropBodies(
      orgId,
      mailboxes.filter((m) => settled.has(m.roxUserId) && !isFullLevel(m)).map((m) => m.roxUserId),
      this.clock.now(),
    );
    this.logger.log(
      { orgId, covered: covered.size, offered: offered.length, settled: settled.size, fallbacks },
      'mail idle rounds',
    );
    return settled;
  }

  private idleChannel(channel: MailChannel): IdleDeltaChannel<MailChannel> {
    const { orgId, roxUserId, folder } = channel;
    return {
      key: { orgId, kind: MAIL_CHANNEL_KIND, mailboxKey: `${roxUserId}:${folder}` },
      state: channel,
      // The same Prefer every page of the folder's own rounds sends (IdType added by the client).
      headers: messagesDeltaHeaders({ maxPageSize: this.config.mail.pageSize }),
    };
  }

  // A batch's folder channels are keyed `roxUserId:folder`, as their mailboxKey.
  private store(orgId: string): IdleRoundStore<MailChannel> {
    const keys = (channels: readonly IdleDeltaChannel<MailChannel>[]) =>
      channels.map((c) => ({ roxUserId: c.state.roxUserId, folder: c.state.folder }));
    return {
      lockStored: (channels) => this.repo.lockChannelsProgress(orgId, keys(channels)),
      counts: (channels) => this.repo.linkCounts(orgId, keys(channels)),
      saveStates: (channels) => this.repo.saveChannels(channels.map((c) => c.state)),
    };
  }
}

function isFullLevel(mailbox: Mailbox): boolean {
  return mailbox.mailEffective === 'read' || mailbox.mailEffective === 'read_send';
}

/**
 * A folder channel whose next round may be read in a batch: its last round succeeded, it still
 * reads the member's mailbox and knows its folder, its cursor is one the job would resume, and
 * it names that mailbox.
 */
export function isIdleCandidate(
  channel: MailChannel,
  mailbox: Mailbox,
  now: Date,
  graphOrigin: string,
): boolean {
  if (channel.stage !== 'ok' || channel.cursor === null || mailbox.directoryUserId === null)
    return false;
  if (channel.directoryUserId !== mailbox.directoryUserId || channel.folderId === null)
    return false;
  if (!isMailCursorUsable(channel.cursor, channel.cursorAt, now, graphOrigin)) return false;
  const url = batchItemUrl(channel.cursor);
  return url !== null && mailboxKeyOf(url) === `users/${mailbox.directoryUserId.toLowerCase()}`;
}

/** A folder of a member's own connection that its subscription may settle: synced and current. */
export function isOwnIdleCandidate(
  channel: MailChannel,
  mailbox: Mailbox,
  now: Date,
  graphOrigin: string,
): boolean {
  return isOwnChannelSettleable(mailbox, channel, (cursor) =>
    isMailCursorUsable(cursor, channel.cursorAt, now, graphOrigin),
  );
}
