import { Injectable } from '@nestjs/common';

import {
  type DirectoryUserPage,
  type ListDirectoryUsersQuery,
  type OrgwideStatus,
} from '@rox365/contracts';

import {
  CURSOR_KEY_SEPARATOR,
  decodeCursor,
  invalidCursor,
  keysetPage,
} from '../platform/http/keyset-page';
import { toDirectoryUserContract } from './directory.mapper';
import { DirectoryRepository } from './directory.repository';

const USER_LIST = 'users';

/**
 * Read use cases: the tenant's directory users (with the member each maps to) and the summary.
 * Each answer costs one page of SQL on indexed columns, never the tenant.
 */
@Injectable()
export class DirectoryReader {
  constructor(private readonly repo: DirectoryRepository) {}

  async directoryUserPage(
    orgId: string,
    query: ListDirectoryUsersQuery,
  ): Promise<DirectoryUserPage> {
    const after = userCursor(decodeCursor(USER_LIST, query.cursor));
    const rows = await this.repo.userPage(orgId, {
      ...(after ? { after } : {}),
      limit: query.limit + 1,
      ...(query.q ? { q: query.q } : {}),
      filter: query.filter,
    });
    const page = keysetPage(
      rows,
      query.limit,
      USER_LIST,
      (u) => `${u.upnKey}${CURSOR_KEY_SEPARATOR}${u.id}`,
    );
    return { items: page.items.map(toDirectoryUserContract), nextCursor: page.nextCursor };
  }

  /** Directory part of the org-wide status: the stored state and its maintained counters. */
  async summary(orgId: string): Promise<OrgwideStatus['directory']> {
    const state = await this.repo.findSyncState(orgId);
    return {
      state: state?.stage ?? 'never',
      lastSyncAt: state?.lastSyncAt?.toISOString() ?? null,
      lastError: state?.lastErrorCode ?? null,
      // What the last committed round counted; directory users change only through syncs.
      users: state?.lastCounts.total ?? 0,
      mappedMembers: state?.mappedMembers ?? 0,
    };
  }
}

// upn_key and id, split at the separator (neither holds it).
function userCursor(key: string | undefined): { upnKey: string; id: string } | undefined {
  if (key === undefined) return undefined;
  const at = key.lastIndexOf(CURSOR_KEY_SEPARATOR);
  if (at < 0 || at === key.length - 1) {
    throw invalidCursor();
  }
  return { upnKey: key.slice(0, at), id: key.slice(at + 1) };
}
