import { createHash, randomBytes, randomUUID } from 'node:crypto';

import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { Injectable, Logger } from '@nestjs/common';

import {
  DEFAULT_INDIVIDUAL_LEVEL,
  type CreateIndividualConnectionRequest,
  type IndividualCallbackQuery,
  type IndividualConnectStart,
  type IndividualKind,
  type IndividualLevel,
  type IndividualOutcome,
} from '@rox365/contracts';
import {
  decodeJwtPayload,
  DelegatedAuth,
  GraphRequestError,
  IdentityError,
  IdTokenRejectedError,
  sha256Hex,
  type DelegatedTokens,
  type VerifiedIdToken,
} from '@rox365/graph-client';
import { individualConnectionScopes } from '@rox365/scope-policy';

import { AppConfig } from '../../config/app-config';
import { AuditLog } from '../../platform/audit/audit-log.service';
import { type Caller } from '../../platform/auth/caller';
import { Cipher } from '../../platform/crypto/cipher.service';
import { Transactions } from '../../platform/database/transactions.service';
import { IndividualGraph } from '../../platform/graph/graph.module';
import { requestContext } from '../../platform/http/request-context';
import { LifecycleRegistry } from '../../platform/lifecycle/lifecycle-registry.service';
import { Clock } from '../../platform/time/clock';
import { AuthState } from '../auth-state/auth-state.entity';
import { AuthStateRepository } from '../auth-state/auth-state.repository';
import { bindingMatches, newBrowserBinding } from '../auth-state/browser-binding';
import { CODE_VERIFIER_COLUMN } from '../consent.constants';
import { ConsentError, ConsentErrorCode } from '../consent.errors';
import { IndividualConnection } from '../entities/individual-connection.entity';
import { IndividualConnectionRepository } from '../individual-connection.repository';
import { MemberLookup } from '../member-lookup';
import { OrgwideConnectionRepository } from '../orgwide-connection.repository';
import { OrgwideSettingsRepository } from '../orgwide-settings.repository';
import { ApprovalHelp } from './approval-help';
import { DelegatedTokenProvider } from './delegated-token.provider';
import { grantedLevel, isHigherLevel } from './individual-grant';
import { aadstsOf, approvalReason, refusalOutcome } from './individual-outcomes';
import { IndividualToken } from './individual-token.entity';
import { IndividualTokenRepository } from './individual-token.repository';
import {
  ADMIN_LINK_STATE,
  INDIVIDUAL_CALLBACK_PATH,
  INDIVIDUAL_RESULT_PATH,
  INDIVIDUAL_STATE_BYTES,
  INDIVIDUAL_STATE_TTL_SECONDS,
  REFRESH_TOKEN_COLUMN,
} from './individual.constants';
import { toIndividualConnectionContract } from './individual.mapper';

/** What POST /individual-connections hands the controller: the body and the cookie to set. */
export interface IndividualConnectStartResult {
  response: IndividualConnectStart;
  browserBinding: string;
}

export interface IndividualCallbackResult {
  outcome: IndividualOutcome;
  redirectTo: string;
}

// A callback's end, with the connection it touched (if any).
type Finished = IndividualCallbackResult & { connection: IndividualConnection | null };

type Verdict =
  | { ok: true; account: VerifiedIdToken; tokens: DelegatedTokens }
  | { ok: false; outcome: IndividualOutcome; details: Record<string, unknown> };

/**
 * The OIDC nonce of a sign-in, derived from its PKCE verifier (sealed at rest, never sent to
 * Microsoft before the code is redeemed), so the callback can hand MSAL the nonce while the
 * database keeps only its hash.
 */
export function nonceFor(codeVerifier: string): string {
  return createHash('sha256').update(`rox365-nonce:${codeVerifier}`).digest('base64url');
}

/**
 * A member's own Outlook connection, one sign-in (authorization code + PKCE + state + nonce) to
 * the "Rox 365 Integration" app with delegated scopes. Rox redeems the code itself, verifies the
 * Microsoft-signed ID token (nonce, tenant), checks the tenant belongs to the org, that the
 * mailbox exists, and that the account is the member's; then seals the refresh token. Nothing the
 * browser says is believed, and the state is single-use and bound to the starting browser.
 */
@Injectable()
export class IndividualConnectService {
  private readonly logger = new Logger('individual-connect');

  constructor(
    private readonly config: AppConfig,
    private readonly graph: IndividualGraph,
    private readonly connections: IndividualConnectionRepository,
    private readonly tokens: IndividualTokenRepository,
    private readonly states: AuthStateRepository,
    private readonly orgwide: OrgwideConnectionRepository,
    private readonly settings: OrgwideSettingsRepository,
    private readonly members: MemberLookup,
    private readonly delegatedTokens: DelegatedTokenProvider,
    private readonly approval: ApprovalHelp,
    private readonly lifecycle: LifecycleRegistry,
    private readonly audit: AuditLog,
    private readonly cipher: Cipher,
    private readonly tx: Transactions,
    private readonly clock: Clock,
  ) {}

  redirectUri(): string {
    return `${this.config.http.publicApiUrl}${INDIVIDUAL_CALLBACK_PATH}`;
  }

  /**
   * Starts (or resumes) the member's connection of a kind and returns Microsoft's sign-in link.
   * One live connection per member and kind: a second click reuses it.
   */
  async start(
    caller: Caller,
    input: CreateIndividualConnectionRequest,
  ): Promise<IndividualConnectStartResult> {
    if (input.provider !== 'microsoft') {
      throw new ConsentError(
        ConsentErrorCode.INDIVIDUAL_PROVIDER_UNAVAILABLE,
        'invalid',
        'Only Microsoft (Outlook) individual connections are available.',
        { fieldErrors: [{ path: 'body.provider', message: 'Use microsoft' }] },
      );
    }
    await this.refuseWhileOrgwide(caller.orgId);
    const email =
      (await this.members.person(caller.orgId, caller.roxUserId))?.email ?? caller.email;
    if (!email) {
      throw new ConsentError(
        ConsentErrorCode.INDIVIDUAL_EMAIL_MISSING,
        'conflict',
        'Rox has no email for you, so it cannot check which Microsoft account you connect. Ask your Rox admin to add it.',
      );
    }
    const level = input.level ?? DEFAULT_INDIVIDUAL_LEVEL[input.kind];
    const scopes = individualConnectionScopes(input.kind, level);
    const orgTenantId = (await this.settings.find(caller.orgId))?.tenantId ?? null;
    const connection = await this.liveConnection(caller, input.kind, level);
    connection.restart(email.trim().toLowerCase(), this.clock.now());

    const state = randomBytes(INDIVIDUAL_STATE_BYTES).toString('base64url');
    const pkce = DelegatedAuth.createPkce();
    const nonce = nonceFor(pkce.codeVerifier);
    const binding = newBrowserBinding();
    const attempt = new AuthState({
      id: randomUUID(),
      stateHash: sha256Hex(state),
      flow: 'individual',
      stage: 'sign_in',
      purpose: input.kind,
      orgId: caller.orgId,
      roxUserId: caller.roxUserId,
      tenantId: orgTenantId,
      browserBindingHash: binding.hash,
      now: this.clock.now(),
      ttlSeconds: INDIVIDUAL_STATE_TTL_SECONDS,
    });
    attempt.connectionId = connection.id;
    attempt.requestedLevel = level;
    attempt.nonceHash = sha256Hex(nonce);
    attempt.codeVerifierSealed = this.cipher.encrypt(
      pkce.codeVerifier,
      CODE_VERIFIER_COLUMN,
      caller.orgId,
    );
    const authorizeUrl = this.graph.delegated.authorizeUrl({
      tenant: orgTenantId ?? 'organizations',
      scopes,
      redirectUri: this.redirectUri(),
      state,
      codeChallenge: pkce.codeChallenge,
      prompt: 'select_account',
      loginHint: connection.expectedEmail ?? email,
      nonce,
    });
    await this.tx.run(async () => {
      await this.connections.save(connection);
      await this.states.add(attempt);
      await this.audit.record({
        orgId: caller.orgId,
        action: 'individual-connections.connect-started',
        target: { type: 'individual_connection', id: connection.id },
        details: {
          kind: connection.kind,
          level,
          currentLevel: connection.level,
          scopes,
          status: connection.status,
          tenantId: orgTenantId,
          expiresAt: attempt.expiresAt.toISOString(),
        },
      });
    });
    // No scope change to announce: the connection's level and status wait for Microsoft's answer.
    return {
      browserBinding: binding.value,
      response: {
        connection: toIndividualConnectionContract(
          connection,
          this.approval.for(connection, orgTenantId),
        ),
        authorizeUrl,
        expiresAt: attempt.expiresAt.toISOString(),
        scopes,
      },
    };
  }

  /** Microsoft's redirect after the member's sign-in (or after an admin used the admin link). */
  async callback(
    query: IndividualCallbackQuery,
    browserBinding: string | null,
  ): Promise<IndividualCallbackResult> {
    const result = await this.complete(query, browserBinding);
    // After the commit: the member's mailbox rows follow the connection's new state.
    if (result.connection) await this.scopeChanged(result.connection);
    return { outcome: result.outcome, redirectTo: result.redirectTo };
  }

  private async complete(
    query: IndividualCallbackQuery,
    browserBinding: string | null,
  ): Promise<Finished> {
    if (query.state === ADMIN_LINK_STATE) return this.adminLinkReturn(query);
    const now = this.clock.now();
    const found = query.state ? await this.states.findByHash(sha256Hex(query.state)) : null;
    // Only an individual state naming its connection completes an individual connect.
    const attempt = found?.flow === 'individual' && found.connectionId ? found : null;
    if (!attempt) return this.finish(null, null, 'state_invalid');
    if (attempt.usedAt) return this.finish(attempt, null, 'state_reused');
    if (attempt.isExpired(now)) return this.finish(attempt, null, 'state_expired');
    if (!(await this.states.markUsed(attempt.id, now))) {
      return this.finish(attempt, null, 'state_reused');
    }
    if (!bindingMatches(browserBinding, attempt.browserBindingHash)) {
      return this.finish(attempt, null, 'browser_mismatch');
    }
    const connection = await this.connections.findById(attempt.connectionId ?? '', attempt.orgId);
    if (!connection) return this.finish(attempt, null, 'state_invalid', { error: 'disconnected' });
    if (connection.status === 'superseded' || (await this.orgwide.find(attempt.orgId))) {
      return this.finish(attempt, connection, 'orgwide_connected');
    }

    const refusal = refusalOutcome(query);
    if (refusal) {
      const details = { error: query.error ?? null, aadsts: aadstsOf(query) };
      if (refusal !== 'approval_required')
        return this.finish(attempt, connection, refusal, details);
      const asked = requestedLevel(attempt, connection);
      // What the connection really runs at: its level as far as its granted scopes cover it.
      const running =
        connection.status === 'connected' && connection.level !== null
          ? grantedLevel(connection.kind, connection.level, connection.scopes)
          : null;
      // A connected member asking for more keeps what runs; anything else (a first connect, a
      // connection that runs at nothing, or the same level refused again: the grant is gone)
      // waits for the admin.
      const upgrade = running !== null && isHigherLevel(connection.kind, asked, running);
      if (upgrade) connection.awaitUpgrade(asked, this.clock.now());
      else connection.awaitApproval(asked, approvalReason(details.aadsts), this.clock.now());
      // The new status and its audit entry commit together.
      return this.tx.run(async () => {
        await this.connections.save(connection);
        return this.finish(attempt, connection, refusal, { ...details, upgrade });
      });
    }

    const verdict = await this.verifySignIn(attempt, connection, query);
    if (!verdict.ok) {
      if (verdict.outcome === 'mailbox_not_enabled') {
        connection.mark(
          'mailbox_not_enabled',
          `${String(verdict.details.account)} has no Exchange Online mailbox that Rox can reach (MailboxNotEnabledForRESTAPI). Ask your Microsoft 365 admin for an Exchange Online licence, then connect again.`,
          this.clock.now(),
        );
        return this.tx.run(async () => {
          await this.connections.save(connection);
          return this.finish(attempt, connection, verdict.outcome, verdict.details);
        });
      }
      return this.finish(attempt, connection, verdict.outcome, verdict.details);
    }
    return this.store(attempt, connection, verdict.account, verdict.tokens);
  }

  // The code, the ID token, the tenant and the mailbox; every check ends in its own outcome.
  private async verifySignIn(
    attempt: AuthState,
    connection: IndividualConnection,
    query: IndividualCallbackQuery,
  ): Promise<Verdict> {
    const fail = (outcome: IndividualOutcome, details: Record<string, unknown> = {}): Verdict => ({
      ok: false,
      outcome,
      details,
    });
    if (!query.code || !attempt.codeVerifierSealed || !attempt.nonceHash) {
      return fail('signin_failed', { error: 'code_missing' });
    }
    const codeVerifier = this.cipher.decrypt(
      attempt.codeVerifierSealed,
      CODE_VERIFIER_COLUMN,
      attempt.orgId,
    );
    let tokens: DelegatedTokens;
    try {
      tokens = await this.graph.delegated.redeemCode({
        tenant: attempt.tenantId ?? 'organizations',
        code: query.code,
        codeVerifier,
        redirectUri: this.redirectUri(),
        scopes: individualConnectionScopes(connection.kind, requestedLevel(attempt, connection)),
        nonce: nonceFor(codeVerifier),
      });
    } catch (error) {
      this.logger.warn({ connectionId: connection.id, err: error }, 'code redemption failed');
      return fail('signin_failed', identityDetails(error));
    }
    if (!tokens.idToken) return fail('signin_failed', { error: 'no_id_token' });

    let account: VerifiedIdToken;
    try {
      // The tenant the token names is checked below; here Microsoft's signature for it is.
      const claimedTenant = String(decodeJwtPayload(tokens.idToken).tid ?? '');
      account = await this.graph.signIn.verify(tokens.idToken, {
        tenantId: claimedTenant,
        nonceSha256: attempt.nonceHash,
      });
    } catch (error) {
      if (!(error instanceof IdTokenRejectedError)) {
        this.logger.warn({ connectionId: connection.id, err: error }, 'ID token check failed');
      }
      return fail('signin_failed', {
        check: error instanceof IdTokenRejectedError ? error.problem : 'unverifiable',
      });
    }
    const base = { account: account.username, tenantId: account.tenantId };

    const tenantCheck = await this.tenantVerdict(attempt, connection, account);
    if (tenantCheck) return fail(tenantCheck, base);

    const mailbox = await this.probeMailbox(connection, account, tokens.accessToken);
    if (mailbox === 'not_enabled') return fail('mailbox_not_enabled', base);
    if (!tokens.refreshToken) return fail('signin_failed', { ...base, error: 'no_refresh_token' });
    return { ok: true, account, tokens };
  }

  /**
   * Null when the account belongs to the org: the org-wide tenant when the org saved one, else
   * the tenant that has the member's Rox email domain verified (resolved through Microsoft's
   * discovery, never from the browser).
   */
  private async tenantVerdict(
    attempt: AuthState,
    connection: IndividualConnection,
    account: VerifiedIdToken,
  ): Promise<IndividualOutcome | null> {
    if (account.isGuest) return 'wrong_tenant';
    const orgTenantId =
      (await this.settings.find(attempt.orgId))?.tenantId?.toLowerCase() ?? attempt.tenantId;
    if (orgTenantId) return account.tenantId === orgTenantId ? null : 'wrong_tenant';
    const domain = connection.expectedEmail?.split('@')[1];
    if (!domain) return 'wrong_tenant';
    try {
      const domainTenant = (await this.graph.resolveTenantId(domain)).toLowerCase();
      return domainTenant === account.tenantId ? null : 'wrong_tenant';
    } catch (error) {
      if (error instanceof IdentityError && error.kind === 'tenant_not_found')
        return 'wrong_tenant';
      this.logger.warn({ domain, err: error }, 'tenant of the member domain unknown');
      return 'signin_failed';
    }
  }

  // One small read of what the connection is for; only a missing mailbox stops the connect.
  private async probeMailbox(
    connection: IndividualConnection,
    account: VerifiedIdToken,
    accessToken: string,
  ): Promise<'ok' | 'not_enabled'> {
    const client = this.graph.forDelegatedToken(
      () => Promise.resolve(accessToken),
      `${account.tenantId}:${account.userId}`,
    );
    const path = connection.kind === 'calendar' ? '/me/events' : '/me/mailFolders/inbox';
    try {
      await client.get(path, {
        query: { $select: 'id', ...(connection.kind === 'calendar' ? { $top: '1' } : {}) },
      });
      return 'ok';
    } catch (error) {
      if (error instanceof GraphRequestError && error.isMailboxNotEnabled) return 'not_enabled';
      // Anything else (throttling, an outage) is for the sync to meet and report later.
      this.logger.warn({ connectionId: connection.id, err: error }, 'mailbox probe failed');
      return 'ok';
    }
  }

  private async store(
    attempt: AuthState,
    connection: IndividualConnection,
    account: VerifiedIdToken,
    tokens: DelegatedTokens,
  ): Promise<Finished> {
    const now = this.clock.now();
    const requested = requestedLevel(attempt, connection);
    connection.connect(
      {
        tenantId: account.tenantId,
        userId: account.userId,
        username: (account.username ?? tokens.username ?? '').toLowerCase(),
        scopes: [...tokens.scopes],
      },
      // Verified: the level asked for, as far as the scopes Microsoft granted cover it.
      grantedLevel(connection.kind, requested, tokens.scopes),
      now,
    );
    const token = new IndividualToken({
      connectionId: connection.id,
      orgId: connection.orgId,
      roxUserId: connection.roxUserId,
      tenantId: account.tenantId,
      refreshTokenSealed: this.cipher.encrypt(
        tokens.refreshToken ?? '',
        REFRESH_TOKEN_COLUMN,
        connection.orgId,
      ),
      now,
    });
    const outcome: IndividualOutcome =
      connection.status === 'connected' ? 'connected' : 'account_mismatch';
    const result = await this.tx.run(async () => {
      await this.tokens.replace(token);
      await this.connections.save(connection);
      return this.finish(attempt, connection, outcome, {
        account: connection.microsoftUsername,
        expectedEmail: connection.expectedEmail,
        tenantId: account.tenantId,
        scopes: connection.scopes,
        level: connection.level,
      });
    });
    if (outcome === 'connected') {
      this.delegatedTokens.remember(connection.id, tokens.accessToken, tokens.expiresOn);
    } else {
      this.delegatedTokens.forget(connection.id);
    }
    return result;
  }

  // An admin came back from the admin-consent link a member forwarded: nothing to store, the
  // member's next Connect proves the grant.
  private adminLinkReturn(query: IndividualCallbackQuery): Finished {
    const isGranted = query.admin_consent?.toLowerCase() === 'true' && !query.error;
    this.logger.log({ granted: isGranted, aadsts: aadstsOf(query) }, 'admin-consent link return');
    return {
      ...this.redirect(isGranted ? 'admin_consent_granted' : 'admin_consent_not_granted', null, {
        aadsts: aadstsOf(query),
      }),
      connection: null,
    };
  }

  private async finish(
    attempt: AuthState | null,
    connection: IndividualConnection | null,
    outcome: IndividualOutcome,
    details: Record<string, unknown> = {},
  ): Promise<Finished> {
    if (attempt) {
      await this.audit.record({
        orgId: attempt.orgId,
        action: 'individual-connections.sign-in-outcome',
        target: { type: 'individual_connection', id: attempt.connectionId },
        details: {
          outcome,
          kind: attempt.purpose,
          status: connection?.status ?? null,
          level: connection?.level ?? null,
          requestedLevel: attempt.requestedLevel,
          ...details,
        },
        // Microsoft's redirect has no caller: the audit names the Rox user who clicked Connect.
        actor: {
          id: attempt.roxUserId,
          role: await this.members.role(attempt.orgId, attempt.roxUserId),
        },
      });
    } else {
      this.logger.warn({ outcome }, 'individual callback with an unknown state');
    }
    return { ...this.redirect(outcome, connection?.kind ?? kindOf(attempt), details), connection };
  }

  private async scopeChanged(connection: IndividualConnection): Promise<void> {
    await this.lifecycle.scopeChanged(connection.orgId, {
      cause: 'individual_connection',
      roxUserId: connection.roxUserId,
    });
  }

  private redirect(
    outcome: IndividualOutcome,
    kind: IndividualKind | null,
    details: Record<string, unknown>,
  ): IndividualCallbackResult {
    const target = new URL(`${this.config.http.webAppUrl}${INDIVIDUAL_RESULT_PATH}`);
    target.searchParams.set('outcome', outcome);
    if (kind) target.searchParams.set('kind', kind);
    if (outcome !== 'connected' && outcome !== 'admin_consent_granted') {
      const ref = requestContext.requestId();
      if (ref) target.searchParams.set('ref', ref);
      const aadsts = typeof details.aadsts === 'number' ? details.aadsts : null;
      if (aadsts !== null) target.searchParams.set('code', `AADSTS${aadsts}`);
      // The result page words a connected member's upgrade apart: their connection still runs.
      if (details.upgrade === true) target.searchParams.set('upgrade', '1');
    }
    return { outcome, redirectTo: target.toString() };
  }

  private async refuseWhileOrgwide(orgId: string): Promise<void> {
    if (await this.orgwide.find(orgId)) {
      throw new ConsentError(
        ConsentErrorCode.ORGWIDE_CONNECTED,
        'conflict',
        'Your organisation is connected to Microsoft 365 org-wide, so calendars and mailboxes are synced for you; individual Microsoft or Google connections are not available.',
      );
    }
  }

  // The member's live connection of the kind, created on first use. Two first clicks racing
  // meet at the partial unique index; the loser resumes the winner's row.
  private async liveConnection(
    caller: Caller,
    kind: IndividualKind,
    level: IndividualLevel,
  ): Promise<IndividualConnection> {
    const existing = await this.connections.findLive(
      caller.orgId,
      caller.roxUserId,
      'microsoft',
      kind,
    );
    if (existing) return existing;
    // No level until a sign-in is verified: a pending connection runs at none.
    const connection = new IndividualConnection({
      id: randomUUID(),
      orgId: caller.orgId,
      roxUserId: caller.roxUserId,
      provider: 'microsoft',
      kind,
      now: this.clock.now(),
    });
    try {
      await this.tx.run(async () => {
        await this.connections.save(connection);
        await this.audit.record({
          orgId: caller.orgId,
          action: 'individual-connections.created',
          target: { type: 'individual_connection', id: connection.id },
          details: { provider: 'microsoft', kind, level, status: connection.status },
        });
      });
      return connection;
    } catch (error) {
      if (!(error instanceof UniqueConstraintViolationException)) throw error;
      const winner = await this.connections.findLive(
        caller.orgId,
        caller.roxUserId,
        'microsoft',
        kind,
      );
      if (!winner) throw error;
      return winner;
    }
  }
}

// The level a sign-in asked for; a state stored before attempts kept it falls back to the
// connection's own, which the Connect that made the state had already set.
function requestedLevel(attempt: AuthState, connection: IndividualConnection): IndividualLevel {
  return attempt.requestedLevel ?? connection.level ?? DEFAULT_INDIVIDUAL_LEVEL[connection.kind];
}

function kindOf(attempt: AuthState | null): IndividualKind | null {
  return attempt?.purpose === 'calendar' || attempt?.purpose === 'mail' ? attempt.purpose : null;
}

function identityDetails(error: unknown): Record<string, unknown> {
  return error instanceof IdentityError
    ? { error: error.kind, aadsts: error.aadsts }
    : { error: 'unexpected' };
}
