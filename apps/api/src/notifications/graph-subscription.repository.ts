import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';

import { plainRows } from '../platform/database/plain-rows';
import { GraphSubscription, type SubscriptionKind } from './entities/graph-subscription.entity';

/** Every query of the notifications feature. */
@Injectable()
export class GraphSubscriptionRepository {
  constructor(private readonly em: EntityManager) {}

  /** The channel's row, by Graph's subscription id (the receiver's only key). */
  findBySubscriptionId(subscriptionId: string): Promise<GraphSubscription | null> {
    return this.em.findOne(GraphSubscription, { subscriptionId });
  }

  find(
    orgId: string,
    roxUserId: string,
    kind: SubscriptionKind,
    folder: string,
  ): Promise<GraphSubscription | null> {
    return this.em.findOne(GraphSubscription, { orgId, roxUserId, kind, folder });
  }

  /** The org's rows as plain read-only objects (a large org's would not fit as entities). */
  async listOrg(orgId: string): Promise<GraphSubscription[]> {
    const rows = await this.em.execute<Record<string, unknown>[]>(
      'select * from graph_subscription where org_id = ? order by rox_user_id',
      [orgId],
    );
    return plainRows(this.em, GraphSubscription, rows);
  }

  listMailbox(orgId: string, roxUserId: string): Promise<GraphSubscription[]> {
    return this.em.find(GraphSubscription, { orgId, roxUserId });
  }

  /** Active subscriptions past their half-life, oldest first (of one org when given). */
  dueForRenewal(now: Date, limit: number, orgId?: string): Promise<GraphSubscription[]> {
    return this.em.find(
      GraphSubscription,
      { state: 'active', renewAt: { $lte: now }, ...(orgId === undefined ? {} : { orgId }) },
      { orderBy: { renewAt: 'asc' }, limit },
    );
  }

  /**
   * The stored clientState hash of each of these ids some row holds, in any org (an id absent is
   * no row's: an orphan at Graph, or forged). Never narrow it to one org: two orgs may reach one
   * tenant, or one Microsoft account, and each sweep lists the other's subscriptions too.
   */
  async clientStateHashes(ids: readonly string[]): Promise<Map<string, string | null>> {
    if (ids.length === 0) return new Map();
    const rows = await this.em.find(
      GraphSubscription,
      { subscriptionId: { $in: [...ids] } },
      { fields: ['subscriptionId', 'clientStateHash'] },
    );
    return new Map(
      rows
        .filter(
          (r): r is GraphSubscription & { subscriptionId: string } => r.subscriptionId !== null,
        )
        .map((r) => [r.subscriptionId, r.clientStateHash]),
    );
  }

  /**
   * The lifetimes (minutes) Graph granted subscriptions in these tenants, each once, whichever
   * Rox org holds them (two orgs may reach one tenant, or one Microsoft account).
   */
  async grantedLifetimes(tenantIds: readonly string[]): Promise<number[]> {
    const tenants = [...new Set(tenantIds)];
    if (tenants.length === 0) return [];
    const rows = await this.em.getConnection().execute<{ minutes: number }[]>(
      `select distinct lifetime_minutes as minutes from graph_subscription
         where tenant_id in (${tenants.map(() => '?').join(', ')})
           and lifetime_minutes is not null order by 1`,
      tenants,
    );
    return rows.map((r) => Number(r.minutes));
  }

  /** Degraded channels among these members, for the channel status. */
  async degraded(
    orgId: string,
    kind: SubscriptionKind,
    roxUserIds: readonly string[],
  ): Promise<GraphSubscription[]> {
    // Raw and plain: every member status read asks (docs/operations.md, "Reads at scale").
    if (roxUserIds.length === 0) return [];
    const rows = await this.em.execute<Record<string, unknown>[]>(
      `select * from graph_subscription
        where org_id = ? and rox_user_id = any(array(select json_array_elements_text(?::json)))
          and kind = ? and state = 'degraded'
        order by rox_user_id, folder`,
      [orgId, JSON.stringify(roxUserIds), kind],
    );
    return plainRows(this.em, GraphSubscription, rows);
  }

  /** Channels among these members whose subscription Graph holds and has not let expire. */
  healthy(
    orgId: string,
    kind: SubscriptionKind,
    roxUserIds: readonly string[],
    now: Date,
  ): Promise<GraphSubscription[]> {
    return this.em.find(GraphSubscription, {
      orgId,
      kind,
      state: 'active',
      subscriptionId: { $ne: null },
      expiresAt: { $gt: now },
      roxUserId: { $in: [...roxUserIds] },
    });
  }

  async save(row: GraphSubscription): Promise<void> {
    await this.em.persistAndFlush(row);
  }

  async remove(row: GraphSubscription): Promise<void> {
    await this.em.removeAndFlush(row);
  }

  purgeOrg(orgId: string): Promise<number> {
    return this.em.nativeDelete(GraphSubscription, { orgId });
  }
}
