import { Injectable } from '@nestjs/common';
import { type AuditPage, type ListAuditQuery } from '@rox365/contracts';

import { Clock } from '../time/clock';
import { DomainError } from '../http/domain-error';
import { requestContext } from '../http/request-context';
import { AuditEntryRepository } from './audit-entry.repository';
import { decodeAuditCursor, encodeAuditCursor, toAuditEntryContract } from './audit.mapper';
import { type AuditActorRole, AuditEntry } from './entities/audit-entry.entity';

export interface AuditRecord {
  orgId: string;
  action: string;
  target: { type: string; id?: string | null };
  details?: Record<string, unknown>;
  /** Defaults to the current request's caller, or `system` inside jobs. */
  actor?: { id: string; role: AuditActorRole };
}

export enum AuditErrorCode {
  AUDIT_CURSOR_INVALID = 'AUDIT_CURSOR_INVALID',
}

/** The audit port every feature writes to. */
@Injectable()
export class AuditLog {
  constructor(
    private readonly entries: AuditEntryRepository,
    private readonly clock: Clock,
  ) {}

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
    let beforeId: string | undefined;
    if (query.cursor) {
      const decoded = decodeAuditCursor(query.cursor);
      if (!decoded) {
        throw new DomainError(
          AuditErrorCode.AUDIT_CURSOR_INVALID,
          'invalid',
          'The cursor is not valid.',
        );
      }
      beforeId = decoded;
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
    const page = rows.slice(0, query.limit);
    const last = page[page.length - 1];
    return {
      items: page.map(toAuditEntryContract),
      nextCursor: rows.length > query.limit && last ? encodeAuditCursor(String(last.id)) : null,
    };
  }
}
