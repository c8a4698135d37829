import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';

import { OrgwideConnection } from './entities/orgwide-connection.entity';

/** Every query on org-wide connections. */
@Injectable()
export class OrgwideConnectionRepository {
  constructor(private readonly em: EntityManager) {}

  find(orgId: string): Promise<OrgwideConnection | null> {
    return this.em.findOne(OrgwideConnection, { orgId });
  }

  /** The org holding a live connection to the tenant, if any (at most one: a unique index). */
  findByTenant(tenantId: string): Promise<OrgwideConnection | null> {
    return this.em.findOne(OrgwideConnection, { tenantId: tenantId.toLowerCase() });
  }

  /**
   * Inserts a new connection; false when the tenant already has one (another org won the race).
   * The unique index decides, not a read before the write.
   */
  async insert(connection: OrgwideConnection): Promise<boolean> {
    try {
      // Its own transaction, or a savepoint inside the caller's: a refused insert leaves the
      // caller's transaction usable.
      await this.em.transactional((em) => em.insert(OrgwideConnection, connection));
      return true;
    } catch (error) {
      if (error instanceof UniqueConstraintViolationException) return false;
      throw error;
    }
  }

  /** Every connected org, for crons that fan out one job per org. */
  listAll(): Promise<OrgwideConnection[]> {
    return this.em.find(OrgwideConnection, {}, { orderBy: { orgId: 'asc' } });
  }

  async save(connection: OrgwideConnection): Promise<void> {
    await this.em.persistAndFlush(connection);
  }

  /** Removes the org's connection; returns the number of rows deleted. */
  delete(orgId: string): Promise<number> {
    return this.em.nativeDelete(OrgwideConnection, { orgId });
  }
}
