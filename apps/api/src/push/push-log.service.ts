import { Injectable } from '@nestjs/common';

import {
  type ListPushDeliveriesQuery,
  type PushDeliveryPage,
  type RedeliverResult,
} from '@rox365/contracts';

import { AuditLog } from '../platform/audit/audit-log.service';
import {
  afterCreatedAt,
  createdAtKey,
  decodeCursor,
  keysetPage,
} from '../platform/http/keyset-page';
import { PushJobs } from './push-jobs.service';
import { PushError, PushErrorCode } from './push.errors';
import { deliveryToContract } from './push.mapper';
import { PushRepository } from './push.repository';

const DELIVERIES_LIST = 'push_deliveries';

/** The delivery log an admin reads, and the manual redelivery of a dead notice. */
@Injectable()
export class PushLogService {
  constructor(
    private readonly repo: PushRepository,
    private readonly jobs: PushJobs,
    private readonly audit: AuditLog,
  ) {}

  async deliveries(
    orgId: string,
    endpointId: string,
    query: ListPushDeliveriesQuery,
  ): Promise<PushDeliveryPage> {
    await this.mustFindEndpoint(orgId, endpointId);
    const rows = await this.repo.deliveries(orgId, endpointId, {
      ...(query.status ? { status: query.status } : {}),
      ...afterCreatedAt(decodeCursor(DELIVERIES_LIST, query.cursor)),
      limit: query.limit + 1,
    });
    const page = keysetPage(rows, query.limit, DELIVERIES_LIST, createdAtKey);
    const attempts = await this.repo.attemptsOf(
      orgId,
      page.items.map((d) => d.id),
    );
    return {
      items: page.items.map((d) =>
        deliveryToContract(
          d,
          attempts.filter((a) => a.deliveryId === d.id),
        ),
      ),
      nextCursor: page.nextCursor,
    };
  }

  /**
   * Tells the receiver again, with the feed's current head (which covers everything the dead
   * notice announced): a fresh delivery, or the pending one if there is one.
   */
  async redeliver(orgId: string, endpointId: string, deliveryId: string): Promise<RedeliverResult> {
    await this.mustFindEndpoint(orgId, endpointId);
    const delivery = await this.repo.findDelivery(orgId, endpointId, deliveryId);
    if (!delivery) {
      throw new PushError(PushErrorCode.PUSH_DELIVERY_NOT_FOUND, 'not_found', 'No such delivery.');
    }
    if (delivery.status !== 'dead') {
      throw new PushError(
        PushErrorCode.PUSH_DELIVERY_NOT_DEAD,
        'conflict',
        'Only a dead delivery can be redelivered.',
      );
    }
    const outcome = await this.jobs.enqueue(orgId, endpointId, delivery.eventType);
    await this.audit.record({
      orgId,
      action: 'push.redelivery_requested',
      target: { type: 'push_delivery', id: delivery.id },
      details: { endpointId, eventType: delivery.eventType, outcome },
    });
    return { outcome };
  }

  private async mustFindEndpoint(orgId: string, endpointId: string): Promise<void> {
    if (!(await this.repo.findEndpoint(orgId, endpointId))) {
      throw new PushError(
        PushErrorCode.PUSH_ENDPOINT_NOT_FOUND,
        'not_found',
        'No such push endpoint.',
      );
    }
  }
}
