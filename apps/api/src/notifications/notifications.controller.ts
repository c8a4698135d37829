import { Controller, Post, Res } from '@nestjs/common';
import { type Response } from 'express';

import {
  GraphChangeNotificationBatchSchema,
  GraphLifecycleNotificationBatchSchema,
  GraphValidationQuerySchema,
  type GraphChangeNotificationBatch,
  type GraphLifecycleNotificationBatch,
  type GraphValidationQuery,
} from '@rox365/contracts';

import { Public } from '../platform/auth/access.decorators';
import { Contract, ValidBody, ValidQuery } from '../platform/http/contract.decorators';
import { Metrics } from '../platform/metrics/metrics.service';
import { NotificationIntake } from './notification-intake.service';

const TAGS = ['graph-notifications'];
const PUBLIC_REASON =
  'Microsoft Graph posts change and lifecycle notifications here; nothing is trusted: the worker checks the subscription id and clientState (hashed, constant time) and only then runs a delta round';

// The handshake: 200 text/plain with the token as Express decoded it from the query string.
function answerValidation(res: Response, token: string): void {
  res.status(200).type('text/plain; charset=utf-8').send(token);
}

/**
 * Microsoft Graph's change-notification receiver. Answers the validation handshake, and
 * otherwise queues what arrived and answers 202 at once (Graph wants 2xx within 3 s), whether
 * or not the subscription is ours: a forged notification learns nothing.
 */
@Controller('graph')
export class NotificationsController {
  constructor(
    private readonly intake: NotificationIntake,
    private readonly metrics: Metrics,
  ) {}

  @Post('notifications')
  @Public(PUBLIC_REASON)
  @Contract({
    summary:
      'Graph change notifications: 202 once queued; with ?validationToken= the handshake, answered 200 text/plain',
    status: 202,
    tags: TAGS,
  })
  async notifications(
    @ValidQuery(GraphValidationQuerySchema) query: GraphValidationQuery,
    @ValidBody(GraphChangeNotificationBatchSchema) body: GraphChangeNotificationBatch,
    @Res() res: Response,
  ): Promise<void> {
    if (query.validationToken !== undefined) return answerValidation(res, query.validationToken);
    const started = performance.now();
    await this.intake.changes(body.value);
    res.status(202).end();
    this.metrics.observeWebhookReceipt((performance.now() - started) / 1000);
  }

  @Post('lifecycle')
  @Public(PUBLIC_REASON)
  @Contract({
    summary:
      'Graph lifecycle notifications (reauthorizationRequired, subscriptionRemoved, missed): 202 once queued; with ?validationToken= the handshake',
    status: 202,
    tags: TAGS,
  })
  async lifecycle(
    @ValidQuery(GraphValidationQuerySchema) query: GraphValidationQuery,
    @ValidBody(GraphLifecycleNotificationBatchSchema) body: GraphLifecycleNotificationBatch,
    @Res() res: Response,
  ): Promise<void> {
    if (query.validationToken !== undefined) return answerValidation(res, query.validationToken);
    const started = performance.now();
    await this.intake.lifecycle(body.value);
    res.status(202).end();
    this.metrics.observeWebhookReceipt((performance.now() - started) / 1000);
  }
}
