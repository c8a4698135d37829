import { Injectable } from '@nestjs/common';

import {
  type DirectoryUserPage,
  type ListDirectoryUsersQuery,
  type OrgwideStatus,
} from '@rox365/contracts';

import { MembersService } from '../members/members.service';
import { CURSOR_KEY_SEPARATOR, decodeCursor, keysetPage } from '../platform/http/keyset-page';
import { AddressIndex, normalizeAddress } from './address-mapping';
import { toDirectoryUserContract } from './directory.mapper';
import { DirectoryRepository } from './directory.repository';

/** Read use cases: the tenant's directory users (with the member each maps to) and the summary. */
@Injectable()
export class DirectoryReader {
  constructor(
    private readonly repo: DirectoryRepository,
    private readonly members: MembersService,
  ) {}

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

  // Members whose Rox email matches a Microsoft 365 account.
  private async mappedMemberCount(orgId: string): Promise<number> {
    const [users, members] = await Promise.all([
      this.repo.listUsers(orgId),
      this.members.listAll(orgId),
    ]);
    const index = new AddressIndex(users);
    return members.filter((m) => index.match(m.email) !== null).length;
  }

  /** Directory part of the org-wide status. */
  async summary(orgId: string): Promise<OrgwideStatus['directory']> {
    const state = await this.repo.findSyncState(orgId);
    return {
      state: state?.stage ?? 'never',
      lastSyncAt: state?.lastSyncAt?.toISOString() ?? null,
      lastError: state?.lastErrorCode ?? null,
      users: state ? await this.repo.countUsers(orgId) : 0,
      mappedMembers: state ? await this.mappedMemberCount(orgId) : 0,
    };
  }
}
