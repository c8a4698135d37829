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
