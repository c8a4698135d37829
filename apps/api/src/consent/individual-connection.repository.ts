import { type FilterQuery } from '@mikro-orm/core';
import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';

import { IndividualConnection } from './entities/individual-connection.entity';

/** Every query on individual connections; each is scoped by org. */
@Injectable()
export class IndividualConnectionRepository {
  constructor(private readonly em: EntityManager) {}

  list(orgId: string, roxUserId?: string): Promise<IndividualConnection[]> {
    const where: FilterQuery<IndividualConnection> = { orgId };
    if (roxUserId) where.roxUserId = roxUserId;
    return this.em.find(IndividualConnection, where, { orderBy: { createdAt: 'asc', id: 'asc' } });
  }

  /** One page of `list`: up to `limit` connections after `after` (creation time, then id). */
  page(
    orgId: string,
    options: {
      roxUserId?: string;
      liveOnly?: boolean;
      after?: { createdAt: Date; id: string };
      limit: number;
    },
  ): Promise<IndividualConnection[]> {
    const where: FilterQuery<IndividualConnection> = { orgId };
    if (options.roxUserId) where.roxUserId = options.roxUserId;
    if (options.liveOnly) where.status = { $ne: 'superseded' };
    if (options.after) {
      const { createdAt, id } = options.after;
      where.$or = [{ createdAt: { $gt: createdAt } }, { createdAt, id: { $gt: id } }];
    }
    return this.em.find(IndividualConnection, where, {
      orderBy: { createdAt: 'asc', id: 'asc' },
      limit: options.limit,
    });
  }

  /**
   * Every org where a member's own connection is connected, for the crons that keep such
   * connections' change subscriptions (the one read across orgs, like the org-wide list).
   */
  async orgsWithConnected(): Promise<{ orgId: string }[]> {
    const rows = await this.em
      .createQueryBuilder(IndividualConnection)
      .select('orgId', true)
      .where({ provider: 'microsoft', status: 'connected' })
      .orderBy({ orgId: 'asc' })
      .execute<{ orgId: string }[]>('all');
    return rows.map((r) => ({ orgId: r.orgId }));
  }

  /** The org's connections that are not yet superseded. */
  listActive(orgId: string): Promise<IndividualConnection[]> {
    return this.em.find(
      IndividualConnection,
      { orgId, status: { $ne: 'superseded' } },
      { orderBy: { createdAt: 'asc', id: 'asc' } },
    );
  }

  /** The member's live (not superseded) connection of a kind, if any: at most one exists. */
  findLive(
    orgId: string,
    roxUserId: string,
    provider: IndividualConnection['provider'],
    kind: IndividualConnection['kind'],
  ): Promise<IndividualConnection | null> {
    return this.em.findOne(IndividualConnection, {
      orgId,
      roxUserId,
      provider,
      kind,
      status: { $ne: 'superseded' },
    });
  }

  /** One connection by id; org-scoped unless the caller has no org yet (a sign-in callback). */
  findById(id: string, orgId?: string): Promise<IndividualConnection | null> {
    return this.em.findOne(IndividualConnection, orgId ? { id, orgId } : { id }, {
      refresh: true,
    });
  }

  delete(connection: IndividualConnection): Promise<number> {
    return this.em.nativeDelete(IndividualConnection, { id: connection.id });
  }

  async save(connection: IndividualConnection): Promise<void> {
    await this.em.persistAndFlush(connection);
  }

  purgeMember(orgId: string, roxUserId: string): Promise<number> {
    return this.em.nativeDelete(IndividualConnection, { orgId, roxUserId });
  }

  async saveAll(connections: IndividualConnection[]): Promise<void> {
    await this.em.persistAndFlush(connections);
  }
}
