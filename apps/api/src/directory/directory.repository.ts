import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';

import { type PageCounts } from '../platform/sync/sync-channel';
import { directoryAddresses, normalizeAddress } from './address-mapping';
import { completeFields } from './directory.mapper';
import { DirectorySyncState } from './entities/directory-sync-state.entity';
import {
  DirectoryUser,
  type DirectoryUserFields,
  type MailboxState,
} from './entities/directory-user.entity';

/** Every query of the directory feature. Each one is scoped by org. */
@Injectable()
export class DirectoryRepository {
  constructor(private readonly em: EntityManager) {}

  // ---- sync state ----------------------------------------------------------------------------

  findSyncState(orgId: string): Promise<DirectorySyncState | null> {
    return this.em.findOne(DirectorySyncState, { orgId }, { refresh: true });
  }

  async syncState(orgId: string): Promise<DirectorySyncState> {
    return (await this.findSyncState(orgId)) ?? new DirectorySyncState(orgId);
  }

  async saveSyncState(state: DirectorySyncState): Promise<void> {
    await this.em.persistAndFlush(state);
  }

  /** Orgs whose sync has been running or queued since before `before` (candidates for stale). */
  syncStatesBusySince(before: Date): Promise<DirectorySyncState[]> {
    return this.em.find(
      DirectorySyncState,
      {
        $or: [
          { stage: 'running', startedAt: { $lt: before } },
          { stage: 'queued', queuedAt: { $lt: before } },
        ],
      },
      { orderBy: { orgId: 'asc' }, refresh: true },
    );
  }

  // ---- users ---------------------------------------------------------------------------------

  /**
   * Upserts one delta page and deletes its `@removed` users in one transaction, so the cursor
   * that follows the page never points past rows that were not committed.
   */
  async applyPage(
    orgId: string,
    page: { users: { id: string; patch: Partial<DirectoryUserFields> }[]; removedIds: string[] },
    round: number,
    now: Date,
  ): Promise<PageCounts> {
    return this.em.transactional(async (em) => {
      const counts: PageCounts = { added: 0, updated: 0, removed: 0 };
      // The same user can appear twice in a page; later entries win, property by property.
      const latest = new Map<string, Partial<DirectoryUserFields>>();
      for (const u of page.users) latest.set(u.id, { ...latest.get(u.id), ...u.patch });
      const ids = [...latest.keys()];
      const existing = ids.length ? await em.find(DirectoryUser, { orgId, id: { $in: ids } }) : [];
      const byId = new Map(existing.map((u) => [u.id, u]));
      for (const [id, patch] of latest) {
        const row = byId.get(id);
        const fields = completeFields(patch, row ?? null);
        const addresses = directoryAddresses(fields);
        if (row) {
          if (row.apply(fields, addresses, round, now)) counts.updated += 1;
        } else {
          em.persist(new DirectoryUser({ orgId, id, fields, addresses, round, now }));
          counts.added += 1;
        }
      }
      await em.flush();
      const removedIds = page.removedIds.filter((id) => !latest.has(id));
      if (removedIds.length) {
        counts.removed = await em.nativeDelete(DirectoryUser, { orgId, id: { $in: removedIds } });
      }
      return counts;
    });
  }

  /** Full-round reconciliation: deletes the users the round did not see. */
  deleteUnseen(orgId: string, round: number): Promise<number> {
    return this.em.nativeDelete(DirectoryUser, { orgId, seenRound: { $lt: round } });
  }

  countUsers(orgId: string): Promise<number> {
    return this.em.count(DirectoryUser, { orgId });
  }

  listUsers(orgId: string): Promise<DirectoryUser[]> {
    return this.em.find(DirectoryUser, { orgId }, { orderBy: { id: 'asc' } });
  }

  findUser(orgId: string, id: string): Promise<DirectoryUser | null> {
    return this.em.findOne(DirectoryUser, { orgId, id });
  }

  /** Users that receive mail at this address (mail, UPN or SMTP proxy). */
  usersByAddress(orgId: string, address: string): Promise<DirectoryUser[]> {
    return this.em.find(DirectoryUser, {
      orgId,
      addresses: { $contains: [normalizeAddress(address)] },
    });
  }

  async setMailboxState(orgId: string, id: string, state: MailboxState): Promise<void> {
    await this.em.nativeUpdate(DirectoryUser, { orgId, id }, { mailboxState: state });
  }

  // ---- purge ---------------------------------------------------------------------------------

  purgeUsers(orgId: string): Promise<number> {
    return this.em.nativeDelete(DirectoryUser, { orgId });
  }

  purgeSyncState(orgId: string): Promise<number> {
    return this.em.nativeDelete(DirectorySyncState, { orgId });
  }
}
