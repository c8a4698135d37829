import { type FilterQuery } from '@mikro-orm/core';
import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';

import { findPlain } from '../database/plain-rows';
import { AuditEntry } from './entities/audit-entry.entity';

export interface AuditFilter {
  orgId: string;
  action?: string;
  actorId?: string;
  from?: Date;
  to?: Date;
  beforeId?: string;
  limit: number;
}

/** Append and read only: the audit log has no update path. */
@Injectable()
export class AuditEntryRepository {
  constructor(private readonly em: EntityManager) {}

  async append(entry: AuditEntry): Promise<void> {
    // Inserted straight away so an entry is never lost with an unflushed unit of work.
    const id = await this.em.insert(AuditEntry, entry);
    entry.id = String(id);
  }

  async list(filter: AuditFilter): Promise<AuditEntry[]> {
    const where: FilterQuery<AuditEntry> = { orgId: filter.orgId };
    if (filter.action) {
      where.action = filter.action.endsWith('.*')
        ? { $like: `${escapeLike(filter.action.slice(0, -1))}%` }
        : filter.action;
    }
    if (filter.actorId) where.actorId = filter.actorId;
    if (filter.from || filter.to) {
      where.createdAt = {
        ...(filter.from ? { $gte: filter.from } : {}),
        ...(filter.to ? { $lte: filter.to } : {}),
      };
    }
    if (filter.beforeId) where.id = { $lt: filter.beforeId };
    return findPlain(this.em, AuditEntry, where, { orderBy: { id: 'desc' }, limit: filter.limit });
  }

  /** Only ever called when an org's data is purged as a whole. */
  async purgeOrg(orgId: string): Promise<number> {
    return this.em.nativeDelete(AuditEntry, { orgId });
  }
}

function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}
