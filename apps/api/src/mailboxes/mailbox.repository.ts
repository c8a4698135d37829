import { EntityManager, type FilterQuery } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';

import { findPlain, plainRows } from '../platform/database/plain-rows';
import { MailboxProbe } from './entities/mailbox-probe.entity';
import { Mailbox } from './entities/mailbox.entity';
import { sameRestrictionLists, type RestrictionLists } from './participant-restrictions';

/** Filters of the member status list, as the API offers them. */
export type MailboxFilter = 'all' | 'mapped' | 'unmapped' | 'in_scope' | 'out_of_scope';

const UPSERT_CHUNK = 500;

/** Every query on mailbox rows and probes. Each one is scoped by org. */
@Injectable()
export class MailboxRepository {
  constructor(private readonly em: EntityManager) {}

  // ---- mailbox rows --------------------------------------------------------------------------

  /** Inserts or replaces rows (set-based, in chunks). */
  async upsertAll(rows: readonly Mailbox[]): Promise<void> {
    for (let i = 0; i < rows.length; i += UPSERT_CHUNK) {
      await this.em.upsertMany(Mailbox, rows.slice(i, i + UPSERT_CHUNK));
    }
  }

  /**
   * Fresh planner statistics after an org refresh rewrote its rows: without them a new org's
   * thousands of rows look like a handful and the keyset page sorts the org instead of walking
   * the primary key.
   */
  async analyze(): Promise<void> {
    await this.em.execute('analyze mailbox', [], 'run');
  }

  /** Rows an org refresh did not write: their members are gone. */
  deleteRefreshedBefore(orgId: string, before: Date): Promise<number> {
    return this.em.nativeDelete(Mailbox, { orgId, refreshedAt: { $lt: before } });
  }

  find(orgId: string, roxUserId: string): Promise<Mailbox | null> {
    return this.em.findOne(Mailbox, { orgId, roxUserId }, { refresh: true });
  }

  /** `find` as a plain row, for reads that only answer it (status endpoints): never flush it. */
  async findPlainRow(orgId: string, roxUserId: string): Promise<Mailbox | null> {
    const rows = await this.em.execute<Record<string, unknown>[]>(
      'select * from mailbox where org_id = ? and rox_user_id = ?',
      [orgId, roxUserId],
    );
    return plainRows(this.em, Mailbox, rows)[0] ?? null;
  }

  /** Whether the member has a mailbox row (one index probe; for reads that need nothing else). */
  async exists(orgId: string, roxUserId: string): Promise<boolean> {
    const rows = await this.em.execute<unknown[]>(
      'select 1 from mailbox where org_id = ? and rox_user_id = ?',
      [orgId, roxUserId],
    );
    return rows.length > 0;
  }

  /** One page in roxUserId order after `afterRoxUserId`, filtered and searched in SQL (plain rows). */
  page(
    orgId: string,
    options: { afterRoxUserId?: string; limit: number; q?: string; filter: MailboxFilter },
  ): Promise<Mailbox[]> {
    const conditions: FilterQuery<Mailbox>[] = [{ orgId }];
    if (options.afterRoxUserId) conditions.push({ roxUserId: { $gt: options.afterRoxUserId } });
    const byFilter: Record<MailboxFilter, FilterQuery<Mailbox> | null> = {
      all: null,
      mapped: { directoryUserId: { $ne: null } },
      unmapped: { directoryUserId: null },
      in_scope: { $or: [{ calendarInScope: true }, { mailInScope: true }] },
      out_of_scope: { calendarInScope: false, mailInScope: false },
    };
    const filter = byFilter[options.filter];
    if (filter) conditions.push(filter);
    if (options.q) {
      const like = `%${escapeLike(options.q)}%`;
      conditions.push({
        $or: [
          { email: { $ilike: like } },
          { displayName: { $ilike: like } },
          { directoryUpn: { $ilike: like } },
        ],
      });
    }
    const where: FilterQuery<Mailbox> = { $and: conditions };
    return findPlain(this.em, Mailbox, where, {
      orderBy: { roxUserId: 'asc' },
      limit: options.limit,
    });
  }

  /** Rows after `afterRoxUserId` in roxUserId order, outside the identity map (batches). */
  batch(orgId: string, afterRoxUserId: string | undefined, limit: number): Promise<Mailbox[]> {
    return this.em.find(
      Mailbox,
      { orgId, ...(afterRoxUserId !== undefined ? { roxUserId: { $gt: afterRoxUserId } } : {}) },
      { orderBy: { roxUserId: 'asc' }, limit, disableIdentityMap: true },
    );
  }

  /** What changes whenever any row is written or removed: keys caches of derived answers. */
  async version(orgId: string): Promise<string> {
    const [row] = await this.em.execute<{ n: string; at: Date | null }[]>(
      'select count(*) as n, max(refreshed_at) as at from mailbox where org_id = ?',
      [orgId],
    );
    return `${row?.n ?? 0}:${row?.at ? new Date(row.at).toISOString() : ''}`;
  }

  /**
   * Every row of the org in roxUserId order, as plain read-only rows: the org cycles hold all of
   * them at once, and as managed entities 10,000 rows took about 55 MB of a worker's 160 MB heap
   * (plain, about a fifth of that).
   */
  async listAll(orgId: string): Promise<Mailbox[]> {
    const rows = await this.em.execute<Record<string, unknown>[]>(
      'select * from mailbox where org_id = ? order by rox_user_id',
      [orgId],
    );
    return plainRows(this.em, Mailbox, rows);
  }

  /** Members the probes check: in scope when probes are left out. */
  async probeTargetIds(orgId: string): Promise<string[]> {
    const rows = await this.em.find(
      Mailbox,
      { orgId, isProbeTarget: true },
      { fields: ['roxUserId'], orderBy: { roxUserId: 'asc' } },
    );
    return rows.map((r) => r.roxUserId);
  }

  countMapped(orgId: string): Promise<number> {
    return this.em.count(Mailbox, { orgId, directoryUserId: { $ne: null } });
  }

  deleteForOrg(orgId: string): Promise<number> {
    return this.em.nativeDelete(Mailbox, { orgId });
  }

  deleteMember(orgId: string, roxUserId: string): Promise<number> {
    return this.em.nativeDelete(Mailbox, { orgId, roxUserId });
  }

  // ---- probes --------------------------------------------------------------------------------

  findProbe(orgId: string, roxUserId: string): Promise<MailboxProbe | null> {
    return this.em.findOne(MailboxProbe, { orgId, roxUserId });
  }

  listProbes(orgId: string, roxUserIds?: readonly string[]): Promise<MailboxProbe[]> {
    return this.em.find(
      MailboxProbe,
      roxUserIds ? { orgId, roxUserId: { $in: [...roxUserIds] } } : { orgId },
      { orderBy: { roxUserId: 'asc' }, disableIdentityMap: true },
    );
  }

  pageProbes(
    orgId: string,
    options: { afterRoxUserId?: string; limit: number },
  ): Promise<MailboxProbe[]> {
    return findPlain(
      this.em,
      MailboxProbe,
      {
        orgId,
        ...(options.afterRoxUserId ? { roxUserId: { $gt: options.afterRoxUserId } } : {}),
      },
      { orderBy: { roxUserId: 'asc' }, limit: options.limit },
    );
  }

  async saveProbe(probe: MailboxProbe): Promise<void> {
    await this.em.persistAndFlush(probe);
  }

  purgeMemberProbe(orgId: string, roxUserId: string): Promise<number> {
    return this.em.nativeDelete(MailboxProbe, { orgId, roxUserId });
  }

  purgeProbes(orgId: string): Promise<number> {
    return this.em.nativeDelete(MailboxProbe, { orgId });
  }

  // ---- restricted lists and running rounds (the functions below say how) ----------------------

  /** A feature's purge of restricted data holds this until it commits. */
  lockRestrictionsPurge(orgId: string, feature: SyncFeature): Promise<void> {
    return lockRestrictionsPurge(this.em, orgId, feature);
  }

  /** A round's last commit: whether what it judged its pages with still holds. */
  restrictionsStillApply(
    orgId: string,
    feature: SyncFeature,
    judged: JudgedRestrictions,
  ): Promise<boolean> {
    return restrictionsStillApply(this.em, orgId, feature, judged);
  }

  /** Read before the org's lists, by every round and write that judges items with them. */
  restrictionsAppliedAt(orgId: string, feature: SyncFeature): Promise<Date | null> {
    return restrictionsAppliedAt(this.em, orgId, feature);
  }
}

/** The features whose rounds judge items by the restricted lists. */
export type SyncFeature = 'calendar' | 'mail';

function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/**
 * Inside a sync page's transaction: whether the member's mailbox is still a target of that kind,
 * its row held by a key-share lock until commit. A disconnect or member purge deletes the mailbox
 * rows before the synced data (the mailboxes participant purges first), so a round still running
 * either commits before the purge reads the synced tables, or finds its mailbox gone and writes
 * nothing.
 */
export async function lockSyncTarget(
  em: EntityManager,
  orgId: string,
  roxUserId: string,
  kind: 'calendar' | 'mail',
): Promise<boolean> {
  const inScope = kind === 'calendar' ? 'calendar_in_scope' : 'mail_in_scope';
  const rows = await em.execute<{ ok: number }[]>(
    `select 1 as ok from mailbox where org_id = ? and rox_user_id = ? and ${inScope} for key share`,
    [orgId, roxUserId],
  );
  return rows.length > 0;
}

// One lock per org and feature: a cycle's purge of what became restricted holds it exclusively,
// sync pages and writes' copies hold it shared.
const RESTRICTIONS_LOCK_SQL = `select pg_advisory_xact_lock(hashtext(? || '_restrictions:' || ?))`;
const RESTRICTIONS_SHARED_LOCK_SQL = `select pg_advisory_xact_lock_shared(hashtext(? || '_restrictions:' || ?))`;

/**
 * The start of every sync page's transaction (and a write's copy), for both features: the
 * mailbox must still be a target of the feature (lockSyncTarget) and the restricted lists the
 * page was judged with must still hold (restrictionsStillApply). Says which refusal applies.
 */
export async function openSyncPage(
  em: EntityManager,
  orgId: string,
  roxUserId: string,
  feature: SyncFeature,
  judged: JudgedRestrictions | undefined,
): Promise<'ok' | 'left_scope' | 'restrictions_changed'> {
  if (!(await lockSyncTarget(em, orgId, roxUserId, feature))) return 'left_scope';
  if (judged && !(await restrictionsStillApply(em, orgId, feature, judged)))
    return 'restrictions_changed';
  return 'ok';
}

/** Inside a cycle's purge of restricted data, before it reads what is stored. */
export async function lockRestrictionsPurge(
  em: EntityManager,
  orgId: string,
  feature: SyncFeature,
): Promise<void> {
  await em.execute(RESTRICTIONS_LOCK_SQL, [feature, orgId]);
}

/**
 * The restricted lists a round (or a write) judged its items with, and when the feature's last
 * purge had applied lists as the round read them (`<feature>_org_state.checked_at`, read before
 * the lists; null before the first purge).
 */
export interface JudgedRestrictions extends RestrictionLists {
  readonly appliedAt: Date | null;
}

/** When the feature's last purge applied the org's lists (read before a round reads the lists). */
export async function restrictionsAppliedAt(
  em: EntityManager,
  orgId: string,
  feature: SyncFeature,
): Promise<Date | null> {
  // As epoch milliseconds: raw rows carry timestamps as text.
  const [state] = await em.execute<{ ms: number | null }[]>(
    `select (extract(epoch from checked_at) * 1000)::float8 as ms from ${orgStateTable(feature)} where org_id = ?`,
    [orgId],
  );
  return state?.ms === null || state?.ms === undefined ? null : new Date(state.ms);
}

/**
 * Inside a sync page's (or a write's) transaction, under a shared lock held until commit: whether
 * its items may be stored. They may unless a purge committed since the round read its lists and
 * applied other lists: that purge could not see this page's rows, so they must be judged again.
 * A purge either commits before (this page then stores nothing) or waits for this page and then
 * finds its rows. Stricter lists than the last purge applied pass (the next purge applies them);
 * laxer ones wait until a purge has applied them.
 */
export async function restrictionsStillApply(
  em: EntityManager,
  orgId: string,
  feature: SyncFeature,
  judged: JudgedRestrictions,
): Promise<boolean> {
  await em.execute(RESTRICTIONS_SHARED_LOCK_SQL, [feature, orgId]);
  const [state] = await em.execute<
    {
      restricted_domains: string[];
      restricted_users: string[];
      never: boolean;
      unchanged: boolean;
    }[]
  >(
    `select restricted_domains, restricted_users, checked_at is null as never,
            coalesce(checked_at = ?::timestamptz, false) as unchanged
       from ${orgStateTable(feature)} where org_id = ?`,
    [judged.appliedAt, orgId],
  );
  if (!state || state.never) return true;
  const applied = { domains: state.restricted_domains, addresses: state.restricted_users };
  // No purge since the round read its lists: lists at least as strict as the applied ones pass
  // (the next purge applies them). Laxer ones (a restriction lifted, not yet purged for) wait
  // for that purge: lifted and put back before it ran, the purge would see nothing to do and
  // what the laxer round stored would stay.
  if (state.unchanged) return isAtLeastAsStrict(judged, applied);
  return sameRestrictionLists(applied, judged);
}

function isAtLeastAsStrict(judged: RestrictionLists, applied: RestrictionLists): boolean {
  const domains = new Set(judged.domains);
  const addresses = new Set(judged.addresses);
  return (
    applied.domains.every((d) => domains.has(d)) && applied.addresses.every((a) => addresses.has(a))
  );
}

function orgStateTable(feature: SyncFeature): string {
  return feature === 'calendar' ? 'calendar_org_state' : 'mail_org_state';
}
