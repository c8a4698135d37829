import { Injectable } from '@nestjs/common';

import { type Member, type MemberSyncStatus } from '@rox365/contracts';

import { ConnectionReader, type IndividualAccessView } from '../consent/connection-reader.service';
import { DirectoryRepository } from '../directory/directory.repository';
import { MembersService } from '../members/members.service';
import { Transactions } from '../platform/database/transactions.service';
import { Clock } from '../platform/time/clock';
import { type MailboxProbe } from './entities/mailbox-probe.entity';
import { type MailboxRoute } from './entities/mailbox.entity';
import { toMailboxRow, toProbeResultContract } from './mailbox.mapper';
import { MailboxRepository } from './mailbox.repository';
import { isInScope, memberScope } from './member-scope';

const CONNECT_AGAIN =
  'The member connects Outlook again under Integrations and grants what the level needs.';

// Members per batch of an org refresh.
const REFRESH_BATCH_SIZE = 1_000;

interface OrgInputs {
  connection: Awaited<ReturnType<ConnectionReader['connection']>>;
  settings: Awaited<ReturnType<ConnectionReader['settings']>>;
  individual: Awaited<ReturnType<ConnectionReader['individualAccess']>>;
}

interface ScopedStatus {
  status: MemberSyncStatus;
  route: MailboxRoute;
  isProbeTarget: boolean;
}

// A kind synced through the member's own connection: in scope at the level they connected with,
// as far as the scopes Microsoft granted cover it.
function individualScope(own: IndividualAccessView): MemberSyncStatus['calendar'] {
  return {
    configured: own.level,
    effective: own.effective,
    inScope: own.effective !== 'off',
    reason: own.clampReason,
    nextAction: own.clampReason === null ? null : CONNECT_AGAIN,
  };
}

/** Whose rows a refresh rewrites. */
export interface RefreshScope {
  orgId: string;
  /** One member (their row only); absent for the whole org. */
  roxUserId?: string;
}

/**
 * Computes members' mailbox rows from everything they derive from (members, settings and
 * overrides, the connection's grant, the directory mapping, the latest probes) and stores them.
 * Runs in keyed jobs for an org, or inline for one member after a change to that member.
 */
@Injectable()
export class MailboxRefresh {
  constructor(
    private readonly rows: MailboxRepository,
    private readonly members: MembersService,
    private readonly connections: ConnectionReader,
    private readonly directory: DirectoryRepository,
    private readonly tx: Transactions,
    private readonly clock: Clock,
  ) {}

  /**
   * Rewrites the org's rows (or one member's); returns how many rows were written. An org runs
   * in batches of members, each with its own probes and stored mappings, so memory stays flat
   * however large the tenant or the membership.
   */
  async refresh(scope: RefreshScope): Promise<number> {
    const now = this.clock.now();
    const org = await this.orgInputs(scope.orgId);
    if (scope.roxUserId !== undefined) {
      const member = await this.members.find(scope.orgId, scope.roxUserId);
      if (!member) return this.rows.deleteMember(scope.orgId, scope.roxUserId).then(() => 0);
      await this.store(scope.orgId, await this.statuses(scope.orgId, [member], org), now);
      return 1;
    }
    // One transaction, as before batching: readers see the old rows or the new ones, and a purge
    // that commits meanwhile is never half undone.
    const written = await this.tx.run(async () => {
      let written = 0;
      let after: string | undefined;
      for (;;) {
        const batch = await this.members.batch(scope.orgId, after, REFRESH_BATCH_SIZE);
        if (batch.length === 0) break;
        await this.store(scope.orgId, await this.statuses(scope.orgId, batch, org), now);
        // Written: the batch's rows, users and probes need not stay managed until the commit
        // (10,000 members' took most of the worker's heap beside a 100,000-user sync).
        this.tx.forgetLoaded();
        written += batch.length;
        after = batch[batch.length - 1]?.roxUserId;
        if (batch.length < REFRESH_BATCH_SIZE) break;
      }
      // Rows this run did not write belong to members who are gone.
      await this.rows.deleteRefreshedBefore(scope.orgId, now);
      return written;
    });
    await this.rows.analyze();
    return written;
  }

  // One after another: a scope change runs this inside its caller's transaction, on one
  // connection, where parallel queries only queue (and pg 9 refuses them).
  private async orgInputs(orgId: string): Promise<OrgInputs> {
    const connection = await this.connections.connection(orgId);
    const settings = await this.connections.settings(orgId);
    const individual = await this.connections.individualAccess(orgId);
    return { connection, settings, individual };
  }

  private async store(orgId: string, statuses: ScopedStatus[], now: Date): Promise<void> {
    await this.rows.upsertAll(
      statuses.map((s) => toMailboxRow(orgId, s.status, s.route, s.isProbeTarget, now)),
    );
  }

  // The given members' statuses, from the stored mapping and their latest probes.
  private async statuses(
    orgId: string,
    members: readonly Member[],
    { connection, settings, individual }: OrgInputs,
  ): Promise<ScopedStatus[]> {
    const ids = members.map((m) => m.roxUserId);
    // In turn, as in orgInputs: an org's refresh runs inside its transaction.
    const probes = await this.rows.listProbes(orgId, ids);
    const userOf = await this.directory.mappedUsers(orgId, ids);
    const probeOf = new Map<string, MailboxProbe>(probes.map((p) => [p.roxUserId, p]));
    return members.map((member) => {
      const user = userOf.get(member.roxUserId) ?? null;
      const probe = probeOf.get(member.roxUserId) ?? null;
      const override = settings?.overrides.find((o) => o.roxUserId === member.roxUserId);
      const inputs = {
        member,
        settings,
        capabilities: connection ? connection.capabilities : null,
        directoryUser: user,
      };
      const scope = memberScope({ ...inputs, probe });
      const status: MemberSyncStatus = {
        roxUserId: member.roxUserId,
        email: member.email,
        displayName: member.displayName,
        role: member.role,
        directoryUserId: user?.id ?? null,
        directoryUpn: user?.userPrincipalName ?? null,
        route: connection ? 'orgwide' : 'none',
        override: {
          calendarAccess: override?.calendarAccess ?? null,
          emailAccess: override?.emailAccess ?? null,
        },
        calendar: scope.calendar,
        mail: scope.mail,
        probe: probe ? toProbeResultContract(probe) : null,
      };
      if (connection) {
        return {
          status,
          route: 'orgwide' as const,
          isProbeTarget: isInScope(memberScope({ ...inputs, probe: null })),
        };
      }
      // Not connected org-wide: a member's own Outlook connection is the route to that kind.
      const own = individual.filter((c) => c.roxUserId === member.roxUserId);
      for (const c of own) status[c.kind] = individualScope(c);
      if (own.length > 0) status.route = 'individual';
      return { status, route: own.length > 0 ? 'individual' : 'none', isProbeTarget: false };
    });
  }
}
