import {
  type PushAttempt,
  type PushDelivery as PushDeliveryContract,
  type PushEndpoint as PushEndpointContract,
} from '@rox365/contracts';

import { type PushAttemptEntry } from './entities/push-attempt.entity';
import { type PushDelivery } from './entities/push-delivery.entity';
import { type PushEndpoint } from './entities/push-endpoint.entity';

export function endpointToContract(e: PushEndpoint): PushEndpointContract {
  return {
    id: e.id,
    url: e.url,
    eventTypes: e.eventTypes,
    description: e.description,
    createdAt: e.createdAt.toISOString(),
    secretRotatedAt: e.secretRotatedAt.toISOString(),
  };
}

export function attemptToContract(a: PushAttemptEntry): PushAttempt {
  return {
    number: a.number,
    at: a.at.toISOString(),
    statusCode: a.statusCode,
    error: a.error,
    durationMs: a.durationMs,
    responseSnippet: a.responseSnippet,
  };
}

export function deliveryToContract(
  d: PushDelivery,
  attempts: readonly PushAttemptEntry[],
): PushDeliveryContract {
  return {
    id: d.id,
    endpointId: d.endpointId,
    eventType: d.eventType,
    status: d.status,
    cursor: d.cursor,
    occurredAt: d.occurredAt.toISOString(),
    createdAt: d.createdAt.toISOString(),
    updatedAt: d.updatedAt.toISOString(),
    attempts: attempts.map(attemptToContract),
  };
}
