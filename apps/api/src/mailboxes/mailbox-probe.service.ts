import { Injectable } from '@nestjs/common';

import { type ProbeOutcome } from '@rox365/contracts';
import {
  probeMailbox,
  type MailboxProbeCheck,
  type MailboxProbeResult,
} from '@rox365/graph-client';

import { ConnectionReader } from '../consent/connection-reader.service';
import { MailboxAccess } from '../consent/mailbox-access.service';
import { PermissionRecheck } from '../consent/permission-recheck.service';
import { pickMatch } from '../directory/address-mapping';
import { DirectoryRepository } from '../directory/directory.repository';
import { type MailboxState } from '../directory/entities/directory-user.entity';
import { classifyGraphFailure } from '../directory/graph-failure';
import { MembersService } from '../members/members.service';
import { AuditLog } from '../platform/audit/audit-log.service';
import { Transactions } from '../platform/database/transactions.service';
import { LifecycleRegistry } from '../platform/lifecycle/lifecycle-registry.service';
import { Clock } from '../platform/time/clock';
import { MailboxProbe, type ProbeRecord } from './entities/mailbox-probe.entity';
import { probeNextAction, toProbeOutcome } from './mailbox.mapper';
import { MailboxRepository } from './mailbox.repository';
import { MailboxError, MailboxErrorCode } from './mailboxes.errors';

/** One member's probe: minimal mailbox and calendar reads, classified and stored. */
@Injectable()
export class MailboxProbeService {
  constructor(
    private readonly rows: MailboxRepository,
    private readonly directory: DirectoryRepository,
    private readonly lifecycle: LifecycleRegistry,
    private readonly connections: ConnectionReader,
    private readonly recheck: PermissionRecheck,
    private readonly members: MembersService,
    private readonly access: MailboxAccess,
    private readonly audit: AuditLog,
    private readonly tx: Transactions,
    private readonly clock: Clock,
  ) {}

  /** Job body. Null when the org is disconnected or the member is gone. */
  async probeMember(orgId: string, roxUserId: string): Promise<ProbeRecord | null> {
    const connection = await this.connections.connection(orgId);
    if (!connection) return null;
    const member = await this.members.find(orgId, roxUserId);
    if (!member) return null;

    const user = pickMatch(await this.directory.usersByAddress(orgId, member.email), member.email);
    // Unmapped members are probed by their email: Graph tells whether such a user exists.
    const target = user?.id ?? member.email;
    const tenant = await this.access.forOrg(orgId);
    const client = tenant.client;

    let result: MailboxProbeResult;
    try {
      let token = await tenant.token();
      // The stored grant (re-checked by consent) disagrees with the cached token: refresh it.
      const isFresh = !sameRoles(token.roles, connection.grantedPermissions);
      if (isFresh) token = await tenant.token({ forceRefresh: true });
      result = await probeMailbox(client, target, { grantedRoles: token.roles });
      if (isDenied(result) && !isFresh) {
        // A 403 reads the same for a revoked role and an access policy: ask for fresh roles.
        const fresh = [...(await tenant.token({ forceRefresh: true })).roles];
        if (!sameRoles(fresh, token.roles)) {
          result = await probeMailbox(client, target, { grantedRoles: fresh });
        }
        if (!sameRoles(fresh, connection.grantedPermissions)) {
          await this.recheck.requestSoon(orgId);
        }
      }
    } catch (error) {
      const failure = classifyGraphFailure(error, 'mailbox probe');
      if (failure?.isPermissionProblem) await this.recheck.requestSoon(orgId);
      throw failure?.error ?? error;
    }
    const throttled = [result.mail, result.calendar].find((c) => c?.outcome === 'throttled');
    if (throttled) {
      throw new MailboxError(
        MailboxErrorCode.DIRECTORY_GRAPH_THROTTLED,
        'rate_limited',
        'Microsoft Graph throttled the mailbox probe; it is rescheduled.',
        { retryAfterMs: throttled.error?.retryAfterMs ?? undefined },
      );
    }

    const record: ProbeRecord = {
      email: member.email,
      directoryUserId: user?.id ?? null,
      mail: outcomeOf(result.mail),
      calendar: outcomeOf(result.calendar),
      mailErrorCode: result.mail?.error?.code ?? null,
      calendarErrorCode: result.calendar?.error?.code ?? null,
    };
    const now = this.clock.now();
    const existing = await this.rows.findProbe(orgId, roxUserId);
    if (existing) existing.record(record, now);
    await this.tx.run(async () => {
      await this.rows.saveProbe(
        existing ?? new MailboxProbe({ orgId, roxUserId, result: record, now }),
      );
      if (user) {
        const state = mailboxStateOf(record.mail, record.calendar);
        if (state) await this.directory.setMailboxState(orgId, user.id, state);
      }
      await this.audit.record({
        orgId,
        action: 'directory.probed',
        target: { type: 'member', id: roxUserId },
        details: {
          directoryUserId: record.directoryUserId,
          mail: record.mail,
          calendar: record.calendar,
          nextAction: probeNextAction(record.mail, record.calendar),
        },
      });
    });
    await this.lifecycle.scopeChanged(orgId, { cause: 'probe', roxUserId });
    return record;
  }
}

function isDenied(result: MailboxProbeResult): boolean {
  return [result.mail, result.calendar].some(
    (c) => c?.outcome === 'access_policy_denied' || c?.outcome === 'permission_missing',
  );
}

function sameRoles(a: readonly string[], b: readonly string[]): boolean {
  const left = [...new Set(a)].sort();
  const right = [...new Set(b)].sort();
  return left.length === right.length && left.every((r, i) => r === right[i]);
}

function outcomeOf(check: MailboxProbeCheck | null): ProbeOutcome {
  if (!check || check.outcome === 'throttled') return 'error';
  return toProbeOutcome(check.outcome);
}

// What the probe proves about the mailbox; null when it proves nothing.
function mailboxStateOf(mail: ProbeOutcome, calendar: ProbeOutcome): MailboxState | null {
  const outcomes = [mail, calendar];
  if (outcomes.includes('no_mailbox')) return 'no_mailbox';
  if (outcomes.includes('denied_by_policy')) return 'denied_by_policy';
  if (outcomes.includes('granted')) return 'available';
  return null;
}
