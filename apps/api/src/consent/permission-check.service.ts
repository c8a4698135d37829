import { Injectable, Logger } from '@nestjs/common';

import { type PermissionReport } from '@rox365/contracts';
import { delegatedGrantsOf, GraphRequestError, IdentityError } from '@rox365/graph-client';
import { excessDelegatedGrants } from '@rox365/scope-policy';

import { AppConfig } from '../config/app-config';
import { AuditLog } from '../platform/audit/audit-log.service';
import { Transactions } from '../platform/database/transactions.service';
import { LifecycleRegistry } from '../platform/lifecycle/lifecycle-registry.service';
import { Clock } from '../platform/time/clock';
import { ConnectionReader } from './connection-reader.service';
import { disabledFeatures, evaluate, toPermissionReport } from './consent-policy';
import { ConsentError, ConsentErrorCode } from './consent.errors';
import {
  type OrgwideConnection,
  type StoredDelegatedGrant,
} from './entities/orgwide-connection.entity';
import { MailboxAccess } from './mailbox-access.service';
import { OrgwideConnectionRepository } from './orgwide-connection.repository';
import { type RecheckPermissionsJob } from './permission-recheck.service';

const NO_SETTINGS = { calendarAccess: 'off', emailAccess: 'off', overrides: [] } as const;

/** The grant report and the re-check that keeps the stored grant true to Entra. */
@Injectable()
export class PermissionCheckService {
  private readonly logger = new Logger('consent');

  constructor(
    private readonly config: AppConfig,
    private readonly access: MailboxAccess,
    private readonly connections: OrgwideConnectionRepository,
    private readonly reader: ConnectionReader,
    private readonly audit: AuditLog,
    private readonly tx: Transactions,
    private readonly lifecycle: LifecycleRegistry,
    private readonly clock: Clock,
  ) {}

  /** Requested, granted, needed, excess (with revoke steps) and missing (with what it disables). */
  async report(orgId: string): Promise<PermissionReport> {
    const [connection, settings] = await Promise.all([
      this.connections.find(orgId),
      this.reader.settings(orgId),
    ]);
    const evaluation = evaluate(
      connection?.grantedPermissions ?? [],
      settings ?? NO_SETTINGS,
      this.config.microsoft.orgwide.displayName,
    );
    const grants = connection?.delegatedGrants ?? null;
    return {
      ...toPermissionReport(evaluation, connection?.permissionsCheckedAt ?? null),
      excessDelegated: excessDelegatedGrants(grants ?? [], evaluation.appDisplayName),
      delegatedGrantsChecked: grants !== null,
    };
  }

  /**
   * Reads the delegated grants the org-wide app holds in the tenant (it should hold none) and
   * keeps them on the connection; null when Entra could not tell (no directory permission, an
   * outage), so the report says it does not know rather than "none".
   */
  async refreshDelegatedGrants(connection: OrgwideConnection): Promise<void> {
    try {
      const grants = await delegatedGrantsOf(
        this.access.forConnectedTenant(connection.tenantId).client,
        this.config.microsoft.orgwide.clientId,
      );
      connection.delegatedGrants = grants.map((g): StoredDelegatedGrant => ({
        scopes: [...g.scopes],
        consentType: g.consentType,
      }));
    } catch (error) {
      if (!(error instanceof GraphRequestError) && !(error instanceof IdentityError)) throw error;
      this.logger.warn(
        { tenantId: connection.tenantId, err: error },
        'delegated grants of the org-wide app could not be read',
      );
      connection.delegatedGrants = null;
    }
  }

  /**
   * Job body: takes a fresh token, compares its roles with the stored grant, stores and audits
   * the difference. A revoked consent is recorded (status degraded), not retried; only
   * transient failures go back to the queue, which retries a bounded number of times.
   */
  async recheck(job: RecheckPermissionsJob): Promise<{ added: string[]; removed: string[] }> {
    const connection = await this.connections.find(job.orgId);
    if (!connection) return { added: [], removed: [] };
    const now = this.clock.now();
    let roles: string[];
    try {
      const tenant = this.access.forConnectedTenant(connection.tenantId);
      tenant.forgetToken();
      roles = [...(await tenant.token({ forceRefresh: true })).roles];
    } catch (error) {
      if (!(error instanceof IdentityError)) throw error;
      if (error.isTransient) {
        throw new ConsentError(
          ConsentErrorCode.MICROSOFT_UNAVAILABLE,
          'unavailable',
          'Microsoft Entra could not be reached for the permission check.',
          { cause: error },
        );
      }
      const code =
        error.kind === 'app_not_consented' || error.kind === 'tenant_not_found'
          ? 'consent_revoked'
          : error.kind;
      const previous = connection.checkError;
      connection.recordCheckError(code, now);
      await this.tx.run(async () => {
        await this.connections.save(connection);
        if (previous !== code) {
          await this.audit.record({
            orgId: job.orgId,
            action: 'orgwide.permissions-changed',
            target: { type: 'orgwide_connection', id: job.orgId },
            details: {
              tenantId: connection.tenantId,
              added: [],
              removed: [...connection.grantedPermissions],
              checkError: code,
            },
          });
        }
      });
      this.logger.warn({ orgId: job.orgId, code }, 'permission check could not get a token');
      if (previous !== code) await this.lifecycle.scopeChanged(job.orgId, { cause: 'grant' });
      return { added: [], removed: [] };
    }
    const wasFailing = connection.checkError !== null;
    const { added, removed } = connection.recordGrant(roles, now);
    await this.refreshDelegatedGrants(connection);
    await this.tx.run(async () => {
      await this.connections.save(connection);
      if (added.length === 0 && removed.length === 0 && !wasFailing) return;
      const settings = await this.reader.settings(job.orgId);
      const evaluation = evaluate(
        connection.grantedPermissions,
        settings ?? NO_SETTINGS,
        this.config.microsoft.orgwide.displayName,
      );
      await this.audit.record({
        orgId: job.orgId,
        action: 'orgwide.permissions-changed',
        target: { type: 'orgwide_connection', id: job.orgId },
        details: {
          tenantId: connection.tenantId,
          added,
          removed,
          granted: [...connection.grantedPermissions],
          disabledFeatures: disabledFeatures(evaluation),
        },
      });
    });
    if (added.length > 0 || removed.length > 0 || wasFailing) {
      await this.lifecycle.scopeChanged(job.orgId, { cause: 'grant' });
    }
    return { added, removed };
  }
}
