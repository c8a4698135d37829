import { Injectable } from '@nestjs/common';

import { type AuditPage, type ListAuditQuery } from '@rox365/contracts';

import { decodeCursor, invalidCursor, keysetPage } from '../http/keyset-page';
import { requestContext } from '../http/request-context';
import { Clock } from '../time/clock';
import { AuditEntryRepository } from './audit-entry.repository';
import { toAuditEntryContract } from './audit.mapper';
import { AuditEntry, type AuditActorRole } from './entities/audit-entry.entity';

export interface AuditRecord {
  orgId: string;
  action: string;
  target: { type: string; id?: string | null };
  details?: Record<string, unknown>;
  /** Defaults to the current request's caller, or `system` inside jobs. */
  actor?: { id: string; role: AuditActorRole };
}

const AUDIT_LIST = 'audit';
// audit_entry.id is a bigint; a larger number would fail in PostgreSQL instead of here.
const MAX_BIGINT = 9_223_372_036_854_775_807n;

/** The audit port every feature writes to. */
@Injectable()
export class AuditLog {
  constructor(
    private readonly entries: AuditEntryRepository,
    private readonly clock: Clock,
  ) {}

  /**
   * Appends one entry. Call it inside `Transactions.run`, next to the write it records, so the
   * change and its entry commit together; outside one it is a single insert of its own.
   */
  async record(record: AuditRecord): Promise<void> {
    const caller = requestContext.caller();
    const actor =
      record.actor ??
      (caller
        ? { id: caller.roxUserId, role: caller.role }
        : { id: 'system', role: 'system' as const });
    await this.entries.append(
      new AuditEntry({
        orgId: record.orgId,
        actorId: actor.id,
        actorRole: actor.role,
        action: record.action,
        targetType: record.target.type,
        targetId: record.target.id ?? null,
        details: record.details ?? {},
        requestId: requestContext.requestId() ?? null,
        createdAt: this.clock.now(),
      }),
    );
  }

  async list(orgId: string, query: ListAuditQuery): Promise<AuditPage> {
    const beforeId = decodeCursor(AUDIT_LIST, query.cursor);
    if (beforeId !== undefined && (!/^\d{1,19}$/.test(beforeId) || BigInt(beforeId) > MAX_BIGINT)) {
      throw invalidCursor();
    }
    const rows = await this.entries.list({
      orgId,
      action: query.action,
      actorId: query.actorId,
      from: query.from ? new Date(query.from) : undefined,
      to: query.to ? new Date(query.to) : undefined,
      beforeId,
      limit: query.limit + 1,
    });
    const page = keysetPage(rows, query.limit, AUDIT_LIST, (row) => String(row.id));
    return { items: page.items.map(toAuditEntryContract), nextCursor: page.nextCursor };
  }
}
