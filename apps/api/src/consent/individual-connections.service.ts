import { randomUUID } from 'node:crypto';

import { Injectable } from '@nestjs/common';

import {
  type CreateIndividualConnectionRequest,
  type IndividualConnection as IndividualConnectionContract,
} from '@rox365/contracts';

import { AuditLog } from '../platform/audit/audit-log.service';
import { type Caller } from '../platform/auth/caller';
import { Transactions } from '../platform/database/transactions.service';
import { Clock } from '../platform/time/clock';
import { ConsentError, ConsentErrorCode } from './consent.errors';
import { toIndividualConnectionContract } from './consent.mapper';
import { IndividualConnection } from './entities/individual-connection.entity';
import { IndividualConnectionRepository } from './individual-connection.repository';
import { OrgwideConnectionRepository } from './orgwide-connection.repository';

/**
 * Members' own connections. One connection rules them: while the org-wide connection exists,
 * no member may add one, and connecting org-wide supersedes the existing ones.
 */
@Injectable()
export class IndividualConnectionsService {
  constructor(
    private readonly connections: IndividualConnectionRepository,
    private readonly orgwide: OrgwideConnectionRepository,
    private readonly audit: AuditLog,
    private readonly tx: Transactions,
    private readonly clock: Clock,
  ) {}

  async list(caller: Caller, all: boolean): Promise<{ items: IndividualConnectionContract[] }> {
    if (all && caller.role !== 'admin') {
      throw new ConsentError(
        ConsentErrorCode.INDIVIDUAL_CONNECTIONS_ADMIN_ONLY,
        'forbidden',
        "Only admins may list every member's connections.",
      );
    }
    const rows = await this.connections.list(caller.orgId, all ? undefined : caller.roxUserId);
    return { items: rows.map(toIndividualConnectionContract) };
  }

  async create(
    caller: Caller,
    input: CreateIndividualConnectionRequest,
  ): Promise<IndividualConnectionContract> {
    if (await this.orgwide.find(caller.orgId)) {
      throw new ConsentError(
        ConsentErrorCode.ORGWIDE_CONNECTED,
        'conflict',
        'Your organisation is connected to Microsoft 365 org-wide, so calendars and mailboxes are synced for you; individual Microsoft or Google connections are not available.',
      );
    }
    const connection = new IndividualConnection({
      id: randomUUID(),
      orgId: caller.orgId,
      roxUserId: caller.roxUserId,
      provider: input.provider,
      kind: input.kind,
      now: this.clock.now(),
    });
    await this.tx.run(async () => {
      await this.connections.save(connection);
      await this.audit.record({
        orgId: caller.orgId,
        action: 'individual-connections.created',
        target: { type: 'individual_connection', id: connection.id },
        details: {
          provider: connection.provider,
          kind: connection.kind,
          status: connection.status,
        },
      });
    });
    return toIndividualConnectionContract(connection);
  }

  /** Marks every live individual connection of the org superseded by the org-wide one. */
  async supersedeAll(orgId: string, adminRoxUserId: string, tenantId: string): Promise<number> {
    const active = await this.connections.listActive(orgId);
    if (active.length === 0) return 0;
    const now = this.clock.now();
    const reason = `Replaced by the org-wide Microsoft 365 connection (tenant ${tenantId}) on ${now.toISOString()}.`;
    for (const connection of active) connection.supersede(reason, now);
    // Joins the caller's transaction when there is one (a savepoint), so the org-wide connect
    // and the superseding commit together.
    await this.tx.run(async () => {
      await this.connections.saveAll(active);
      await this.audit.record({
        orgId,
        action: 'individual-connections.superseded',
        target: { type: 'org', id: orgId },
        details: { count: active.length, ids: active.map((c) => c.id), tenantId },
        actor: { id: adminRoxUserId, role: 'admin' },
      });
    });
    return active.length;
  }
}
