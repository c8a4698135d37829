import { Injectable } from '@nestjs/common';

import {
  type AccessPolicyScript,
  type AccessPolicyScriptQuery,
  type DirectoryUserPage,
  type ListDirectoryUsersQuery,
  type ListMemberSyncStatusQuery,
  type Member,
  type MemberSyncStatus,
  type MemberSyncStatusPage,
  type OrgwideStatus,
  type PageQuery,
  type ProbeResultPage,
} from '@rox365/contracts';
import { accessPolicyScript } from '@rox365/scope-policy';

import { AppConfig } from '../config/app-config';
import { ConnectionReader, type OrgwideAccessSettings } from '../consent/connection-reader.service';
import { MembersService } from '../members/members.service';
import { CURSOR_KEY_SEPARATOR, decodeCursor, keysetPage } from '../platform/http/keyset-page';
import { AddressIndex, normalizeAddress } from './address-mapping';
import { DirectoryError, DirectoryErrorCode } from './directory.errors';
import { toDirectoryUserContract, toProbeResultContract } from './directory.mapper';
import { DirectoryRepository } from './directory.repository';
import { type DirectoryProbe } from './entities/directory-probe.entity';
import { type DirectoryUser } from './entities/directory-user.entity';
import { memberScope } from './member-scope';

interface PolicyPlan {
  members: string[];
  flagged: { address: string; reason: string }[];
  outsider: string | null;
}

const UNMAPPED_REASON = 'no Microsoft 365 account matches their Rox email';

// Why the latest probe says Rox cannot reach this member's mailbox, or null when it can.
function cannotWorkReason(status: MemberSyncStatus): string | null {
  const outcomes = [status.probe?.mail, status.probe?.calendar];
  if (outcomes.includes('no_mailbox')) return 'no Exchange Online mailbox';
  if (outcomes.includes('user_not_found')) return 'the Microsoft 365 account no longer exists';
  if (outcomes.includes('denied_by_policy'))
    return 'blocked by an application access policy (another group or policy may apply)';
  return null;
}

/** Read use cases: member sync status, directory users, probes, access-policy script, summary. */
@Injectable()
export class DirectoryReader {
  constructor(
    private readonly repo: DirectoryRepository,
    private readonly connections: ConnectionReader,
    private readonly members: MembersService,
    private readonly config: AppConfig,
  ) {}

  async memberStatusPage(
    orgId: string,
    query: ListMemberSyncStatusQuery,
  ): Promise<MemberSyncStatusPage> {
    const after = decodeCursor('members', query.cursor);
    const statuses = await this.statuses(orgId);
    const q = query.q?.toLowerCase();
    const matching = statuses.filter((s) => {
      if (after !== undefined && s.roxUserId <= after) return false;
      if (
        q &&
        ![s.email, s.displayName, s.directoryUpn ?? ''].some((v) => v.toLowerCase().includes(q))
      ) {
        return false;
      }
      switch (query.filter) {
        case 'all':
          return true;
        case 'mapped':
          return s.directoryUserId !== null;
        case 'unmapped':
          return s.directoryUserId === null;
        case 'in_scope':
          return s.calendar.inScope || s.mail.inScope;
        case 'out_of_scope':
          return !s.calendar.inScope && !s.mail.inScope;
      }
    });
    return keysetPage(matching, query.limit, 'members', (s) => s.roxUserId);
  }

  async memberStatus(orgId: string, roxUserId: string): Promise<MemberSyncStatus> {
    const member = await this.members.find(orgId, roxUserId);
    if (!member) {
      throw new DirectoryError(
        DirectoryErrorCode.DIRECTORY_MEMBER_NOT_FOUND,
        'not_found',
        'You are not a member of this org in Rox yet.',
      );
    }
    const [status] = await this.statuses(orgId, [member]);
    if (!status) throw new Error('status of one member must exist');
    return status;
  }

  async directoryUserPage(
    orgId: string,
    query: ListDirectoryUsersQuery,
  ): Promise<DirectoryUserPage> {
    const after = decodeCursor('users', query.cursor);
    const [users, members] = await Promise.all([
      this.repo.listUsers(orgId),
      this.members.listAll(orgId),
    ]);
    const mappedTo = new Map<string, string>();
    const index = new AddressIndex(users);
    for (const member of members) {
      const user = index.match(member.email);
      if (user && !mappedTo.has(user.id)) mappedTo.set(user.id, member.roxUserId);
    }
    const q = query.q?.toLowerCase();
    const sorted = users
      .map((u) => ({
        user: u,
        key: `${normalizeAddress(u.userPrincipalName)}${CURSOR_KEY_SEPARATOR}${u.id}`,
      }))
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const matching = sorted.filter(({ user, key }) => {
      if (after !== undefined && key <= after) return false;
      if (
        q &&
        ![user.userPrincipalName, user.mail ?? '', user.displayName ?? ''].some((v) =>
          v.toLowerCase().includes(q),
        )
      ) {
        return false;
      }
      const isMapped = mappedTo.has(user.id);
      return query.filter === 'all' || (query.filter === 'mapped') === isMapped;
    });
    const page = keysetPage(matching, query.limit, 'users', (m) => m.key);
    return {
      items: page.items.map(({ user }) =>
        toDirectoryUserContract(user, mappedTo.get(user.id) ?? null),
      ),
      nextCursor: page.nextCursor,
    };
  }

  async probePage(orgId: string, query: PageQuery): Promise<ProbeResultPage> {
    const after = decodeCursor('probes', query.cursor);
    const rows = await this.repo.pageProbes(orgId, {
      afterRoxUserId: after,
      limit: query.limit + 1,
    });
    const page = keysetPage(rows, query.limit, 'probes', (p) => p.roxUserId);
    return { items: page.items.map(toProbeResultContract), nextCursor: page.nextCursor };
  }

  /** Members to probe: mapped to a Microsoft 365 account and with calendar or mail turned on. */
  async probeCandidates(orgId: string): Promise<string[]> {
    const statuses = await this.statuses(orgId, undefined, { ignoreProbes: true });
    return statuses.filter((s) => s.calendar.inScope || s.mail.inScope).map((s) => s.roxUserId);
  }

  /** Candidates never probed, or probed before `olderThan`. */
  async probesDue(orgId: string, olderThan: Date): Promise<string[]> {
    const [candidates, probes] = await Promise.all([
      this.probeCandidates(orgId),
      this.repo.listProbes(orgId),
    ]);
    const checkedAt = new Map(probes.map((p) => [p.roxUserId, p.checkedAt.getTime()]));
    return candidates.filter((id) => (checkedAt.get(id) ?? 0) < olderThan.getTime());
  }

  /**
   * The Exchange Online PowerShell that scopes Rox to a mail-enabled security group. With
   * RestrictAccess the group holds the in-scope members' mailboxes; with DenyAccess it holds the
   * mapped members whose calendar and email sync are both off. Before consent (no directory yet)
   * it is built from the saved settings and the members' Rox emails, so the admin can set the
   * group up first, as the seed's checklist orders it. Members who cannot work through the
   * policy (no account, no mailbox, blocked) are flagged in the script, not added.
   */
  async accessPolicyScript(
    orgId: string,
    query: AccessPolicyScriptQuery,
  ): Promise<AccessPolicyScript> {
    const [connection, settings] = await Promise.all([
      this.connections.connection(orgId),
      this.connections.settings(orgId),
    ]);
    if (!settings) {
      throw new DirectoryError(
        DirectoryErrorCode.DIRECTORY_NOT_CONNECTED,
        'precondition_failed',
        'Save the connection settings first: the script needs to know who is in scope.',
      );
    }
    const plan = connection
      ? await this.policyPlanFromDirectory(orgId, query)
      : await this.policyPlanFromMembers(orgId, settings, query);
    if (plan.members.length === 0) {
      throw new DirectoryError(
        DirectoryErrorCode.DIRECTORY_NO_MEMBERS_FOR_POLICY,
        'precondition_failed',
        query.accessRight === 'RestrictAccess'
          ? 'No member is in scope yet: turn calendar or email sync on (and run a directory sync once connected) first.'
          : 'No member has both calendar and email sync off, so there is nobody to deny.',
      );
    }
    const users = connection ? await this.repo.listUsers(orgId) : [];
    const groupSmtp =
      query.groupSmtp ?? this.defaultGroupSmtp(query.groupName, users, plan.members);
    const appId = this.config.microsoft.orgwide.clientId;
    return {
      script: accessPolicyScript({
        appId,
        groupName: query.groupName,
        groupSmtp,
        members: plan.members,
        accessRight: query.accessRight,
        flagged: plan.flagged,
        ...(plan.outsider ? { outsider: plan.outsider } : {}),
      }),
      members: plan.members,
      appId,
      flagged: plan.flagged,
      outsider: plan.outsider,
      basis: connection ? 'directory' : 'rox_members',
    };
  }

  // Before consent: the members' Rox emails and the saved settings (no mailbox is known yet).
  private async policyPlanFromMembers(
    orgId: string,
    settings: OrgwideAccessSettings,
    query: AccessPolicyScriptQuery,
  ): Promise<PolicyPlan> {
    const members = await this.members.listAll(orgId);
    const isOn = (m: Member) => {
      const access = this.connections.memberAccess(settings, m);
      return access.calendarAccess !== 'off' || access.emailAccess !== 'off';
    };
    const inGroup = (m: Member) => (query.accessRight === 'RestrictAccess' ? isOn(m) : !isOn(m));
    const chosen = members.filter(inGroup).map((m) => m.email);
    const outsider = members.find((m) => !inGroup(m))?.email ?? null;
    return { members: chosen, flagged: [], outsider };
  }

  // Connected: mailbox addresses from the directory; the latest probes flag who cannot work.
  private async policyPlanFromDirectory(
    orgId: string,
    query: AccessPolicyScriptQuery,
  ): Promise<PolicyPlan> {
    const statuses = await this.statuses(orgId);
    const users = new Map((await this.repo.listUsers(orgId)).map((u) => [u.id, u]));
    const addressOf = (s: MemberSyncStatus) => {
      const user = s.directoryUserId ? users.get(s.directoryUserId) : undefined;
      return user ? (user.mail ?? user.userPrincipalName) : null;
    };
    const members: string[] = [];
    const flagged: PolicyPlan['flagged'] = [];
    const outside: string[] = [];
    for (const s of statuses) {
      const configuredOn = s.calendar.configured !== 'off' || s.mail.configured !== 'off';
      const belongs = query.accessRight === 'RestrictAccess' ? configuredOn : !configuredOn;
      const address = addressOf(s);
      if (!belongs) {
        if (address) outside.push(address);
        continue;
      }
      const problem = address === null ? UNMAPPED_REASON : cannotWorkReason(s);
      if (problem) flagged.push({ address: address ?? s.email, reason: problem });
      else if (address) members.push(address);
    }
    // Someone outside the group for the opposite test: an out-of-scope member, else any user who
    // is neither added nor flagged.
    const chosen = new Set(
      [...members, ...flagged.map((f) => f.address)].map((m) => m.toLowerCase()),
    );
    const outsider =
      outside[0] ??
      [...users.values()]
        .map((u) => u.mail ?? u.userPrincipalName)
        .find((a) => !chosen.has(a.toLowerCase())) ??
      null;
    return { members, flagged, outsider };
  }

  /** Directory part of the org-wide status. */
  async summary(orgId: string): Promise<OrgwideStatus['directory']> {
    const state = await this.repo.findSyncState(orgId);
    const statuses = state ? await this.statuses(orgId, undefined, { ignoreProbes: true }) : [];
    return {
      state: state?.stage ?? 'never',
      lastSyncAt: state?.lastSyncAt?.toISOString() ?? null,
      lastError: state?.lastErrorCode ?? null,
      users: state ? await this.repo.countUsers(orgId) : 0,
      mappedMembers: statuses.filter((s) => s.directoryUserId !== null).length,
    };
  }

  // Every member's status (or the given members'), in roxUserId order.
  private async statuses(
    orgId: string,
    only?: Member[],
    options: { ignoreProbes?: boolean } = {},
  ): Promise<MemberSyncStatus[]> {
    const [members, connection, settings, users, probes] = await Promise.all([
      only ?? this.members.listAll(orgId),
      this.connections.connection(orgId),
      this.connections.settings(orgId),
      this.repo.listUsers(orgId),
      options.ignoreProbes ? Promise.resolve([] as DirectoryProbe[]) : this.repo.listProbes(orgId),
    ]);
    const index = new AddressIndex<DirectoryUser>(users);
    const probeOf = new Map(probes.map((p) => [p.roxUserId, p]));
    return members.map((member) => {
      const user = index.match(member.email);
      const probe = probeOf.get(member.roxUserId) ?? null;
      const override = settings?.overrides.find((o) => o.roxUserId === member.roxUserId);
      const scope = memberScope({
        member,
        settings,
        capabilities: connection ? connection.capabilities : null,
        directoryUser: user,
        probe,
      });
      return {
        roxUserId: member.roxUserId,
        email: member.email,
        displayName: member.displayName,
        role: member.role,
        directoryUserId: user?.id ?? null,
        directoryUpn: user?.userPrincipalName ?? null,
        override: {
          calendarAccess: override?.calendarAccess ?? null,
          emailAccess: override?.emailAccess ?? null,
        },
        calendar: scope.calendar,
        mail: scope.mail,
        probe: probe ? toProbeResultContract(probe) : null,
      };
    });
  }

  // <group name>@<the tenant's mail domain>: the domain most of its mailboxes use.
  private defaultGroupSmtp(groupName: string, users: DirectoryUser[], addresses: string[]): string {
    const counts = new Map<string, number>();
    const sources = addresses.length ? addresses : users.map((u) => u.mail ?? u.userPrincipalName);
    for (const address of sources) {
      const domain = address.split('@')[1]?.toLowerCase();
      if (domain) counts.set(domain, (counts.get(domain) ?? 0) + 1);
    }
    const domain = [...counts.entries()].sort(
      (a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1),
    )[0]?.[0];
    const local = groupName.replace(/[^A-Za-z0-9._-]+/g, '').replace(/^\.+|\.+$/g, '');
    if (!domain || !local) {
      throw new DirectoryError(
        DirectoryErrorCode.DIRECTORY_GROUP_DOMAIN_UNKNOWN,
        'invalid',
        'Could not derive the group address; pass groupSmtp.',
        { fieldErrors: [{ path: 'groupSmtp', message: 'required for this group name' }] },
      );
    }
    return `${local}@${domain}`;
  }
}
