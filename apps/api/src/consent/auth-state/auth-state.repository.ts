import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';

import { ConsentState } from './entities/consent-state.entity';

/** Every query on admin-consent states. */
@Injectable()
export class ConsentStateRepository {
  constructor(private readonly em: EntityManager) {}

  async add(state: ConsentState): Promise<void> {
    await this.em.persistAndFlush(state);
  }

  findByHash(stateHash: string): Promise<ConsentState | null> {
    return this.em.findOne(ConsentState, { stateHash });
  }

  /**
   * Marks the state used if nobody has yet; false when another request got there first, so
   * two callbacks racing with one state cannot both go on.
   */
  async markUsed(id: string, now: Date): Promise<boolean> {
    const updated = await this.em.nativeUpdate(ConsentState, { id, usedAt: null }, { usedAt: now });
    return updated === 1;
  }

  /** An unused, unexpired attempt of the org, if any (status `consent_pending`). */
  findPending(orgId: string, now: Date): Promise<ConsentState | null> {
    return this.em.findOne(
      ConsentState,
      { orgId, usedAt: null, expiresAt: { $gt: now } },
      { orderBy: { createdAt: 'desc' } },
    );
  }

  deleteForOrg(orgId: string): Promise<number> {
    return this.em.nativeDelete(ConsentState, { orgId });
  }
}
