import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';

import { AuthState, type AuthFlow } from './auth-state.entity';

/** Every query on sign-in and consent states. */
@Injectable()
export class AuthStateRepository {
  constructor(private readonly em: EntityManager) {}

  async add(state: AuthState): Promise<void> {
    await this.em.persistAndFlush(state);
  }

  findByHash(stateHash: string): Promise<AuthState | null> {
    return this.em.findOne(AuthState, { stateHash });
  }

  /**
   * Marks the state used if nobody has yet; false when another request got there first, so
   * two callbacks racing with one state cannot both go on.
   */
  async markUsed(id: string, now: Date): Promise<boolean> {
    const updated = await this.em.nativeUpdate(AuthState, { id, usedAt: null }, { usedAt: now });
    return updated === 1;
  }

  /** An unused, unexpired state of the org's flow, if any (org-wide status `consent_pending`). */
  findPending(orgId: string, flow: AuthFlow, now: Date): Promise<AuthState | null> {
    return this.em.findOne(
      AuthState,
      { orgId, flow, usedAt: null, expiresAt: { $gt: now } },
      { orderBy: { createdAt: 'desc' } },
    );
  }

  /** Removes the sign-in states of individual connections; returns the number of rows deleted. */
  deleteForConnections(connectionIds: readonly string[]): Promise<number> {
    if (connectionIds.length === 0) return Promise.resolve(0);
    return this.em.nativeDelete(AuthState, { connectionId: { $in: [...connectionIds] } });
  }

  /** Removes the org's states (of one flow, or all); returns the number of rows deleted. */
  deleteForOrg(orgId: string, flow?: AuthFlow): Promise<number> {
    return this.em.nativeDelete(AuthState, flow ? { orgId, flow } : { orgId });
  }
}
