import { Injectable } from '@nestjs/common';

import {
  type IndividualCheckResult,
  type IndividualConnection as IndividualConnectionContract,
  type IndividualConnectionList,
  type IndividualDisconnectReceipt,
} from '@rox365/contracts';

import { AuditLog } from '../../platform/audit/audit-log.service';
import { type Caller } from '../../platform/auth/caller';
import { Transactions } from '../../platform/database/transactions.service';
import {
  afterCreatedAt,
  createdAtKey,
  decodeCursor,
  keysetPage,
} from '../../platform/http/keyset-page';
import { LifecycleRegistry } from '../../platform/lifecycle/lifecycle-registry.service';
import { Clock } from '../../platform/time/clock';
import { AuthStateRepository } from '../auth-state/auth-state.repository';
import { ConsentError, ConsentErrorCode } from '../consent.errors';
import { type IndividualConnection } from '../entities/individual-connection.entity';
import { IndividualConnectionRepository } from '../individual-connection.repository';
import { OrgwideSettingsRepository } from '../orgwide-settings.repository';
import { ApprovalHelp } from './approval-help';
import { DelegatedTokenProvider } from './delegated-token.provider';
import { IndividualTokenRepository } from './individual-token.repository';
import { microsoftRemovalSteps, RELEASE_BEFORE_SUPERSEDE_MS } from './individual.constants';
import { toIndividualConnectionContract } from './individual.mapper';

/**
 * Members' own connections after the sign-in: listing, checking, allowing a different account,
 * disconnecting, and the org-wide rule (one connection rules them: connecting org-wide
 * supersedes every live individual connection and deletes its tokens).
 */
@Injectable()
export class IndividualConnectionsService {
  constructor(
    private readonly connections: IndividualConnectionRepository,
    private readonly tokens: IndividualTokenRepository,
    private readonly states: AuthStateRepository,
    private readonly settings: OrgwideSettingsRepository,
    private readonly delegatedTokens: DelegatedTokenProvider,
    private readonly approval: ApprovalHelp,
    private readonly lifecycle: LifecycleRegistry,
    private readonly audit: AuditLog,
    private readonly tx: Transactions,
    private readonly clock: Clock,
  ) {}

  async list(
    caller: Caller,
    query: { all: boolean; live: boolean; cursor?: string | undefined; limit: number },
  ): Promise<IndividualConnectionList> {
    const { all } = query;
    if (all && caller.role !== 'admin') {
      throw new ConsentError(
        ConsentErrorCode.INDIVIDUAL_CONNECTIONS_ADMIN_ONLY,
        'forbidden',
        "Only admins may list every member's connections.",
      );
    }
    const rows = await this.connections.page(caller.orgId, {
      ...(all ? {} : { roxUserId: caller.roxUserId }),
      liveOnly: query.live,
      ...afterCreatedAt(decodeCursor(CONNECTION_LIST, query.cursor)),
      limit: query.limit + 1,
    });
    const page = keysetPage(rows, query.limit, CONNECTION_LIST, createdAtKey);
    const orgTenantId = (await this.settings.find(caller.orgId))?.tenantId ?? null;
    return {
      items: page.items.map((row) => this.toContract(row, orgTenantId)),
      nextCursor: page.nextCursor,
    };
  }

  /**
   * Gets a fresh token (a refresh, so a revoked sign-in shows now rather than at the next sync)
   * and reads the mailbox once. A refused refresh turns the connection into needs_sign_in.
   */
  async check(caller: Caller, id: string): Promise<IndividualCheckResult> {
    const connection = await this.require(caller, id, 'own');
    let isOk = false;
    if (connection.status === 'connected') {
      try {
        await this.delegatedTokens.accessTokenFor(connection.id, { forceRefresh: true });
        isOk = true;
      } catch (error) {
        if (!(error instanceof ConsentError)) throw error;
        if (error.code === ConsentErrorCode.MICROSOFT_UNAVAILABLE) throw error;
      }
    }
    const fresh = await this.require(caller, id, 'own');
    return { ok: isOk, connection: await this.contractOf(fresh) };
  }

  /** Admin only: use a Microsoft account that differs from the member's Rox email. */
  async allowAccount(caller: Caller, id: string): Promise<IndividualConnectionContract> {
    const connection = await this.require(caller, id, 'admin');
    if (connection.status !== 'account_mismatch') {
      throw new ConsentError(
        ConsentErrorCode.INDIVIDUAL_ACCOUNT_NOT_HELD,
        'conflict',
        'This connection is not waiting for an account decision.',
        { context: { status: connection.status } },
      );
    }
    connection.allowAccount(caller.roxUserId, this.clock.now());
    await this.tx.run(async () => {
      await this.connections.save(connection);
      await this.audit.record({
        orgId: caller.orgId,
        action: 'individual-connections.account-allowed',
        target: { type: 'individual_connection', id: connection.id },
        details: {
          roxUserId: connection.roxUserId,
          kind: connection.kind,
          microsoftAccount: connection.microsoftUsername,
          expectedEmail: connection.expectedEmail,
        },
      });
    });
    await this.scopeChanged(connection);
    return this.contractOf(connection);
  }

  /**
   * The member disconnects their own connection, or an admin revokes anyone's: the tokens, the
   * sign-in states and everything synced through the connection (each feature's purge) go, in
   * one transaction, and the receipt counts them.
   */
  async disconnect(caller: Caller, id: string): Promise<IndividualDisconnectReceipt> {
    const connection = await this.require(caller, id, 'own-or-admin');
    const isRevoke = connection.roxUserId !== caller.roxUserId;
    const now = this.clock.now();
    // While the token still works (the purge deletes it): e.g. its change subscriptions go.
    await this.lifecycle.beforeConnectionPurge(caller.orgId, connection.id);
    const removed = await this.tx.run(async () => {
      const counts = await this.lifecycle.purgeConnection(caller.orgId, connection.id);
      counts.individual_connection = await this.connections.delete(connection);
      await this.audit.record({
        orgId: caller.orgId,
        action: isRevoke ? 'individual-connections.revoked' : 'individual-connections.disconnected',
        target: { type: 'individual_connection', id: connection.id },
        details: {
          roxUserId: connection.roxUserId,
          kind: connection.kind,
          status: connection.status,
          microsoftAccount: connection.microsoftUsername,
          removed: counts,
        },
      });
      return counts;
    });
    this.delegatedTokens.forget(connection.id);
    await this.scopeChanged(connection);
    return {
      connectionId: connection.id,
      roxUserId: connection.roxUserId,
      kind: connection.kind,
      disconnectedAt: now.toISOString(),
      removed,
      totalRemoved: Object.values(removed).reduce((sum, n) => sum + n, 0),
      microsoftSteps: microsoftRemovalSteps(this.approval.appDisplayName),
    };
  }

  /**
   * Before an org-wide connect supersedes them: what members' own tokens made at Microsoft
   * (change subscriptions) goes while those tokens still work. Best effort and bounded, since
   * the admin's browser waits on the consent redirect; whatever is left expires by itself.
   */
  async releaseAll(orgId: string): Promise<void> {
    const deadline = Date.now() + RELEASE_BEFORE_SUPERSEDE_MS;
    for (const connection of await this.connections.listActive(orgId)) {
      if (Date.now() > deadline) return;
      await this.lifecycle.beforeConnectionPurge(orgId, connection.id);
    }
  }

  /**
   * Marks every live individual connection of the org superseded by the org-wide one and deletes
   * their sealed refresh tokens and sign-in states.
   */
  async supersedeAll(orgId: string, adminRoxUserId: string, tenantId: string): Promise<number> {
    const active = await this.connections.listActive(orgId);
    if (active.length === 0) return 0;
    const now = this.clock.now();
    const reason = `Replaced by the org-wide Microsoft 365 connection (tenant ${tenantId}) on ${now.toISOString()}.`;
    for (const connection of active) connection.supersede(reason, now);
    const ids = active.map((c) => c.id);
    // Joins the caller's transaction when there is one (a savepoint), so the org-wide connect
    // and the superseding commit together.
    await this.tx.run(async () => {
      await this.connections.saveAll(active);
      const tokensDeleted = await this.tokens.deleteForConnections(ids);
      const statesDeleted = await this.states.deleteForConnections(ids);
      await this.audit.record({
        orgId,
        action: 'individual-connections.superseded',
        target: { type: 'org', id: orgId },
        details: { count: active.length, ids, tenantId, tokensDeleted, statesDeleted },
        actor: { id: adminRoxUserId, role: 'admin' },
      });
    });
    for (const id of ids) this.delegatedTokens.forget(id);
    return active.length;
  }

  private async scopeChanged(connection: IndividualConnection): Promise<void> {
    await this.lifecycle.scopeChanged(connection.orgId, {
      cause: 'individual_connection',
      roxUserId: connection.roxUserId,
    });
  }

  private async contractOf(
    connection: IndividualConnection,
  ): Promise<IndividualConnectionContract> {
    const orgTenantId = (await this.settings.find(connection.orgId))?.tenantId ?? null;
    return this.toContract(connection, orgTenantId);
  }

  private toContract(connection: IndividualConnection, orgTenantId: string | null) {
    return toIndividualConnectionContract(connection, this.approval.for(connection, orgTenantId));
  }

  // The caller's connection (`own`), any in the org for an admin (`own-or-admin`), or admins
  // only (`admin`). Another member's connection is reported as not found.
  private async require(
    caller: Caller,
    id: string,
    who: 'own' | 'own-or-admin' | 'admin',
  ): Promise<IndividualConnection> {
    if (who === 'admin' && caller.role !== 'admin') {
      throw new ConsentError(
        ConsentErrorCode.INDIVIDUAL_CONNECTIONS_ADMIN_ONLY,
        'forbidden',
        "Only admins may allow a Microsoft account that differs from the member's Rox email.",
      );
    }
    const connection = await this.connections.findById(id, caller.orgId);
    const isVisible =
      connection !== null &&
      (connection.roxUserId === caller.roxUserId || (caller.role === 'admin' && who !== 'own'));
    if (!connection || !isVisible) {
      throw new ConsentError(
        ConsentErrorCode.INDIVIDUAL_CONNECTION_NOT_FOUND,
        'not_found',
        'No such individual connection.',
        { context: { id } },
      );
    }
    return connection;
  }
}

const CONNECTION_LIST = 'individual-connections';
