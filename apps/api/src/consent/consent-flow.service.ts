import { createHash, randomBytes, randomUUID } from 'node:crypto';

import { Injectable, Logger } from '@nestjs/common';

import {
  type ConnectResponse,
  type ConsentCallbackQuery,
  type ConsentOutcome,
} from '@rox365/contracts';
import { IdentityError } from '@rox365/graph-client';
import { requestedApplicationPermissions } from '@rox365/scope-policy';

import { AppConfig } from '../config/app-config';
import { AuditLog } from '../platform/audit/audit-log.service';
import { OrgwideGraph } from '../platform/graph/graph.module';
import { Clock } from '../platform/time/clock';
import { evaluate } from './consent-policy';
import { ConsentStateRepository } from './consent-state.repository';
import {
  CONSENT_PROPAGATION_FIRST_DELAY_MS,
  CONSENT_PROPAGATION_MAX_DELAY_MS,
  CONSENT_STATE_BYTES,
} from './consent.constants';
import { ConsentError, ConsentErrorCode } from './consent.errors';
import { DirectoryHooks } from './directory-hooks';
import { ConsentState } from './entities/consent-state.entity';
import { OrgwideConnection } from './entities/orgwide-connection.entity';
import { IndividualConnectionsService } from './individual-connections.service';
import { OrgwideConnectionRepository } from './orgwide-connection.repository';
import { OrgwideSettingsRepository } from './orgwide-settings.repository';

export const CONSENT_CALLBACK_PATH = '/api/v1/orgwide/consent/callback';

/** Where the browser goes after the callback: the SPA's result page with only an outcome code. */
export interface CallbackResult {
  outcome: ConsentOutcome;
  redirectTo: string;
}

type GrantAttempt =
  | { ok: true; roles: string[] }
  | { ok: false; outcome: 'consent_not_propagated' | 'microsoft_error'; error: string };

/** Admin consent: builds Microsoft's consent link and handles Microsoft's redirect back. */
@Injectable()
export class ConsentFlowService {
  private readonly logger = new Logger('consent');

  constructor(
    private readonly config: AppConfig,
    private readonly graph: OrgwideGraph,
    private readonly settings: OrgwideSettingsRepository,
    private readonly connections: OrgwideConnectionRepository,
    private readonly states: ConsentStateRepository,
    private readonly individual: IndividualConnectionsService,
    private readonly directory: DirectoryHooks,
    private readonly audit: AuditLog,
    private readonly clock: Clock,
  ) {}

  redirectUri(): string {
    return `${this.config.http.publicApiUrl}${CONSENT_CALLBACK_PATH}`;
  }

  /** Starts an admin consent for the org's saved tenant. */
  async connect(orgId: string, adminRoxUserId: string): Promise<ConnectResponse> {
    const settings = await this.settings.find(orgId);
    if (!settings) {
      throw new ConsentError(
        ConsentErrorCode.ORGWIDE_SETTINGS_MISSING,
        'conflict',
        'Save the org-wide settings with your Microsoft tenant before connecting.',
      );
    }
    if (await this.connections.find(orgId)) {
      throw new ConsentError(
        ConsentErrorCode.ORGWIDE_ALREADY_CONNECTED,
        'conflict',
        'The org is already connected to Microsoft 365. Disconnect first to connect again.',
      );
    }
    const state = randomBytes(CONSENT_STATE_BYTES).toString('base64url');
    const now = this.clock.now();
    const attempt = new ConsentState({
      id: randomUUID(),
      stateHash: hashState(state),
      orgId,
      adminRoxUserId,
      tenantId: settings.tenantId,
      now,
      ttlSeconds: this.config.orgwide.consentStateTtlSeconds,
    });
    await this.states.add(attempt);
    const consentUrl = this.graph.delegated.adminConsentUrl({
      tenant: settings.tenantId,
      redirectUri: this.redirectUri(),
      state,
    });
    await this.audit.record({
      orgId,
      action: 'orgwide.connect-started',
      target: { type: 'orgwide_connection', id: orgId },
      details: { tenantId: settings.tenantId, expiresAt: attempt.expiresAt.toISOString() },
    });
    return {
      consentUrl,
      expiresAt: attempt.expiresAt.toISOString(),
      requestedPermissions: requestedApplicationPermissions(),
    };
  }

  /**
   * Microsoft's redirect after the consent page. Never trusts the query: the state must be one
   * we issued (unused, unexpired), the tenant must be the one we asked for, and success is only
   * believed once the token endpoint issues a token for that tenant.
   */
  async callback(query: ConsentCallbackQuery): Promise<CallbackResult> {
    const now = this.clock.now();
    const attempt = query.state ? await this.states.findByHash(hashState(query.state)) : null;
    if (!attempt) return this.finish(null, 'state_invalid');
    if (attempt.usedAt) return this.finish(attempt, 'state_reused');
    if (attempt.isExpired(now)) return this.finish(attempt, 'state_expired');
    if (!(await this.states.markUsed(attempt.id, now))) return this.finish(attempt, 'state_reused');

    const refusal = refusalOutcome(query);
    if (refusal) {
      return this.finish(attempt, refusal, { error: query.error ?? null, aadsts: aadstsOf(query) });
    }
    if (query.admin_consent?.toLowerCase() !== 'true') {
      return this.finish(attempt, 'microsoft_error', { error: 'admin_consent_missing' });
    }
    if ((query.tenant ?? '').toLowerCase() !== attempt.tenantId) {
      // Logged for the admin's audit trail; the value itself decides nothing.
      return this.finish(attempt, 'tenant_mismatch', {
        requestedTenantId: attempt.tenantId,
        returnedTenant: (query.tenant ?? '').slice(0, 64),
      });
    }
    if (await this.connections.find(attempt.orgId)) {
      return this.finish(attempt, 'microsoft_error', { error: 'already_connected' });
    }

    const grant = await this.acquireGrant(attempt.tenantId);
    if (!grant.ok) return this.finish(attempt, grant.outcome, { error: grant.error });

    const settings = await this.settings.find(attempt.orgId);
    const connection = new OrgwideConnection({
      orgId: attempt.orgId,
      tenantId: attempt.tenantId,
      grantedPermissions: grant.roles,
      connectedBy: attempt.adminRoxUserId,
      now: this.clock.now(),
    });
    await this.connections.save(connection);
    const evaluation = evaluate(
      connection.grantedPermissions,
      {
        calendarAccess: settings?.calendarAccess ?? 'off',
        emailAccess: settings?.emailAccess ?? 'off',
        overrides: await this.settings.overrides(attempt.orgId),
      },
      this.config.microsoft.orgwide.displayName,
    );
    const outcome: ConsentOutcome =
      evaluation.isSufficient && connection.grantedPermissions.length > 0
        ? 'connected'
        : 'connected_with_missing_permissions';
    await this.individual.supersedeAll(attempt.orgId, attempt.adminRoxUserId, attempt.tenantId);
    try {
      await this.directory.onConnected(attempt.orgId);
    } catch (error) {
      // The connection stands; the directory's own cron picks the org up later.
      this.logger.warn({ orgId: attempt.orgId, err: error }, 'first directory sync not queued');
    }
    return this.finish(attempt, outcome, {
      grantedPermissions: connection.grantedPermissions,
      missingPermissions: evaluation.missing.map((m) => m.permission),
    });
  }

  // Asks for a client-credentials token until the fresh consent has reached the token
  // endpoint (AADSTS700016 meanwhile), with backoff and a bounded total wait.
  private async acquireGrant(tenantId: string): Promise<GrantAttempt> {
    const deadline = Date.now() + this.config.orgwide.consentPropagationWaitMs;
    let delay = CONSENT_PROPAGATION_FIRST_DELAY_MS;
    for (;;) {
      try {
        this.graph.appTokens.forget(tenantId);
        return { ok: true, roles: await this.graph.appTokens.grantedRoles(tenantId) };
      } catch (error) {
        if (!(error instanceof IdentityError)) {
          this.logger.warn({ tenantId, err: error }, 'token request failed after consent');
          return { ok: false, outcome: 'microsoft_error', error: 'unexpected' };
        }
        const waitable = error.kind === 'app_not_consented' || error.isTransient;
        if (!waitable) return { ok: false, outcome: 'microsoft_error', error: error.kind };
        if (Date.now() + delay > deadline) {
          return {
            ok: false,
            outcome:
              error.kind === 'app_not_consented' ? 'consent_not_propagated' : 'microsoft_error',
            error: error.kind,
          };
        }
        await sleep(delay);
        delay = Math.min(delay * 2, CONSENT_PROPAGATION_MAX_DELAY_MS);
      }
    }
  }

  private async finish(
    attempt: ConsentState | null,
    outcome: ConsentOutcome,
    details: Record<string, unknown> = {},
  ): Promise<CallbackResult> {
    if (attempt) {
      const settings = await this.settings.find(attempt.orgId);
      if (settings) {
        settings.recordOutcome(outcome, this.clock.now());
        if (outcome === 'connected' || outcome === 'connected_with_missing_permissions') {
          settings.disconnectedAt = null;
        }
        await this.settings.save(settings);
      }
      await this.audit.record({
        orgId: attempt.orgId,
        action: 'orgwide.consent-outcome',
        target: { type: 'orgwide_connection', id: attempt.orgId },
        details: { outcome, tenantId: attempt.tenantId, ...details },
        actor: { id: attempt.adminRoxUserId, role: 'admin' },
      });
    } else {
      // No org to audit into: an unknown or missing state.
      this.logger.warn({ outcome }, 'consent callback with an unknown state');
    }
    const target = new URL(`${this.config.http.webAppUrl}/integrations/microsoft/result`);
    target.searchParams.set('outcome', outcome);
    return { outcome, redirectTo: target.toString() };
  }
}

/** What Microsoft's error parameters mean for the admin, or null when there is no error. */
export function refusalOutcome(query: ConsentCallbackQuery): ConsentOutcome | null {
  if (!query.error) return null;
  const error = query.error.toLowerCase();
  const aadsts = aadstsOf(query);
  if (error === 'access_denied' && query.error_subcode?.toLowerCase() === 'cancel') {
    return 'cancelled';
  }
  // AADSTS90094/90095: only an admin may grant these permissions.
  if (aadsts === 90094 || aadsts === 90095) return 'not_admin';
  if (error === 'consent_required') return 'consent_required';
  if (error === 'access_denied' || error === 'permission_denied') return 'denied';
  return 'microsoft_error';
}

function aadstsOf(query: ConsentCallbackQuery): number | null {
  const match = /AADSTS(\d+)/.exec(query.error_description ?? '');
  return match?.[1] ? Number(match[1]) : null;
}

function hashState(state: string): string {
  return createHash('sha256').update(state).digest('hex');
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
