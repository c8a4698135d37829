import { Injectable } from '@nestjs/common';

import { type OrgwideStatus } from '@rox365/contracts';

import { AppConfig } from '../config/app-config';
import { CoalescedLoads } from '../platform/concurrency/coalesced-loads';
import { LifecycleRegistry } from '../platform/lifecycle/lifecycle-registry.service';
import { Clock } from '../platform/time/clock';
import { AuthStateRepository } from './auth-state/auth-state.repository';
import { ConnectionReader } from './connection-reader.service';
import { degradedReasons, evaluate, statusFeatures, workingCapabilities } from './consent-policy';
import { EMPTY_DIRECTORY_SUMMARY, EMPTY_MAIL_SUMMARY } from './consent.constants';
import { MemberLookup } from './member-lookup';
import { OrgwideConnectionRepository } from './orgwide-connection.repository';
import { OrgwideSettingsRepository } from './orgwide-settings.repository';

/**
 * not_configured → ready_to_connect → consent_pending → connected | degraded, and
 * disconnected after a disconnect until the next consent.
 */
@Injectable()
export class OrgwideStatusService {
  // The status aggregates every mailbox of the org (its mail section) and every open console
  // polls it: callers that ask while it is being read share the next read (docs/directory.md).
  private readonly loads = new CoalescedLoads<OrgwideStatus>();

  constructor(
    private readonly config: AppConfig,
    private readonly settingsRepo: OrgwideSettingsRepository,
    private readonly connections: OrgwideConnectionRepository,
    private readonly states: AuthStateRepository,
    private readonly reader: ConnectionReader,
    private readonly lifecycle: LifecycleRegistry,
    private readonly clock: Clock,
    private readonly members: MemberLookup,
  ) {}

  status(orgId: string): Promise<OrgwideStatus> {
    return this.loads.load(orgId, () => this.read(orgId));
  }

  private async read(orgId: string): Promise<OrgwideStatus> {
    const settings = await this.settingsRepo.find(orgId);
    const base = {
      tenantId: settings?.tenantId ?? null,
      connectedAt: null,
      connectedBy: null,
      connectedByPerson: null,
      appDisplayName: this.config.microsoft.orgwide.displayName,
      lastOutcome: settings?.lastOutcome ?? null,
      permissionsCheckedAt: null,
      degradedReasons: [],
      capabilities: [],
      features: [],
      directory: { ...EMPTY_DIRECTORY_SUMMARY },
      mail: { ...EMPTY_MAIL_SUMMARY },
    };
    if (!settings) return { ...base, state: 'not_configured' };
    const connection = await this.connections.find(orgId);
    if (!connection) {
      const pending = await this.states.findPending(orgId, 'orgwide', this.clock.now());
      const state = pending
        ? 'consent_pending'
        : settings.disconnectedAt
          ? 'disconnected'
          : 'ready_to_connect';
      return { ...base, state };
    }
    const access = (await this.reader.settings(orgId)) ?? {
      calendarAccess: 'off',
      emailAccess: 'off',
      overrides: [],
    };
    const evaluation = evaluate(
      connection.grantedPermissions,
      access,
      this.config.microsoft.orgwide.displayName,
    );
    const reasons = degradedReasons(evaluation, connection.checkError);
    return {
      ...base,
      state: reasons.length > 0 ? 'degraded' : 'connected',
      tenantId: connection.tenantId,
      connectedAt: connection.connectedAt.toISOString(),
      connectedBy: connection.connectedBy,
      connectedByPerson: connection.connectedBy
        ? await this.members.person(orgId, connection.connectedBy)
        : null,
      permissionsCheckedAt: connection.permissionsCheckedAt.toISOString(),
      degradedReasons: reasons,
      capabilities: workingCapabilities(evaluation, connection.checkError),
      features: statusFeatures(evaluation, access, connection.checkError),
      directory: (await this.lifecycle.statusSection('directory', orgId)) ?? {
        ...EMPTY_DIRECTORY_SUMMARY,
      },
      mail: (await this.lifecycle.statusSection('mail', orgId)) ?? { ...EMPTY_MAIL_SUMMARY },
    };
  }
}
