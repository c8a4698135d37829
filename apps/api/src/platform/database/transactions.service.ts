import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';

/**
 * The unit-of-work port: `run(work)` commits everything `work` writes, or nothing.
 *
 * Repositories keep using the injected EntityManager; inside `run` MikroORM's transaction
 * context (AsyncLocalStorage) hands them the transaction's fork, so their flushes, inserts and
 * native queries all go through the one transaction without passing anything around. A nested
 * `run` becomes a savepoint. Audited writes go through here: the domain write and
 * `AuditLog.record` inside one `run`.
 */
@Injectable()
export class Transactions {
  constructor(private readonly em: EntityManager) {}

  run<T>(work: () => Promise<T>): Promise<T> {
    return this.em.transactional(() => work());
  }

  /** True inside `run` (or any MikroORM transaction) on this async path. */
  isActive(): boolean {
    return this.em.isInTransaction();
  }
}
