import { z } from 'zod';

import { pageOf, PageQuerySchema } from '../common/paging.schema';

/** What a Rox backend can subscribe to. Each notice says only that something changed. */
export const PushEventTypeSchema = z
  .enum(['calendar.changed', 'mail.changed', 'connection.changed'])
  .meta({ id: 'PushEventType' });
export type PushEventType = z.infer<typeof PushEventTypeSchema>;

export const PUSH_EVENT_TYPES = PushEventTypeSchema.options;

export const CreatePushEndpointRequestSchema = z
  .object({
    url: z
      .string()
      .trim()
      .min(1)
      .max(2048)
      .describe('https; http only to 127.0.0.1 or localhost where the deployment allows it'),
    eventTypes: z
      .array(PushEventTypeSchema)
      .min(1)
      .max(PUSH_EVENT_TYPES.length)
      .refine((types) => new Set(types).size === types.length, 'event types must be unique'),
    description: z.string().trim().max(200).optional(),
  })
  .meta({ id: 'CreatePushEndpointRequest' });
export type CreatePushEndpointRequest = z.infer<typeof CreatePushEndpointRequestSchema>;

export const PushEndpointSchema = z
  .object({
    id: z.uuid(),
    url: z.string(),
    eventTypes: z.array(PushEventTypeSchema),
    description: z.string(),
    createdAt: z.iso.datetime(),
    secretRotatedAt: z.iso.datetime(),
  })
  .meta({ id: 'PushEndpoint' });
export type PushEndpoint = z.infer<typeof PushEndpointSchema>;

/** An endpoint with its signing secret: answered once, at creation or rotation, never again. */
export const PushEndpointWithSecretSchema = PushEndpointSchema.extend({
  secret: z.string().describe('The HMAC-SHA256 key, as UTF-8 text; store it now'),
}).meta({ id: 'PushEndpointWithSecret' });
export type PushEndpointWithSecret = z.infer<typeof PushEndpointWithSecretSchema>;

export const PushEndpointListSchema = z
  .object({ items: z.array(PushEndpointSchema) })
  .meta({ id: 'PushEndpointList' });
export type PushEndpointList = z.infer<typeof PushEndpointListSchema>;

export const PushEndpointParamsSchema = z.object({ endpointId: z.uuid() });
export type PushEndpointParams = z.infer<typeof PushEndpointParamsSchema>;

export const PushDeliveryParamsSchema = z.object({ endpointId: z.uuid(), deliveryId: z.uuid() });
export type PushDeliveryParams = z.infer<typeof PushDeliveryParamsSchema>;

export const PushDeliveryStatusSchema = z
  .enum(['pending', 'delivered', 'dead'])
  .meta({ id: 'PushDeliveryStatus' });
export type PushDeliveryStatus = z.infer<typeof PushDeliveryStatusSchema>;

/** Why an attempt failed, when the receiver gave no 2xx. */
export const PushAttemptErrorSchema = z
  .enum(['http_status', 'timeout', 'connection_failed', 'redirect_refused', 'address_refused'])
  .meta({ id: 'PushAttemptError' });
export type PushAttemptError = z.infer<typeof PushAttemptErrorSchema>;

export const PushAttemptSchema = z
  .object({
    number: z.number().int().min(1),
    at: z.iso.datetime(),
    statusCode: z.number().int().nullable(),
    error: PushAttemptErrorSchema.nullable(),
    durationMs: z.number().int().min(0),
    responseSnippet: z
      .string()
      .nullable()
      .describe('The start of the receiver’s answer, capped; not kept beyond that'),
  })
  .meta({ id: 'PushAttempt' });
export type PushAttempt = z.infer<typeof PushAttemptSchema>;

export const PushDeliverySchema = z
  .object({
    id: z.uuid(),
    endpointId: z.uuid(),
    eventType: PushEventTypeSchema,
    status: PushDeliveryStatusSchema,
    cursor: z.string().nullable().describe('The change-feed cursor the last attempt carried'),
    occurredAt: z.iso.datetime(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
    attempts: z.array(PushAttemptSchema),
  })
  .meta({ id: 'PushDelivery' });
export type PushDelivery = z.infer<typeof PushDeliverySchema>;

export const ListPushDeliveriesQuerySchema = PageQuerySchema.extend({
  status: PushDeliveryStatusSchema.optional(),
});
export type ListPushDeliveriesQuery = z.infer<typeof ListPushDeliveriesQuerySchema>;

export const PushDeliveryPageSchema = pageOf(PushDeliverySchema).meta({ id: 'PushDeliveryPage' });
export type PushDeliveryPage = z.infer<typeof PushDeliveryPageSchema>;

export const RedeliverResultSchema = z
  .object({
    outcome: z
      .enum(['queued', 'already_queued', 'rerun_requested'])
      .describe('A fresh delivery with the current cursor; a pending one absorbs the request'),
  })
  .meta({ id: 'RedeliverResult' });
export type RedeliverResult = z.infer<typeof RedeliverResultSchema>;

/**
 * The body of every push: a small notice, never the data. A receiver reads the change feed
 * (`GET /calendar/changes` or `/mail/changes`) from its own last cursor; `cursor` is the feed's
 * head when the notice was sent (null for connection.changed: read `GET /orgwide/status`).
 */
export const PushNoticeSchema = z
  .object({
    id: z.uuid().describe('The delivery id; the same across retries of one delivery'),
    type: PushEventTypeSchema,
    orgId: z.string(),
    cursor: z.string().nullable(),
    occurredAt: z.iso.datetime(),
  })
  .meta({ id: 'PushNotice' });
export type PushNotice = z.infer<typeof PushNoticeSchema>;
