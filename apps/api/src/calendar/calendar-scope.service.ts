import { Injectable } from '@nestjs/common';

import { AppConfig } from '../config/app-config';
import { type Mailbox } from '../mailboxes/entities/mailbox.entity';
import { MailboxRepository } from '../mailboxes/mailbox.repository';
import {
  normalizeMailAddress,
  type ParticipantRestrictions,
} from '../mailboxes/participant-restrictions';
import { RestrictionPolicy } from '../mailboxes/restriction-policy.service';
import { AuditLog } from '../platform/audit/audit-log.service';
import { Transactions } from '../platform/database/transactions.service';
import { Clock } from '../platform/time/clock';
import { CalendarIdleRounds } from './calendar-idle-rounds.service';
import { CalendarJobs } from './calendar-jobs.service';
import { CalendarRepository } from './calendar.repository';

/**
 * A mailbox whose calendar the worker reads: in scope, reachable by some route, and not a
 * restricted user's (decision 4.6.1: a restricted user's mailbox is never read).
 */
export function isCalendarTarget(
  mailbox: Mailbox,
  restrictedUsers: ReadonlySet<string> = new Set(),
): boolean {
  const isRestricted = [mailbox.email, mailbox.directoryUpn].some((a) => {
    const address = normalizeMailAddress(a);
    return address !== null && restrictedUsers.has(address);
  });
  return (
    mailbox.calendarInScope &&
    !isRestricted &&
    mailbox.route !== 'none' &&
    (mailbox.route === 'individual' || mailbox.directoryUserId !== null)
  );
}

/**
 * One cycle of an org's calendar channels: mailboxes that left scope lose what they brought
 * (with an audit receipt); the others' idle rounds are read in `$batch`es, and whatever those
 * cannot settle gets a sync queued. Runs as the keyed `calendar.refresh-org` job, from the cron
 * and after scope changes.
 */
@Injectable()
export class CalendarScopeService {
  constructor(
    private readonly repo: CalendarRepository,
    private readonly mailboxes: MailboxRepository,
    private readonly jobs: CalendarJobs,
    private readonly tx: Transactions,
    private readonly audit: AuditLog,
    private readonly clock: Clock,
    private readonly policy: RestrictionPolicy,
    private readonly config: AppConfig,
    private readonly idleRounds: CalendarIdleRounds,
  ) {}

  async refreshOrg(
    orgId: string,
  ): Promise<{ purged: string[]; restrictedPurged: number; queued: number; idle: number }> {
    const rows = await this.mailboxes.listAll(orgId);
    const rules = await this.restrictions(orgId);
    const targets = rows.filter((m) => isCalendarTarget(m, rules.addresses));
    const inScope = new Set(targets.map((m) => m.roxUserId));
    // The lists first: once they are applied, a round still judging pages with the old ones
    // stores nothing more, so the purges below also take what such a round stored before (a
    // member who just became restricted keeps no copy until the next cycle). With no mailbox
    // reachable (disconnected) no page can be stored, and no state is kept.
    const restrictedPurged = rows.some((m) => m.route !== 'none')
      ? await this.applyRestrictions(orgId, rules)
      : await this.forgetLists(orgId);
    const purged: string[] = [];
    for (const roxUserId of await this.repo.syncedMembers(orgId)) {
      if (inScope.has(roxUserId)) continue;
      await this.purgeMailbox(orgId, roxUserId, 'left_scope');
      purged.push(roxUserId);
    }
    const now = this.clock.now();
    let queued = 0;
    let idle = 0;
    // Chunks with their own identity map: as entities, 10,000 channels took ~50 MB of the
    // worker's 160 MB heap.
    await this.tx.freshChunks(targets, this.config.queue.cycleChunk, async (chunk) => {
      const ids = chunk.map((m) => m.roxUserId);
      const channels = new Map(
        (await this.repo.listChannels(orgId, ids)).map((c) => [c.roxUserId, c]),
      );
      // Throttled mailboxes wait for the time Graph asked for; the others are not held up.
      const due = chunk.filter((m) => {
        const retryAt = channels.get(m.roxUserId)?.retryAt;
        return !retryAt || retryAt <= now;
      });
      // Idle rounds go in $batch of 20; only what they cannot settle gets a job of its own, in
      // the org's fair-share bands (its place in this cycle sets the job's priority).
      const settled = await this.idleRounds.run(orgId, due);
      idle += settled.size;
      for (const m of due) {
        if (settled.has(m.roxUserId)) continue;
        await this.jobs.enqueueSync(orgId, m.roxUserId, queued);
        queued += 1;
      }
    });
    return { purged, restrictedPurged, queued, idle };
  }

  /** The org's restricted domains and users (every address a restricted user has). */
  restrictions(orgId: string): Promise<ParticipantRestrictions> {
    return this.policy.restrictions(orgId);
  }

  /** The addresses of the org's restricted users, lower-cased. */
  async restrictedUsers(orgId: string): Promise<ReadonlySet<string>> {
    return (await this.restrictions(orgId)).addresses;
  }

  /** `restrictedUsers` for status reads, shared among concurrent callers (RestrictionPolicy). */
  async statusRestrictedUsers(orgId: string): Promise<ReadonlySet<string>> {
    return (await this.policy.sharedRestrictions(orgId)).addresses;
  }

  /**
   * Applies the restricted lists to what is stored when they changed since the last cycle
   * (MAIL-S3 for events): events with a restricted participant go, counted in the audit log,
   * and every calendar is read again in full rounds. A new round finds what the stored rows
   * cannot show (busy blocks keep no participants) and re-imports what a lifted restriction
   * let back in, within the window.
   */
  private async applyRestrictions(orgId: string, rules: ParticipantRestrictions): Promise<number> {
    const state = await this.repo.orgState(orgId);
    const domains = [...rules.domains].sort();
    const addresses = [...rules.addresses].sort();
    const same = (a: readonly string[], b: readonly string[]) =>
      a.length === b.length && a.every((x, i) => x === b[i]);
    if (
      state.checkedAt !== null &&
      same(state.restrictedDomains, domains) &&
      same(state.restrictedUsers, addresses)
    )
      return 0;
    return this.tx.run(async () => {
      // Rounds judging pages with the old lists commit before this reads, or store nothing after.
      await this.mailboxes.lockRestrictionsPurge(orgId, 'calendar');
      const removed = await this.repo.purgeRestricted(orgId, domains, addresses, this.clock.now());
      if (removed.events > 0 || removed.series > 0) {
        await this.audit.record({
          orgId,
          action: 'calendar.restricted_purged',
          target: { type: 'org', id: orgId },
          details: {
            calendar_event: removed.events,
            calendar_event_link: removed.links,
            calendar_series: removed.series,
            domains,
            users: addresses.length,
          },
        });
      }
      // The first check of an org has nothing stored from other lists: no new rounds needed.
      if (state.checkedAt !== null) await this.repo.resetCursors(orgId);
      state.restrictedDomains = domains;
      state.restrictedUsers = addresses;
      state.checkedAt = this.clock.now();
      await this.repo.saveOrgState(state);
      return removed.events;
    });
  }

  private async forgetLists(orgId: string): Promise<number> {
    await this.repo.purgeOrgTable(orgId, 'calendar_org_state');
    return 0;
  }

  /** Removes one mailbox's calendar data with an audit receipt in the same transaction. */
  async purgeMailbox(
    orgId: string,
    roxUserId: string,
    reason: string,
  ): Promise<Record<string, number>> {
    return this.tx.run(async () => {
      const removed = await this.repo.purgeMailbox(orgId, roxUserId, this.clock.now());
      await this.audit.record({
        orgId,
        action: 'calendar.mailbox_purged',
        target: { type: 'member', id: roxUserId },
        details: {
          reason,
          calendar_event_link: removed.links,
          calendar_event: removed.events,
          calendar_series: removed.series,
          calendar_channel: removed.channels,
        },
      });
      return { ...removed };
    });
  }
}
