import { Injectable } from '@nestjs/common';

import { type Member, type MemberSyncStatus } from '@rox365/contracts';

import { ConnectionReader, type IndividualAccessView } from '../consent/connection-reader.service';
import { AddressIndex, pickMatch } from '../directory/address-mapping';
import { DirectoryRepository } from '../directory/directory.repository';
import { type DirectoryUser } from '../directory/entities/directory-user.entity';
import { MembersService } from '../members/members.service';
import { Transactions } from '../platform/database/transactions.service';
import { Clock } from '../platform/time/clock';
import { type MailboxProbe } from './entities/mailbox-probe.entity';
import { type MailboxRoute } from './entities/mailbox.entity';
import { toMailboxRow, toProbeResultContract } from './mailbox.mapper';
import { MailboxRepository } from './mailbox.repository';
import { isInScope, memberScope } from './member-scope';

interface ScopedStatus {
  status: MemberSyncStatus;
  route: MailboxRoute;
  isProbeTarget: boolean;
}

// A kind synced through the member's own connection: in scope at the level they connected with.
function individualScope(
  kind: IndividualAccessView['kind'],
  level: IndividualAccessView['level'],
): MemberSyncStatus['calendar'] {
  const effective = level ?? (kind === 'calendar' ? 'read' : 'metadata');
  return { configured: effective, effective, inScope: true, reason: null, nextAction: null };
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

  /** Rewrites the org's rows (or one member's); returns how many rows were written. */
  async refresh(scope: RefreshScope): Promise<number> {
    const now = this.clock.now();
    if (scope.roxUserId !== undefined) {
      const member = await this.members.find(scope.orgId, scope.roxUserId);
      if (!member) return this.rows.deleteMember(scope.orgId, scope.roxUserId).then(() => 0);
      const statuses = await this.statuses(scope.orgId, [member]);
      await this.store(scope.orgId, statuses, now);
      return statuses.length;
    }
    const statuses = await this.statuses(scope.orgId);
    await this.tx.run(async () => {
      await this.store(scope.orgId, statuses, now);
      await this.rows.deleteRefreshedBefore(scope.orgId, now);
    });
    return statuses.length;
  }

  private async store(orgId: string, statuses: ScopedStatus[], now: Date): Promise<void> {
    await this.rows.upsertAll(
      statuses.map((s) => toMailboxRow(orgId, s.status, s.route, s.isProbeTarget, now)),
    );
  }

  // Every member's status (or the given members'), in roxUserId order.
  private async statuses(orgId: string, only?: Member[]): Promise<ScopedStatus[]> {
    const [members, connection, settings, probes, individual] = await Promise.all([
      only ?? this.members.listAll(orgId),
      this.connections.connection(orgId),
      this.connections.settings(orgId),
      this.rows.listProbes(
        orgId,
        only?.map((m) => m.roxUserId),
      ),
      this.connections.individualAccess(orgId),
    ]);
    const userOf = await this.mapping(orgId, members);
    const probeOf = new Map<string, MailboxProbe>(probes.map((p) => [p.roxUserId, p]));
    return members.map((member) => {
      const user = userOf(member.email);
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
      for (const c of own) status[c.kind] = individualScope(c.kind, c.level);
      if (own.length > 0) status.route = 'individual';
      return { status, route: own.length > 0 ? 'individual' : 'none', isProbeTarget: false };
    });
  }

  // Member email → directory user: one indexed lookup per member for a few, one index for many.
  private async mapping(
    orgId: string,
    members: readonly Member[],
  ): Promise<(email: string) => DirectoryUser | null> {
    if (members.length <= 20) {
      const found = new Map<string, DirectoryUser | null>();
      for (const m of members) {
        found.set(m.email, pickMatch(await this.directory.usersByAddress(orgId, m.email), m.email));
      }
      return (email) => found.get(email) ?? null;
    }
    const index = new AddressIndex<DirectoryUser>(await this.directory.listUsers(orgId));
    return (email) => index.match(email);
  }
}
