import { Injectable } from '@nestjs/common';

import { type OrgwideStatus } from '@rox365/contracts';

import { AppConfig } from '../config/app-config';
import { Clock } from '../platform/time/clock';
import { ConnectionReader } from './connection-reader.service';
import { degradedReasons, evaluate, workingCapabilities } from './consent-policy';
import { ConsentStateRepository } from './consent-state.repository';
import { DirectoryHooks, EMPTY_DIRECTORY_SUMMARY } from './directory-hooks';
import { OrgwideConnectionRepository } from './orgwide-connection.repository';
import { OrgwideSettingsRepository } from './orgwide-settings.repository';

/**
 * not_configured → ready_to_connect → consent_pending → connected | degraded, and
 * disconnected after a disconnect until the next consent.
 */
@Injectable()
export class OrgwideStatusService {
  constructor(
    private readonly config: AppConfig,
    private readonly settingsRepo: OrgwideSettingsRepository,
    private readonly connections: OrgwideConnectionRepository,
    private readonly states: ConsentStateRepository,
    private readonly reader: ConnectionReader,
    private readonly directory: DirectoryHooks,
    private readonly clock: Clock,
  ) {}

  async status(orgId: string): Promise<OrgwideStatus> {
    const settings = await this.settingsRepo.find(orgId);
    const base = {
      tenantId: settings?.tenantId ?? null,
      connectedAt: null,
      connectedBy: null,
      lastOutcome: settings?.lastOutcome ?? null,
      permissionsCheckedAt: null,
      degradedReasons: [],
      capabilities: [],
      directory: { ...EMPTY_DIRECTORY_SUMMARY },
    };
    if (!settings) return { ...base, state: 'not_configured' };
    const connection = await this.connections.find(orgId);
    if (!connection) {
      const pending = await this.states.findPending(orgId, this.clock.now());
      const state = pending
        ? 'consent_pending'
        : settings.disconnectedAt
          ? 'disconnected'
          : 'ready_to_connect';
      return { ...base, state };
    }
    const access = await this.reader.settings(orgId);
    const evaluation = evaluate(
      connection.grantedPermissions,
      access ?? { calendarAccess: 'off', emailAccess: 'off', overrides: [] },
      this.config.microsoft.appDisplayName,
    );
    const reasons = degradedReasons(evaluation, connection.checkError);
    return {
      ...base,
      state: reasons.length > 0 ? 'degraded' : 'connected',
      tenantId: connection.tenantId,
      connectedAt: connection.connectedAt.toISOString(),
      connectedBy: connection.connectedBy,
      permissionsCheckedAt: connection.permissionsCheckedAt.toISOString(),
      degradedReasons: reasons,
      capabilities: workingCapabilities(evaluation, connection.checkError),
      directory: await this.directory.summary(orgId),
    };
  }
}
