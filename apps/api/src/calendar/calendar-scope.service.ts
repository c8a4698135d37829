import { Injectable } from '@nestjs/common';

import { ConnectionReader } from '../consent/connection-reader.service';
import { type Mailbox } from '../mailboxes/entities/mailbox.entity';
import { MailboxRepository } from '../mailboxes/mailbox.repository';
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
  return (
    mailbox.calendarInScope &&
    !restrictedUsers.has(mailbox.email.trim().toLowerCase()) &&
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
    private readonly connections: ConnectionReader,
    private readonly idleRounds: CalendarIdleRounds,
  ) {}

  async refreshOrg(orgId: string): Promise<{ purged: string[]; queued: number; idle: number }> {
    const rows = await this.mailboxes.listAll(orgId);
    const restricted = await this.restrictedUsers(orgId);
    const targets = rows.filter((m) => isCalendarTarget(m, restricted));
    const inScope = new Set(targets.map((m) => m.roxUserId));
    const purged: string[] = [];
    for (const roxUserId of await this.repo.syncedMembers(orgId)) {
      if (inScope.has(roxUserId)) continue;
      await this.purgeMailbox(orgId, roxUserId, 'left_scope');
      purged.push(roxUserId);
    }
    const now = this.clock.now();
    const channels = new Map((await this.repo.listChannels(orgId)).map((c) => [c.roxUserId, c]));
    // Throttled mailboxes wait for the time Graph asked for; the others are not held up.
    const due = targets.filter((m) => {
      const retryAt = channels.get(m.roxUserId)?.retryAt;
      return !retryAt || retryAt <= now;
    });
    // Idle rounds go in $batch of 20; only what they cannot settle gets a job of its own.
    const idle = await this.idleRounds.run(orgId, due);
    let queued = 0;
    for (const m of due) {
      if (idle.has(m.roxUserId)) continue;
      await this.jobs.enqueueSync(orgId, m.roxUserId);
      queued += 1;
    }
    return { purged, queued, idle: idle.size };
  }

  /** The org's restricted users, lower-cased. */
  async restrictedUsers(orgId: string): Promise<Set<string>> {
    const settings = await this.connections.settings(orgId);
    return new Set((settings?.restrictedUsers ?? []).map((u) => u.trim().toLowerCase()));
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
