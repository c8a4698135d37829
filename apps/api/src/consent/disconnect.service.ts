import { Injectable, Logger } from '@nestjs/common';

import { type PurgeReceipt } from '@rox365/contracts';

import { AppConfig } from '../config/app-config';
import { AuditLog } from '../platform/audit/audit-log.service';
import { Transactions } from '../platform/database/transactions.service';
import { OrgwideGraph } from '../platform/graph/graph.module';
import { LifecycleRegistry } from '../platform/lifecycle/lifecycle-registry.service';
import { Clock } from '../platform/time/clock';
import { AuthStateRepository } from './auth-state/auth-state.repository';
import { ENTERPRISE_APP_REMOVAL_STEPS } from './consent.constants';
import { ConsentError, ConsentErrorCode } from './consent.errors';
import { OrgwideConnectionRepository } from './orgwide-connection.repository';
import { OrgwideSettingsRepository } from './orgwide-settings.repository';

/**
 * Disconnect: stop the org's jobs, forget the tenant's token, delete the connection and every
 * synced row. The admin's settings and overrides stay, so reconnecting needs no retyping.
 */
@Injectable()
export class DisconnectService {
  private readonly logger = new Logger('consent');

  constructor(
    private readonly config: AppConfig,
    private readonly graph: OrgwideGraph,
    private readonly settings: OrgwideSettingsRepository,
    private readonly connections: OrgwideConnectionRepository,
    private readonly states: AuthStateRepository,
    private readonly lifecycle: LifecycleRegistry,
    private readonly audit: AuditLog,
    private readonly tx: Transactions,
    private readonly clock: Clock,
  ) {}

  async disconnect(orgId: string): Promise<PurgeReceipt> {
    const connection = await this.connections.find(orgId);
    if (!connection) {
      throw new ConsentError(
        ConsentErrorCode.ORGWIDE_NOT_CONNECTED,
        'conflict',
        'The org is not connected to Microsoft 365.',
      );
    }
    // Jobs first, so nothing writes synced data back while it is being purged.
    const jobsStopped = await this.lifecycle.stopJobs(orgId);
    this.graph.appTokens.forget(connection.tenantId);

    // The purge, the connection's removal and the audit entry commit together: a failure
    // leaves the org connected with its data, and disconnecting again is safe. A job still
    // finishing its round can deadlock with the purge; the purge then runs again.
    const receipt = await this.tx.runRetrying(async () => {
      const removed = await this.lifecycle.purgeOrg(orgId);
      removed.auth_state = await this.states.deleteForOrg(orgId);
      removed.orgwide_connection = await this.connections.delete(orgId);

      const now = this.clock.now();
      const settings = await this.settings.find(orgId);
      if (settings) {
        settings.disconnectedAt = now;
        settings.lastOutcome = null;
        settings.lastOutcomeAt = null;
        await this.settings.save(settings);
      }
      const done: PurgeReceipt = {
        disconnectedAt: now.toISOString(),
        tenantId: connection.tenantId,
        removed,
        totalRemoved: Object.values(removed).reduce((sum, n) => sum + n, 0),
        entraSteps: ENTERPRISE_APP_REMOVAL_STEPS(this.config.microsoft.orgwide.displayName),
      };
      await this.audit.record({
        orgId,
        action: 'orgwide.disconnected',
        target: { type: 'orgwide_connection', id: orgId },
        details: { ...done, jobsStopped },
      });
      return done;
    });
    this.logger.log({ orgId, totalRemoved: receipt.totalRemoved }, 'org-wide connection removed');
    // Members' scope now reads "not connected" (and holds nothing from the tenant).
    await this.lifecycle.scopeChanged(orgId, { cause: 'connection' });
    return receipt;
  }
}
