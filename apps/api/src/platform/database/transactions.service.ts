import { setTimeout as sleep } from 'node:timers/promises';

import {
  DeadlockException,
  LockWaitTimeoutException,
  UniqueConstraintViolationException,
} from '@mikro-orm/core';
import { EntityManager, RequestContext } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';

/** Postgres gave up on the transaction because of another one: running it again is safe. */
export function isTransientConflict(error: unknown): boolean {
  // DeadlockException also covers serialization failures (40001) in MikroORM's converter.
  return error instanceof DeadlockException || error instanceof LockWaitTimeoutException;
}

/**
 * Runs a read-then-insert `work` once more when its insert lost to a concurrent request that
 * inserted the same key after the read: the second run reads the winner's row and updates it, so
 * two first PUTs of one resource both succeed instead of one answering a 500. `work` must be safe to
 * repeat (its transaction rolled back).
 */
export async function againAfterUniqueRace<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (!(error instanceof UniqueConstraintViolationException)) throw error;
    return work();
  }
}

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

  /**
   * `run`, again from the start when Postgres aborts it for a deadlock or serialization
   * failure. For wide writes that race jobs still finishing a round (a purge on disconnect):
   * `work` must only touch the database, since a retry repeats all of it.
   */
  async runRetrying<T>(work: () => Promise<T>, attempts = 4): Promise<T> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.run(work);
      } catch (error) {
        if (attempt >= attempts || !isTransientConflict(error) || this.isActive()) throw error;
        // A short random pause lets the other transaction finish before we retry.
        await sleep(25 * attempt + Math.floor(Math.random() * 50));
      }
    }
  }

  /**
   * Runs `work` with an identity map of its own, dropped when it ends: a job that walks every
   * mailbox of a large org in chunks keeps one chunk's entities, not all of them.
   */
  fresh<T>(work: () => Promise<T>): Promise<T> {
    return RequestContext.create(this.em.fork(), work);
  }

  /** `work` over `items` in chunks of `size`, one after another, each chunk `fresh`. */
  async freshChunks<T>(
    items: readonly T[],
    size: number,
    work: (chunk: T[]) => Promise<void>,
  ): Promise<void> {
    for (let i = 0; i < items.length; i += size) {
      const chunk = items.slice(i, i + size);
      await this.fresh(() => work(chunk));
    }
  }

  /**
   * Forgets the entities loaded or written so far on this async path (inside `run`, the
   * transaction's; the transaction goes on). For a long transaction that works batch by batch
   * and has written each batch: without it every batch's entities stay until the commit.
   */
  forgetLoaded(): void {
    this.em.clear();
  }

  /** True inside `run` (or any MikroORM transaction) on this async path. */
  isActive(): boolean {
    return this.em.isInTransaction();
  }
}
