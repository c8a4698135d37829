import { randomUUID } from 'node:crypto';

import { Injectable, Logger } from '@nestjs/common';

import { PUSH_SIGNATURE_HEADER, type PushNotice } from '@rox365/contracts';

import { AppConfig } from '../config/app-config';
import { Cipher } from '../platform/crypto/cipher.service';
import { LifecycleRegistry } from '../platform/lifecycle/lifecycle-registry.service';
import { Clock } from '../platform/time/clock';
import { PushAttemptEntry } from './entities/push-attempt.entity';
import { PushDelivery } from './entities/push-delivery.entity';
import { type PushDeliveryJob } from './push-jobs.service';
import { signPush } from './push-signature';
import { PushTransport } from './push-transport';
import { PUSH_SECRET_CONTEXT } from './push.constants';
import { PushError, PushErrorCode } from './push.errors';
import { PushRepository } from './push.repository';

export type PushDeliveryOutcome = 'delivered' | 'endpoint_gone';

/**
 * One attempt of one delivery (the job body): the endpoint's pending delivery of the event
 * type (created on the first attempt), the feed's head as its cursor, signed, POSTed, logged.
 * A failed attempt throws a retryable error; the last one marks the delivery dead first.
 */
@Injectable()
export class PushDeliveryService {
  private readonly logger = new Logger('push');

  constructor(
    private readonly repo: PushRepository,
    private readonly cipher: Cipher,
    private readonly transport: PushTransport,
    private readonly lifecycle: LifecycleRegistry,
    private readonly clock: Clock,
    private readonly config: AppConfig,
  ) {}

  async attempt(job: PushDeliveryJob, isFinalAttempt: boolean): Promise<PushDeliveryOutcome> {
    const endpoint = await this.repo.findEndpoint(job.orgId, job.endpointId);
    // Deleted (or the org disconnected) since the job was queued: nothing to tell anyone.
    if (!endpoint) return 'endpoint_gone';

    const now = this.clock.now();
    const delivery =
      (await this.repo.pendingDelivery(endpoint.id, job.eventType)) ??
      new PushDelivery({
        id: randomUUID(),
        orgId: job.orgId,
        endpointId: endpoint.id,
        eventType: job.eventType,
        occurredAt: new Date(job.occurredAt),
        now,
      });
    delivery.cursor = await this.cursorFor(job);
    const notice: PushNotice = {
      id: delivery.id,
      type: delivery.eventType,
      orgId: delivery.orgId,
      cursor: delivery.cursor,
      occurredAt: delivery.occurredAt.toISOString(),
    };
    const body = JSON.stringify(notice);
    const secret = this.cipher.decrypt(endpoint.secretSealed, PUSH_SECRET_CONTEXT, endpoint.orgId);
    const result = await this.transport.post(
      endpoint.url,
      body,
      {
        'content-type': 'application/json',
        'user-agent': 'Rox365-Push/1',
        [PUSH_SIGNATURE_HEADER]: signPush(secret, Math.floor(now.getTime() / 1000), body),
        'rox-event': delivery.eventType,
        'rox-delivery': delivery.id,
      },
      this.config.push.timeoutMs,
    );

    delivery.attemptCount += 1;
    delivery.updatedAt = this.clock.now();
    const delivered = result.error === null;
    if (delivered) delivery.status = 'delivered';
    else if (isFinalAttempt) delivery.status = 'dead';
    await this.repo.recordAttempt(
      delivery,
      new PushAttemptEntry({
        orgId: delivery.orgId,
        endpointId: endpoint.id,
        deliveryId: delivery.id,
        number: delivery.attemptCount,
        at: now,
        ...result,
      }),
    );
    if (delivered) return 'delivered';

    this.logger.warn(
      {
        orgId: delivery.orgId,
        endpointId: endpoint.id,
        deliveryId: delivery.id,
        statusCode: result.statusCode,
        error: result.error,
        dead: isFinalAttempt,
      },
      'push attempt failed',
    );
    throw new PushError(
      PushErrorCode.PUSH_RECEIVER_FAILED,
      'unavailable',
      'The receiver did not accept the notice.',
      { context: { statusCode: result.statusCode, error: result.error } },
    );
  }

  private async cursorFor(job: PushDeliveryJob): Promise<string | null> {
    switch (job.eventType) {
      case 'calendar.changed':
        return (await this.lifecycle.feedHead('calendar', job.orgId)) ?? '0';
      case 'mail.changed':
        return (await this.lifecycle.feedHead('mail', job.orgId)) ?? '0';
      case 'connection.changed':
        // No feed: the receiver reads the org's status.
        return null;
    }
  }
}
