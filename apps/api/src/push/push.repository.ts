import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';

import { type PushDeliveryStatus, type PushEventType } from '@rox365/contracts';

import { PushAttemptEntry } from './entities/push-attempt.entity';
import { PushDelivery } from './entities/push-delivery.entity';
import { PushEndpoint } from './entities/push-endpoint.entity';

/** Every query of the push feature: endpoints, deliveries and their attempts. */
@Injectable()
export class PushRepository {
  constructor(private readonly em: EntityManager) {}

  // ---- endpoints ------------------------------------------------------------------------------

  async saveEndpoint(endpoint: PushEndpoint): Promise<void> {
    await this.em.persist(endpoint).flush();
  }

  findEndpoint(orgId: string, endpointId: string): Promise<PushEndpoint | null> {
    return this.em.findOne(PushEndpoint, { id: endpointId, orgId });
  }

  /** The org's endpoints, oldest first (an org has a handful: the count is capped). */
  endpoints(orgId: string): Promise<PushEndpoint[]> {
    return this.em.find(PushEndpoint, { orgId }, { orderBy: { createdAt: 'asc', id: 'asc' } });
  }

  countEndpoints(orgId: string): Promise<number> {
    return this.em.count(PushEndpoint, { orgId });
  }

  /** Deletes an endpoint with its deliveries and attempts; false when it was not there. */
  async deleteEndpoint(orgId: string, endpointId: string): Promise<boolean> {
    await this.em.nativeDelete(PushAttemptEntry, { orgId, endpointId });
    await this.em.nativeDelete(PushDelivery, { orgId, endpointId });
    return (await this.em.nativeDelete(PushEndpoint, { orgId, id: endpointId })) === 1;
  }

  // ---- deliveries -----------------------------------------------------------------------------

  /** The endpoint's pending delivery of an event type (its keyed job is the only writer). */
  pendingDelivery(endpointId: string, eventType: PushEventType): Promise<PushDelivery | null> {
    return this.em.findOne(
      PushDelivery,
      { endpointId, eventType, status: 'pending' },
      { orderBy: { createdAt: 'asc' } },
    );
  }

  findDelivery(orgId: string, endpointId: string, deliveryId: string) {
    return this.em.findOne(PushDelivery, { id: deliveryId, orgId, endpointId });
  }

  async saveDelivery(delivery: PushDelivery): Promise<void> {
    await this.em.persist(delivery).flush();
  }

  /** One attempt and the delivery's new state, in one transaction. */
  async recordAttempt(delivery: PushDelivery, attempt: PushAttemptEntry): Promise<void> {
    await this.em.transactional(async (em) => {
      em.persist(attempt);
      em.persist(delivery);
      await em.flush();
    });
  }

  /** An endpoint's deliveries, newest first, keyset-paged on (createdAt, id). */
  deliveries(
    orgId: string,
    endpointId: string,
    query: { status?: PushDeliveryStatus; after?: { createdAt: Date; id: string }; limit: number },
  ): Promise<PushDelivery[]> {
    const after = query.after;
    return this.em.find(
      PushDelivery,
      {
        orgId,
        endpointId,
        ...(query.status ? { status: query.status } : {}),
        ...(after
          ? {
              $or: [
                { createdAt: { $lt: after.createdAt } },
                { createdAt: after.createdAt, id: { $lt: after.id } },
              ],
            }
          : {}),
      },
      { orderBy: { createdAt: 'desc', id: 'desc' }, limit: query.limit },
    );
  }

  /** The attempts of some deliveries (a page of them), in attempt order. */
  attemptsOf(orgId: string, deliveryIds: string[]): Promise<PushAttemptEntry[]> {
    if (deliveryIds.length === 0) return Promise.resolve([]);
    return this.em.find(
      PushAttemptEntry,
      { orgId, deliveryId: { $in: deliveryIds } },
      { orderBy: { deliveryId: 'asc', number: 'asc' } },
    );
  }

  // ---- disconnect -----------------------------------------------------------------------------

  purgeOrgDeliveries(orgId: string): Promise<number> {
    return this.em.nativeDelete(PushDelivery, { orgId });
  }

  purgeOrgAttempts(orgId: string): Promise<number> {
    return this.em.nativeDelete(PushAttemptEntry, { orgId });
  }
}
