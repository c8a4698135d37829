import { type FilterQuery } from '@mikro-orm/core';
import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';

import { findPlain } from '../platform/database/plain-rows';
import { Member, normalizeEmail } from './entities/member.entity';

/** Every query on Rox org members. Each one is scoped by org. */
@Injectable()
export class MemberRepository {
  constructor(private readonly em: EntityManager) {}

  findOne(orgId: string, roxUserId: string): Promise<Member | null> {
    return this.em.findOne(Member, { orgId, roxUserId });
  }

  findByEmail(orgId: string, email: string): Promise<Member | null> {
    return this.em.findOne(Member, { orgId, emailNormalized: normalizeEmail(email) });
  }

  /**
   * Held until the transaction ends: writes of one email in an org run one after the other, so
   * each sees the member the previous one wrote (emails carry no unique index).
   */
  async lockEmail(orgId: string, email: string): Promise<void> {
    await this.em.execute('select pg_advisory_xact_lock(hashtext(?))', [
      `member_email:${orgId}:${normalizeEmail(email)}`,
    ]);
  }

  /** Keyset page ordered by roxUserId, as plain rows (read-only). */
  async page(
    orgId: string,
    options: { afterRoxUserId?: string; q?: string; limit: number },
  ): Promise<Member[]> {
    const where: FilterQuery<Member> = { orgId };
    if (options.afterRoxUserId) where.roxUserId = { $gt: options.afterRoxUserId };
    if (options.q) {
      const like = `%${options.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      where.$or = [{ emailNormalized: { $ilike: like } }, { displayName: { $ilike: like } }];
    }
    return findPlain(this.em, Member, where, {
      orderBy: { roxUserId: 'asc' },
      limit: options.limit,
    });
  }

  /** Members after `afterRoxUserId` in roxUserId order, outside the identity map (jobs). */
  batch(orgId: string, afterRoxUserId: string | undefined, limit: number): Promise<Member[]> {
    return this.em.find(
      Member,
      { orgId, ...(afterRoxUserId !== undefined ? { roxUserId: { $gt: afterRoxUserId } } : {}) },
      { orderBy: { roxUserId: 'asc' }, limit, disableIdentityMap: true },
    );
  }

  listAll(orgId: string): Promise<Member[]> {
    return this.em.find(Member, { orgId }, { orderBy: { roxUserId: 'asc' } });
  }

  async save(member: Member): Promise<void> {
    await this.em.persistAndFlush(member);
  }

  async remove(member: Member): Promise<void> {
    await this.em.removeAndFlush(member);
  }
}
