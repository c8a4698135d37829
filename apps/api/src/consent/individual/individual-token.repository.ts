import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';

import { IndividualToken } from './individual-token.entity';

/** Every query on sealed refresh tokens. */
@Injectable()
export class IndividualTokenRepository {
  constructor(private readonly em: EntityManager) {}

  find(connectionId: string): Promise<IndividualToken | null> {
    // Always from the database: a rotation by another process must be seen.
    return this.em.findOne(IndividualToken, { connectionId }, { refresh: true });
  }

  /** Stores the token of a fresh sign-in, replacing any earlier one of the connection. */
  async replace(token: IndividualToken): Promise<void> {
    await this.em.nativeDelete(IndividualToken, { connectionId: token.connectionId });
    await this.em.insert(IndividualToken, token);
  }

  /**
   * Stores a rotated token if nobody rotated since `expectedVersion` was read; false when another
   * refresh got there first (its token is the one kept).
   */
  async rotate(
    connectionId: string,
    expectedVersion: number,
    refreshTokenSealed: string,
    now: Date,
  ): Promise<boolean> {
    const updated = await this.em.nativeUpdate(
      IndividualToken,
      { connectionId, version: expectedVersion },
      { refreshTokenSealed, version: expectedVersion + 1, rotatedAt: now },
    );
    return updated === 1;
  }

  deleteForConnection(connectionId: string): Promise<number> {
    return this.em.nativeDelete(IndividualToken, { connectionId });
  }

  deleteForConnections(connectionIds: readonly string[]): Promise<number> {
    if (connectionIds.length === 0) return Promise.resolve(0);
    return this.em.nativeDelete(IndividualToken, { connectionId: { $in: [...connectionIds] } });
  }

  purgeMember(orgId: string, roxUserId: string): Promise<number> {
    return this.em.nativeDelete(IndividualToken, { orgId, roxUserId });
  }
}
