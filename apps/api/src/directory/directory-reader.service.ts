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
import { ConnectionReader } from '../consent/connection-reader.service';
import { MembersService } from '../members/members.service';
import { decodeCursor, keysetPage } from '../platform/http/keyset-page';
import { AddressIndex, normalizeAddress } from './address-mapping';
import { DirectoryError, DirectoryErrorCode } from './directory.errors';
import { toDirectoryUserContract, toProbeResultContract } from './directory.mapper';
import { DirectoryRepository } from './directory.repository';
import { type DirectoryProbe } from './entities/directory-probe.entity';
import { type DirectoryUser } from './entities/directory-user.entity';
import { isInScope, memberScope } from './member-scope';

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
      .map((u) => ({ user: u, key: `${normalizeAddress(u.userPrincipalName)}\u0000${u.id}` }))
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
   * mapped members whose calendar and email sync are both off.
   */
  async accessPolicyScript(
    orgId: string,
    query: AccessPolicyScriptQuery,
  ): Promise<AccessPolicyScript> {
    const connection = await this.connections.connection(orgId);
    if (!connection) {
      throw new DirectoryError(
        DirectoryErrorCode.DIRECTORY_NOT_CONNECTED,
        'precondition_failed',
        'Connect Microsoft 365 first: the script needs the directory of your tenant.',
      );
    }
    const statuses = await this.statuses(orgId, undefined, { ignoreProbes: true });
    const users = new Map((await this.repo.listUsers(orgId)).map((u) => [u.id, u]));
    const chosen = statuses.filter((s) => {
      if (s.directoryUserId === null) return false;
      const configuredOn = s.calendar.configured !== 'off' || s.mail.configured !== 'off';
      return query.accessRight === 'RestrictAccess' ? isInScope(s) : !configuredOn;
    });
    const addresses = chosen
      .map((s) => {
        const user = s.directoryUserId ? users.get(s.directoryUserId) : undefined;
        return user ? (user.mail ?? user.userPrincipalName) : null;
      })
      .filter((a): a is string => a !== null);
    if (addresses.length === 0) {
      throw new DirectoryError(
        DirectoryErrorCode.DIRECTORY_NO_MEMBERS_FOR_POLICY,
        'precondition_failed',
        query.accessRight === 'RestrictAccess'
          ? 'No member is in scope yet: run a directory sync and turn calendar or email sync on first.'
          : 'No mapped member has both calendar and email sync off, so there is nobody to deny.',
      );
    }
    const groupSmtp =
      query.groupSmtp ?? this.defaultGroupSmtp(query.groupName, [...users.values()], addresses);
    const appId = this.config.microsoft.clientId;
    return {
      script: accessPolicyScript({
        appId,
        groupName: query.groupName,
        groupSmtp,
        members: addresses,
        accessRight: query.accessRight,
      }),
      members: addresses,
      appId,
    };
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
