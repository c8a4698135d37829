import { randomUUID } from 'node:crypto';

import { PushAttemptEntry } from '../../src/push/entities/push-attempt.entity';
import { PushDelivery } from '../../src/push/entities/push-delivery.entity';
import { PushEndpoint } from '../../src/push/entities/push-endpoint.entity';
import { FACTORY_NOW } from './member.factory';

type EndpointProps = ConstructorParameters<typeof PushEndpoint>[0];
type DeliveryProps = ConstructorParameters<typeof PushDelivery>[0];
type AttemptProps = ConstructorParameters<typeof PushAttemptEntry>[0];

/** A push endpoint for every event type (the sealed secret is a stand-in, not an envelope). */
export function buildPushEndpoint(over: Partial<EndpointProps> & { orgId: string }): PushEndpoint {
  return new PushEndpoint({
    id: randomUUID(),
    url: 'https://rox.example/hooks/m365',
    eventTypes: ['calendar.changed', 'mail.changed', 'connection.changed'],
    description: '',
    secretSealed: 'sealed-secret',
    now: FACTORY_NOW,
    ...over,
  });
}

export function buildPushDelivery(
  over: Partial<DeliveryProps> & { orgId: string; endpointId: string },
): PushDelivery {
  return new PushDelivery({
    id: randomUUID(),
    eventType: 'calendar.changed',
    occurredAt: FACTORY_NOW,
    now: FACTORY_NOW,
    ...over,
  });
}

export function buildPushAttempt(
  over: Partial<AttemptProps> & { orgId: string; endpointId: string; deliveryId: string },
): PushAttemptEntry {
  return new PushAttemptEntry({
    number: 1,
    at: FACTORY_NOW,
    statusCode: 200,
    error: null,
    durationMs: 12,
    responseSnippet: 'ok',
    ...over,
  });
}
