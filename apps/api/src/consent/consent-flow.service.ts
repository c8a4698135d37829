import { randomBytes, randomUUID } from 'node:crypto';

import { Injectable, Logger } from '@nestjs/common';

import {
  type ConnectResponse,
  type ConsentCallbackQuery,
  type ConsentOutcome,
} from '@rox365/contracts';
import { DelegatedAuth, IdentityError, sha256Hex } from '@rox365/graph-client';
import { requestedApplicationPermissions } from '@rox365/scope-policy';

import { AppConfig } from '../config/app-config';
import { AuditLog } from '../platform/audit/audit-log.service';
import { Cipher } from '../platform/crypto/cipher.service';
import { Transactions } from '../platform/database/transactions.service';
import { OrgwideGraph } from '../platform/graph/graph.module';
import { requestContext } from '../platform/http/request-context';
import { LifecycleRegistry } from '../platform/lifecycle/lifecycle-registry.service';
import { Clock } from '../platform/time/clock';
import { judgeAdmin, signInFailure } from './admin-sign-in';
import { AuthState } from './auth-state/auth-state.entity';
import { AuthStateRepository } from './auth-state/auth-state.repository';
import { bindingMatches, newBrowserBinding } from './auth-state/browser-binding';
import { evaluate } from './consent-policy';
import {
  CODE_VERIFIER_COLUMN,
  CONSENT_CALLBACK_PATH,
  CONSENT_PROPAGATION_FIRST_DELAY_MS,
  CONSENT_PROPAGATION_MAX_DELAY_MS,
  CONSENT_STATE_BYTES,
} from './consent.constants';
import { ConsentError, ConsentErrorCode } from './consent.errors';
import { OrgwideConnection } from './entities/orgwide-connection.entity';
import { IndividualConnectionsService } from './individual/individual-connections.service';
import { OrgwideConnectionRepository } from './orgwide-connection.repository';
import { OrgwideSettingsRepository } from './orgwide-settings.repository';
import { PermissionCheckService } from './permission-check.service';

/** Where the browser goes after a callback: Microsoft's next page, or the SPA's result page. */
export interface CallbackResult {
  /** Null while the connect goes on (the sign-in leg passed; on to admin consent). */
  outcome: ConsentOutcome | null;
  redirectTo: string;
}

/** What POST /orgwide/connect hands the controller: the body, and the cookie value to set. */
export interface ConnectStart {
  response: ConnectResponse;
  browserBinding: string;
}

type GrantAttempt =
  | { ok: true; roles: string[] }
  | { ok: false; outcome: 'consent_not_propagated' | 'microsoft_error'; error: string };

/**
 * Org-wide connect in two legs, each redirected back to one callback:
 *
 * 1. Sign-in (OpenID Connect, code + PKCE + nonce, scopes `openid profile`). Rox redeems the code
 *    itself and verifies the ID token Microsoft signed: this tenant, a member, and a role that may
 *    grant Graph application permissions. Nothing the browser says is believed.
 * 2. Admin consent, whose `state` exists only once step 1 has proven an administrator.
 *
 * Both legs need the HttpOnly cookie of the browser that started the connect, their state is
 * single-use and short-lived, and the database lets one org at most hold a tenant.
 */
@Injectable()
export class ConsentFlowService {
  private readonly logger = new Logger('consent');

  constructor(
    private readonly config: AppConfig,
    private readonly graph: OrgwideGraph,
    private readonly settings: OrgwideSettingsRepository,
    private readonly connections: OrgwideConnectionRepository,
    private readonly states: AuthStateRepository,
    private readonly individual: IndividualConnectionsService,
    private readonly permissions: PermissionCheckService,
    private readonly lifecycle: LifecycleRegistry,
    private readonly audit: AuditLog,
    private readonly cipher: Cipher,
    private readonly tx: Transactions,
    private readonly clock: Clock,
  ) {}

  redirectUri(): string {
    return `${this.config.http.publicApiUrl}${CONSENT_CALLBACK_PATH}`;
  }

  /**
   * Starts a connect for the org's saved tenant, or a fresh consent for the tenant it is already
   * connected to (no disconnect, nothing purged). Returns Microsoft's sign-in link.
   */
  async connect(orgId: string, adminRoxUserId: string): Promise<ConnectStart> {
    const settings = await this.settings.find(orgId);
    if (!settings) {
      throw new ConsentError(
        ConsentErrorCode.ORGWIDE_SETTINGS_MISSING,
        'conflict',
        'Save the org-wide settings with your Microsoft tenant before connecting.',
      );
    }
    const connection = await this.connections.find(orgId);
    const tenantId = connection?.tenantId ?? settings.tenantId;
    const holder = connection ?? (await this.connections.findByTenant(tenantId));
    if (holder && holder.orgId !== orgId) {
      throw new ConsentError(
        ConsentErrorCode.ORGWIDE_TENANT_TAKEN,
        'conflict',
        'This Microsoft 365 tenant is already connected to another Rox organisation. Check the tenant in the settings; if the other organisation should no longer hold it, its Rox admin must disconnect Microsoft Enterprise first.',
        { context: { tenantId } },
      );
    }

    const state = randomBytes(CONSENT_STATE_BYTES).toString('base64url');
    const nonce = randomBytes(CONSENT_STATE_BYTES).toString('base64url');
    const pkce = DelegatedAuth.createPkce();
    const binding = newBrowserBinding();
    const attempt = new AuthState({
      id: randomUUID(),
      stateHash: sha256Hex(state),
      flow: 'orgwide',
      orgId,
      roxUserId: adminRoxUserId,
      tenantId,
      stage: 'sign_in',
      purpose: connection ? 'reconsent' : 'connect',
      browserBindingHash: binding.hash,
      now: this.clock.now(),
      ttlSeconds: this.config.orgwide.consentStateTtlSeconds,
    });
    attempt.nonceHash = sha256Hex(nonce);
    attempt.codeVerifierSealed = this.cipher.encrypt(
      pkce.codeVerifier,
      CODE_VERIFIER_COLUMN,
      orgId,
    );
    const signInUrl = this.graph.signIn.authorizeUrl({
      tenant: tenantId,
      redirectUri: this.redirectUri(),
      state,
      nonce,
      codeChallenge: pkce.codeChallenge,
    });
    await this.tx.run(async () => {
      await this.states.add(attempt);
      await this.audit.record({
        orgId,
        action: 'orgwide.connect-started',
        target: { type: 'orgwide_connection', id: orgId },
        details: {
          tenantId,
          purpose: attempt.purpose,
          expiresAt: attempt.expiresAt.toISOString(),
        },
      });
    });
    return {
      browserBinding: binding.value,
      response: {
        consentUrl: signInUrl,
        expiresAt: attempt.expiresAt.toISOString(),
        requestedPermissions: requestedApplicationPermissions(),
      },
    };
  }

  /**
   * Microsoft's redirect after either leg. The state must be one we issued (unused, unexpired),
   * completed in the browser that started it; what happens next depends on its stage.
   */
  async callback(
    query: ConsentCallbackQuery,
    browserBinding: string | null,
  ): Promise<CallbackResult> {
    const now = this.clock.now();
    const found = query.state ? await this.states.findByHash(sha256Hex(query.state)) : null;
    // Only an org-wide state (which always names its tenant) completes an org-wide connect.
    const attempt = found?.flow === 'orgwide' && found.tenantId ? found : null;
    if (!attempt) return this.finish(null, 'state_invalid');
    if (attempt.usedAt) return this.finish(attempt, 'state_reused');
    if (attempt.isExpired(now)) return this.finish(attempt, 'state_expired');
    // Used up even on a mismatch: a link that reached the wrong browser never works again.
    if (!(await this.states.markUsed(attempt.id, now))) return this.finish(attempt, 'state_reused');
    if (!bindingMatches(browserBinding, attempt.browserBindingHash)) {
      return this.finish(attempt, 'browser_mismatch', { stage: attempt.stage });
    }
    const tenantId = attempt.tenantId ?? '';
    return attempt.stage === 'sign_in'
      ? this.afterSignIn(attempt, tenantId, query)
      : this.afterConsent(attempt, tenantId, query);
  }

  // Leg 1: only a Microsoft-signed ID token of an administrator of the tenant moves on.
  private async afterSignIn(
    attempt: AuthState,
    tenantId: string,
    query: ConsentCallbackQuery,
  ): Promise<CallbackResult> {
    const refusal = refusalOutcome(query);
    if (refusal) {
      return this.finish(attempt, refusal, { stage: 'sign_in', ...microsoftError(query) });
    }
    if (!query.code || !attempt.codeVerifierSealed || !attempt.nonceHash) {
      return this.finish(attempt, 'microsoft_error', { stage: 'sign_in', error: 'code_missing' });
    }
    let verdict;
    try {
      const admin = await this.graph.signIn.complete({
        tenantId: tenantId,
        code: query.code,
        codeVerifier: this.cipher.decrypt(
          attempt.codeVerifierSealed,
          CODE_VERIFIER_COLUMN,
          attempt.orgId,
        ),
        redirectUri: this.redirectUri(),
        nonceSha256: attempt.nonceHash,
      });
      verdict = judgeAdmin(admin, tenantId);
    } catch (error) {
      verdict = signInFailure(error);
      if (verdict.outcome === 'microsoft_error') {
        this.logger.warn({ orgId: attempt.orgId, err: error }, 'admin sign-in failed');
      }
    }
    if (!verdict.ok)
      return this.finish(attempt, verdict.outcome, { stage: 'sign_in', ...verdict.details });
    const admin = verdict.admin;

    const holder = await this.connections.findByTenant(admin.tenantId);
    if (holder && holder.orgId !== attempt.orgId) {
      return this.finish(attempt, 'tenant_taken', { stage: 'sign_in' });
    }

    const state = randomBytes(CONSENT_STATE_BYTES).toString('base64url');
    const consentLeg = new AuthState({
      id: randomUUID(),
      stateHash: sha256Hex(state),
      flow: 'orgwide',
      orgId: attempt.orgId,
      roxUserId: attempt.roxUserId,
      tenantId: admin.tenantId,
      stage: 'consent',
      purpose: attempt.purpose,
      browserBindingHash: attempt.browserBindingHash,
      now: this.clock.now(),
      ttlSeconds: this.config.orgwide.consentStateTtlSeconds,
    });
    consentLeg.previousId = attempt.id;
    consentLeg.microsoftUserId = admin.userId;
    consentLeg.microsoftUsername = admin.username;
    await this.tx.run(async () => {
      await this.states.add(consentLeg);
      await this.audit.record({
        orgId: attempt.orgId,
        action: 'orgwide.admin-verified',
        target: { type: 'orgwide_connection', id: attempt.orgId },
        details: {
          tenantId: admin.tenantId,
          adminUsername: admin.username,
          adminObjectId: admin.userId,
          roles: admin.roleTemplateIds,
        },
        actor: { id: attempt.roxUserId, role: 'admin' },
      });
    });
    return {
      outcome: null,
      redirectTo: this.graph.delegated.adminConsentUrl({
        tenant: admin.tenantId,
        redirectUri: this.redirectUri(),
        state,
      }),
    };
  }

  // Leg 2: Microsoft's answer to the admin-consent page, for the tenant leg 1 proved.
  private async afterConsent(
    attempt: AuthState,
    tenantId: string,
    query: ConsentCallbackQuery,
  ): Promise<CallbackResult> {
    const refusal = refusalOutcome(query);
    if (refusal) return this.finish(attempt, refusal, microsoftError(query));
    if (query.admin_consent?.toLowerCase() !== 'true') {
      return this.finish(attempt, 'microsoft_error', { error: 'admin_consent_missing' });
    }
    if ((query.tenant ?? '').toLowerCase() !== tenantId) {
      // Logged for the admin's audit trail; the value itself decides nothing.
      return this.finish(attempt, 'tenant_mismatch', {
        requestedTenantId: tenantId,
        returnedTenant: (query.tenant ?? '').slice(0, 64),
      });
    }

    const grant = await this.acquireGrant(tenantId);
    if (!grant.ok) return this.finish(attempt, grant.outcome, { error: grant.error });

    const existing = await this.connections.find(attempt.orgId);
    if (existing && existing.tenantId !== tenantId) {
      return this.finish(attempt, 'tenant_mismatch', { requestedTenantId: tenantId });
    }
    const connection =
      existing ??
      new OrgwideConnection({
        orgId: attempt.orgId,
        tenantId: tenantId,
        grantedPermissions: grant.roles,
        connectedBy: attempt.roxUserId,
        now: this.clock.now(),
      });
    connection.consentedByUsername = attempt.microsoftUsername;
    const changes = existing ? existing.recordGrant(grant.roles, this.clock.now()) : null;
    await this.permissions.refreshDelegatedGrants(connection);

    const settings = await this.settings.find(attempt.orgId);
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
    // Members' own connections are superseded below, their tokens deleted: what those tokens
    // made at Microsoft goes first.
    if (!existing) await this.individual.releaseAll(attempt.orgId);
    // The connection, the superseded individual connections and their audit entries commit
    // together.
    const result = await this.tx.run(async () => {
      if (existing) {
        await this.connections.save(existing);
      } else if (!(await this.connections.insert(connection))) {
        // Another org connected this tenant after our check: the unique index decided.
        return null;
      } else {
        await this.individual.supersedeAll(attempt.orgId, attempt.roxUserId, tenantId);
      }
      return this.finish(attempt, outcome, {
        purpose: attempt.purpose,
        adminUsername: attempt.microsoftUsername,
        grantedPermissions: connection.grantedPermissions,
        missingPermissions: evaluation.missing.map((m) => m.permission),
        ...(changes ? { added: changes.added, removed: changes.removed } : {}),
      });
    });
    if (!result) return this.finish(attempt, 'tenant_taken');
    if (!existing) {
      try {
        await this.lifecycle.onConnected(attempt.orgId);
      } catch (error) {
        // The connection stands; the features' own crons pick the org up later.
        this.logger.warn({ orgId: attempt.orgId, err: error }, 'first sync not queued');
      }
    } else {
      // A fresh consent may have changed the grant members' scope derives from.
      await this.lifecycle.scopeChanged(attempt.orgId, { cause: 'grant' });
    }
    return result;
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
    attempt: AuthState | null,
    outcome: ConsentOutcome,
    details: Record<string, unknown> = {},
  ): Promise<CallbackResult> {
    if (attempt) {
      await this.tx.run(async () => {
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
          actor: { id: attempt.roxUserId, role: 'admin' },
        });
      });
    } else {
      // No org to audit into: an unknown or missing state.
      this.logger.warn({ outcome }, 'consent callback with an unknown state');
    }
    const target = new URL(`${this.config.http.webAppUrl}/integrations/microsoft/result`);
    target.searchParams.set('outcome', outcome);
    if (!isSuccess(outcome)) {
      // A reference support can find in the logs and the audit, and Microsoft's own code.
      const ref = requestContext.requestId();
      if (ref) target.searchParams.set('ref', ref);
      const aadsts = typeof details.aadsts === 'number' ? details.aadsts : null;
      if (aadsts !== null) target.searchParams.set('code', `AADSTS${aadsts}`);
    }
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
  // AADSTS50020: an account of another tenant (and no guest of this one) signed in.
  if (aadsts === 50020) return 'tenant_mismatch';
  if (error === 'consent_required') return 'consent_required';
  if (error === 'access_denied' || error === 'permission_denied') return 'denied';
  return 'microsoft_error';
}

function microsoftError(query: ConsentCallbackQuery): Record<string, unknown> {
  return { error: query.error ?? null, aadsts: aadstsOf(query) };
}

function isSuccess(outcome: ConsentOutcome): boolean {
  return outcome === 'connected' || outcome === 'connected_with_missing_permissions';
}

function aadstsOf(query: ConsentCallbackQuery): number | null {
  const match = /AADSTS(\d+)/.exec(query.error_description ?? '');
  return match?.[1] ? Number(match[1]) : null;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
