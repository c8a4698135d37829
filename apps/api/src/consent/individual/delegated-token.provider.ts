import { Injectable, Logger } from '@nestjs/common';

import { IdentityError, type BoundGraphClient } from '@rox365/graph-client';

import { AuditLog } from '../../platform/audit/audit-log.service';
import { Cipher } from '../../platform/crypto/cipher.service';
import { Transactions } from '../../platform/database/transactions.service';
import { IndividualGraph } from '../../platform/graph/graph.module';
import { LifecycleRegistry } from '../../platform/lifecycle/lifecycle-registry.service';
import { Clock } from '../../platform/time/clock';
import { ConsentError, ConsentErrorCode } from '../consent.errors';
import { type IndividualConnection } from '../entities/individual-connection.entity';
import { IndividualConnectionRepository } from '../individual-connection.repository';
import { signInAgainReason } from './individual-outcomes';
import { IndividualTokenRepository } from './individual-token.repository';
import { ACCESS_TOKEN_REFRESH_MARGIN_MS, REFRESH_TOKEN_COLUMN } from './individual.constants';

interface CachedAccessToken {
  accessToken: string;
  expiresAtMs: number;
}

/**
 * Delegated access tokens for individual connections: the one way other features reach a
 * member's own mailbox (`accessTokenFor`, `clientFor`).
 *
 * - Access tokens live in this process's memory only, until shortly before they expire.
 * - The refresh token is read sealed from `individual_token`, opened with the key ring, redeemed,
 *   and the rotated one sealed and stored with a conditional update on its version: when two
 *   refreshes race (two workers), exactly one rotation is stored. Within a process, concurrent
 *   callers share one refresh.
 * - A refresh Microsoft refuses for good (invalid_grant: AADSTS70000, 50173, 65001, 700082…)
 *   turns the connection into `needs_sign_in` with the reason, deletes the dead token and is
 *   audited; callers get `INDIVIDUAL_SIGN_IN_REQUIRED`.
 */
@Injectable()
export class DelegatedTokenProvider {
  private readonly logger = new Logger('individual-tokens');
  private readonly cache = new Map<string, CachedAccessToken>();
  private readonly inFlight = new Map<string, Promise<string>>();

  constructor(
    private readonly graph: IndividualGraph,
    private readonly connections: IndividualConnectionRepository,
    private readonly tokens: IndividualTokenRepository,
    private readonly cipher: Cipher,
    private readonly lifecycle: LifecycleRegistry,
    private readonly audit: AuditLog,
    private readonly tx: Transactions,
    private readonly clock: Clock,
  ) {}

  /**
   * A valid access token for a connected connection (cached, else refreshed). The connection's
   * status is read every time (by primary key), so a disconnect, revoke or supersede in another
   * process stops the cached token from being handed out here too.
   */
  async accessTokenFor(connectionId: string, options: { forceRefresh?: boolean } = {}) {
    await this.requireConnected(connectionId);
    const cached = this.cache.get(connectionId);
    const now = this.clock.now().getTime();
    if (
      !options.forceRefresh &&
      cached &&
      cached.expiresAtMs - ACCESS_TOKEN_REFRESH_MARGIN_MS > now
    ) {
      return cached.accessToken;
    }
    let pending = this.inFlight.get(connectionId);
    if (!pending) {
      pending = this.refresh(connectionId).finally(() => this.inFlight.delete(connectionId));
      this.inFlight.set(connectionId, pending);
    }
    return pending;
  }

  /** A Graph client acting as the member of a connected connection. */
  async clientFor(connectionId: string): Promise<BoundGraphClient> {
    const connection = await this.requireConnected(connectionId);
    return this.graph.forDelegatedToken(
      () => this.accessTokenFor(connectionId),
      `${connection.tenantId ?? ''}:${connection.microsoftUserId ?? ''}`,
    );
  }

  /** Keeps the access token a sign-in just produced, so the first use needs no refresh. */
  remember(connectionId: string, accessToken: string, expiresOn: Date | null): void {
    this.cache.set(connectionId, {
      accessToken,
      expiresAtMs: expiresOn?.getTime() ?? this.clock.now().getTime(),
    });
  }

  /** Drops the in-memory access token (disconnect, supersede, sign-in required). */
  forget(connectionId: string): void {
    this.cache.delete(connectionId);
  }

  private async requireConnected(connectionId: string): Promise<IndividualConnection> {
    const connection = await this.connections.findById(connectionId);
    if (!connection || connection.status !== 'connected') {
      this.forget(connectionId);
      throw new ConsentError(
        connection?.status === 'needs_sign_in'
          ? ConsentErrorCode.INDIVIDUAL_SIGN_IN_REQUIRED
          : ConsentErrorCode.INDIVIDUAL_NOT_CONNECTED,
        'conflict',
        connection?.status === 'needs_sign_in'
          ? (connection.statusReason ?? 'Sign in again to reconnect.')
          : 'This individual connection is not connected.',
        { context: { connectionId, status: connection?.status ?? null } },
      );
    }
    return connection;
  }

  private async refresh(connectionId: string): Promise<string> {
    const connection = await this.requireConnected(connectionId);
    const stored = await this.tokens.find(connectionId);
    if (!stored) {
      await this.requireSignIn(connection, 'Rox holds no sign-in for this connection.', null);
      throw this.signInRequired(connection);
    }
    let refreshed;
    try {
      refreshed = await this.graph.delegated.refresh({
        tenant: stored.tenantId,
        refreshToken: this.cipher.decrypt(
          stored.refreshTokenSealed,
          REFRESH_TOKEN_COLUMN,
          stored.orgId,
        ),
        scopes: connection.scopes?.filter((s) => !OIDC_SCOPES.has(s)) ?? [],
      });
    } catch (error) {
      if (error instanceof IdentityError) {
        const reason = signInAgainReason(error);
        if (reason) {
          await this.requireSignIn(connection, reason, error.aadsts);
          throw this.signInRequired(connection);
        }
        throw new ConsentError(
          ConsentErrorCode.MICROSOFT_UNAVAILABLE,
          'unavailable',
          'Microsoft did not issue a token right now; try again shortly.',
          { cause: error, context: { connectionId, kind: error.kind, aadsts: error.aadsts } },
        );
      }
      throw error;
    }
    if (refreshed.refreshToken) {
      const isStored = await this.tokens.rotate(
        connectionId,
        stored.version,
        this.cipher.encrypt(refreshed.refreshToken, REFRESH_TOKEN_COLUMN, stored.orgId),
        this.clock.now(),
      );
      // Another process rotated first; its token is kept. Ours is still a valid access token.
      if (!isStored) this.logger.debug({ connectionId }, 'refresh token rotated elsewhere');
    }
    this.remember(connectionId, refreshed.accessToken, refreshed.expiresOn);
    return refreshed.accessToken;
  }

  private async requireSignIn(
    connection: IndividualConnection,
    reason: string,
    aadsts: number | null,
  ): Promise<void> {
    this.forget(connection.id);
    connection.mark('needs_sign_in', reason, this.clock.now());
    await this.tx.run(async () => {
      await this.connections.save(connection);
      await this.tokens.deleteForConnection(connection.id);
      await this.audit.record({
        orgId: connection.orgId,
        action: 'individual-connections.sign-in-required',
        target: { type: 'individual_connection', id: connection.id },
        details: { roxUserId: connection.roxUserId, kind: connection.kind, reason, aadsts },
      });
    });
    await this.lifecycle.scopeChanged(connection.orgId, {
      cause: 'individual_connection',
      roxUserId: connection.roxUserId,
    });
  }

  private signInRequired(connection: IndividualConnection): ConsentError {
    return new ConsentError(
      ConsentErrorCode.INDIVIDUAL_SIGN_IN_REQUIRED,
      'conflict',
      connection.statusReason ?? 'Sign in again to reconnect.',
      { context: { connectionId: connection.id } },
    );
  }
}

// MSAL adds these to every request itself.
const OIDC_SCOPES = new Set(['openid', 'profile', 'offline_access']);
