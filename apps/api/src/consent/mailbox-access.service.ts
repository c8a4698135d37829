import { Injectable, Logger } from '@nestjs/common';

import { type AppToken, type BoundGraphClient } from '@rox365/graph-client';
import { type Capability } from '@rox365/scope-policy';

import { OrgwideGraph } from '../platform/graph/graph.module';
import { ConnectionReader } from './connection-reader.service';
import { ConsentError, ConsentErrorCode } from './consent.errors';
import { type IndividualKind } from './entities/individual-connection.entity';
import { IndividualConnectionRepository } from './individual-connection.repository';
import { DelegatedTokenProvider } from './individual/delegated-token.provider';
import { individualCapabilities } from './individual/individual-grant';

/** The org's tenant through the org-wide app: directory sync, probes, grant checks. */
export interface TenantAccess {
  readonly tenantId: string;
  readonly client: BoundGraphClient;
  /** What the stored grant lets Rox do. */
  readonly capabilities: readonly Capability[];
  readonly grantedPermissions: readonly string[];
  /** The app-only token (roles and all); `forceRefresh` asks Entra again. */
  token(options?: { forceRefresh?: boolean }): Promise<AppToken>;
  /** Forgets the tenant's cached app token in this process. */
  forgetToken(): void;
}

/** One member's mailbox, reached the way Rox may reach it. */
export interface MailboxAccessGrant {
  readonly route: 'orgwide' | 'individual';
  readonly client: BoundGraphClient;
  /** Graph path of the mailbox owner: `/users/{id}` (org-wide) or `/me` (delegated). */
  readonly ownerPath: string;
  readonly capabilities: readonly Capability[];
}

/**
 * How Rox may reach a mailbox, in one place: the org-wide app's client-credentials client for
 * the org's tenant, or a member's own delegated connection. The only caller of
 * `forTenant` / `forDelegatedToken` outside the sign-in flows themselves; features ask here and
 * get a client with what it may do, or a coded refusal.
 */
@Injectable()
export class MailboxAccess {
  private readonly logger = new Logger('mailbox-access');

  constructor(
    private readonly graph: OrgwideGraph,
    private readonly connections: ConnectionReader,
    private readonly individual: IndividualConnectionRepository,
    private readonly delegated: DelegatedTokenProvider,
  ) {}

  /** The org's tenant through the org-wide connection; refused when there is none. */
  async forOrg(orgId: string): Promise<TenantAccess> {
    const connection = await this.connections.connection(orgId);
    if (!connection) {
      throw new ConsentError(
        ConsentErrorCode.ORGWIDE_NOT_CONNECTED,
        'precondition_failed',
        'Microsoft 365 is not connected org-wide for this org.',
      );
    }
    return this.tenant(connection.tenantId, connection.capabilities, connection.grantedPermissions);
  }

  /** A tenant the caller already knows to be connected (e.g. a connection being checked). */
  forConnectedTenant(tenantId: string): TenantAccess {
    return this.tenant(tenantId, [], []);
  }

  /**
   * A member's mailbox for one kind: through the org-wide app when the org is connected (the
   * caller passes the member's directory user id), otherwise through the member's own connected
   * connection of that kind. Refused when neither exists.
   */
  async forMailbox(
    orgId: string,
    mailbox: { roxUserId: string; directoryUserId: string | null; kind: IndividualKind },
  ): Promise<MailboxAccessGrant> {
    const connection = await this.connections.connection(orgId);
    if (connection) {
      if (!mailbox.directoryUserId) {
        throw new ConsentError(
          ConsentErrorCode.MAILBOX_NOT_MAPPED,
          'precondition_failed',
          "The member's Rox email matches no Microsoft 365 account.",
        );
      }
      return {
        route: 'orgwide',
        client: this.graph.forTenant(connection.tenantId),
        ownerPath: `/users/${encodeURIComponent(mailbox.directoryUserId)}`,
        capabilities: connection.capabilities,
      };
    }
    const own = await this.ownConnection(orgId, mailbox.roxUserId, mailbox.kind);
    if (!own) {
      throw new ConsentError(
        ConsentErrorCode.MAILBOX_NOT_REACHABLE,
        'precondition_failed',
        `Neither an org-wide connection nor the member's own Outlook ${mailbox.kind} connection reaches this mailbox.`,
      );
    }
    return {
      route: 'individual',
      client: await this.delegated.clientFor(own.id),
      ownerPath: '/me',
      // What the member consented to, as far as this kind goes.
      capabilities: individualCapabilities(mailbox.kind, own.scopes),
    };
  }

  /**
   * Where a member's channel of one kind is watched from (change notifications): the org-wide
   * app in the org's tenant when the org is connected, otherwise the member's own connected
   * connection of that kind, in its tenant. Null when neither reaches it.
   */
  async forChannel(
    orgId: string,
    roxUserId: string,
    kind: IndividualKind,
  ): Promise<{
    route: 'orgwide' | 'individual';
    tenantId: string;
    client: BoundGraphClient;
    /** The Microsoft account the member's own connection signed in with (null: org-wide). */
    account: string | null;
  } | null> {
    const connection = await this.connections.connection(orgId);
    if (connection) {
      return {
        route: 'orgwide',
        tenantId: connection.tenantId,
        client: this.graph.forTenant(connection.tenantId),
        account: null,
      };
    }
    const own = await this.ownConnection(orgId, roxUserId, kind);
    if (!own) return null;
    return {
      route: 'individual',
      tenantId: own.tenantId ?? '',
      client: await this.delegated.clientFor(own.id),
      account: own.microsoftUserId ?? '',
    };
  }

  /** A member's own connection by id, reached with its token (only while it is connected). */
  async forConnection(
    orgId: string,
    connectionId: string,
  ): Promise<{ roxUserId: string; kind: IndividualKind; client: BoundGraphClient } | null> {
    const own = await this.individual.findById(connectionId, orgId);
    if (!own) return null;
    return {
      roxUserId: own.roxUserId,
      kind: own.kind,
      client: await this.delegated.clientFor(own.id),
    };
  }

  /**
   * Every member's own connected connection in the org, each reached with its token: what those
   * tokens made at Graph is listed through them only (another app's token never sees it). One
   * that stopped being connected meanwhile is left out.
   */
  async ownConnections(orgId: string): Promise<
    {
      connectionId: string;
      roxUserId: string;
      tenantId: string;
      client: BoundGraphClient;
    }[]
  > {
    const connected = (await this.individual.listActive(orgId)).filter(
      (c) => c.provider === 'microsoft' && c.status === 'connected',
    );
    const reached = [];
    for (const c of connected) {
      try {
        const client = await this.delegated.clientFor(c.id);
        reached.push({
          connectionId: c.id,
          roxUserId: c.roxUserId,
          tenantId: c.tenantId ?? '',
          client,
        });
      } catch (error) {
        this.logger.warn({ orgId, connectionId: c.id, err: error }, 'own connection not reached');
      }
    }
    return reached;
  }

  // The member's connected Outlook connection of that kind, if any.
  private async ownConnection(orgId: string, roxUserId: string, kind: IndividualKind) {
    return (await this.individual.list(orgId, roxUserId)).find(
      (c) => c.provider === 'microsoft' && c.kind === kind && c.status === 'connected',
    );
  }

  private tenant(
    tenantId: string,
    capabilities: readonly Capability[],
    grantedPermissions: readonly string[],
  ): TenantAccess {
    return {
      tenantId,
      client: this.graph.forTenant(tenantId),
      capabilities,
      grantedPermissions,
      token: (options) => this.graph.appTokens.getToken(tenantId, options),
      forgetToken: () => this.graph.appTokens.forget(tenantId),
    };
  }
}
