import { Injectable } from '@nestjs/common';

import { AppConfig } from '../config/app-config';
import { MailboxRepository } from '../mailboxes/mailbox.repository';
import { sameRestrictionLists } from '../mailboxes/participant-restrictions';
import { AuditLog } from '../platform/audit/audit-log.service';
import { Transactions } from '../platform/database/transactions.service';
import { Clock } from '../platform/time/clock';
import { MailFolders } from './mail-folders.service';
import { MailIdleRounds } from './mail-idle-rounds.service';
import { MailJobs } from './mail-jobs.service';
import { type MailRestrictions } from './mail-restrictions';
import { MailSyncService } from './mail-sync.service';
import { MailRepository } from './mail.repository';

/** What one org cycle did. */
export interface MailCycleResult {
  purgedMailboxes: string[];
  /** Mailbox folders taken out of the org's setting, purged (`<member>:<folder>`). */
  purgedFolders: string[];
  restrictedPurged: number;
  reimport: boolean;
  queued: string[];
  /** Mailboxes whose idle rounds a `$batch` settled (no job queued). */
  idle: string[];
}

/**
 * One org's mail cycle: what left scope is purged (with a receipt), so is a folder taken out of
 * the org's extra folders, what became restricted is
 * purged (counted in the audit log), lifted restrictions re-import (full rounds within the
 * backfill window); the in-scope mailboxes' idle rounds are read in `$batch`es, and every
 * mailbox those cannot settle is queued.
 */
@Injectable()
export class MailCycleService {
  constructor(
    private readonly repo: MailRepository,
    private readonly mailboxes: MailboxRepository,
    private readonly sync: MailSyncService,
    private readonly jobs: MailJobs,
    private readonly tx: Transactions,
    private readonly audit: AuditLog,
    private readonly clock: Clock,
    private readonly config: AppConfig,
    private readonly idleRounds: MailIdleRounds,
    private readonly mailFolders: MailFolders,
  ) {}

  async run(orgId: string): Promise<MailCycleResult> {
    const rules = await this.sync.restrictions(orgId);
    const rows = new Map((await this.mailboxes.listAll(orgId)).map((m) => [m.roxUserId, m]));
    const inScope = [...rows.values()].filter(
      (m) => m.mailInScope && m.mailEffective !== 'off' && !this.sync.isRestrictedMailbox(m, rules),
    );
    const keep = new Set(inScope.map((m) => m.roxUserId));

    // The lists first: once they are applied, a round still judging pages with the old ones
    // stores nothing more, so the purges below also take what such a round stored before (a
    // member who just became restricted keeps no copy until the next cycle). With no mailbox
    // reachable (disconnected) no page can be stored, and no state is kept.
    const reachable = [...rows.values()].some((m) => m.route !== 'none');
    const { restrictedPurged, lifted } = reachable
      ? await this.applyRestrictions(orgId, rules)
      : await this.forgetLists(orgId);

    const purgedMailboxes: string[] = [];
    for (const roxUserId of await this.repo.mailboxesWithMail(orgId)) {
      if (keep.has(roxUserId)) continue;
      const row = rows.get(roxUserId);
      await this.tx.run(async () => {
        const removed = await this.repo.purgeMailbox(orgId, roxUserId, this.clock.now());
        await this.audit.record({
          orgId,
          action: 'mail.mailbox_purged',
          target: { type: 'member', id: roxUserId },
          details: { reason: row?.mailReason ?? 'no_longer_in_scope', ...removed },
        });
      });
      purgedMailboxes.push(roxUserId);
    }

    if (inScope.length === 0) {
      return {
        purgedMailboxes,
        purgedFolders: [],
        restrictedPurged,
        reimport: lifted,
        queued: [],
        idle: [],
      };
    }

    // A folder taken out of the setting goes like a mailbox leaving scope, with a receipt.
    const folders = await this.mailFolders.synced(orgId);
    const purgedFolders: string[] = [];
    for (const { roxUserId, folder } of await this.repo.foldersOutside(orgId, folders)) {
      await this.tx.run(async () => {
        const removed = await this.repo.purgeFolder(orgId, roxUserId, folder, this.clock.now());
        await this.audit.record({
          orgId,
          action: 'mail.folder_purged',
          target: { type: 'member', id: roxUserId },
          details: { folder, reason: 'folder_not_synced', ...removed },
        });
      });
      purgedFolders.push(`${roxUserId}:${folder}`);
    }

    // Idle rounds go in $batch of 20; only mailboxes they cannot settle get a job of their own,
    // in the org's fair-share bands (its place in this cycle sets the job's priority).
    // Chunks with their own identity map: every folder channel of 10,000 mailboxes as entities
    // would not fit the heap.
    const idle: string[] = [];
    const queued: string[] = [];
    await this.tx.freshChunks(inScope, this.config.queue.cycleChunk, async (chunk) => {
      const settled = await this.idleRounds.run(orgId, chunk, folders);
      idle.push(...settled);
      for (const m of chunk) {
        if (settled.has(m.roxUserId)) continue;
        await this.jobs.enqueueMailbox(orgId, m.roxUserId, queued.length);
        queued.push(m.roxUserId);
      }
    });
    return {
      purgedMailboxes,
      purgedFolders,
      restrictedPurged,
      reimport: lifted,
      queued,
      idle,
    };
  }

  private async forgetLists(orgId: string): Promise<{ restrictedPurged: number; lifted: boolean }> {
    await this.repo.purgeOrgState(orgId);
    await this.repo.forgetRestrictedMessages(orgId);
    return { restrictedPurged: 0, lifted: false };
  }

  /**
   * Applies the restricted lists to what is stored when they changed since the last cycle:
   * messages with a restricted participant go (counted in the audit log), and a lifted
   * restriction makes every mailbox read again in full rounds.
   */
  private async applyRestrictions(
    orgId: string,
    rules: MailRestrictions,
  ): Promise<{ restrictedPurged: number; lifted: boolean }> {
    const state = await this.repo.orgState(orgId);
    const domains = [...rules.domains].sort();
    const addresses = [...rules.addresses].sort();
    const lifted =
      state.restrictedDomains.some((d) => !domains.includes(d)) ||
      state.restrictedUsers.some((a) => !addresses.includes(a));
    // Every cycle, whether the lists changed or came back: a message noted for an entry the lists
    // no longer hold may be stored again (a note a round judging with since-reverted lists made
    // included).
    await this.repo.forgetRestrictedMessages(orgId, [...domains, ...addresses]);
    // Lists as the last purge applied them: nothing to purge. Rounds store nothing restricted
    // under lists no purge has seen (restrictionsStillApply), so there is nothing to find.
    if (
      state.checkedAt !== null &&
      sameRestrictionLists(
        { domains: state.restrictedDomains, addresses: state.restrictedUsers },
        { domains, addresses },
      )
    )
      return { restrictedPurged: 0, lifted };
    const restrictedPurged = await this.tx.run(async () => {
      // Rounds judging pages with the old lists commit before this reads, or store nothing after.
      await this.mailboxes.lockRestrictionsPurge(orgId, 'mail');
      const count = await this.repo.purgeRestricted(orgId, domains, addresses, this.clock.now());
      if (count > 0) {
        await this.audit.record({
          orgId,
          action: 'mail.restricted_purged',
          target: { type: 'org', id: orgId },
          details: { messages: count, domains, users: addresses.length },
        });
      }
      if (lifted) await this.repo.resetCursors(orgId, this.clock.now());
      state.restrictedDomains = domains;
      state.restrictedUsers = addresses;
      state.checkedAt = this.clock.now();
      await this.repo.saveOrgState(state);
      return count;
    });
    return { restrictedPurged, lifted };
  }
}
