import { z } from 'zod';

// What Microsoft Graph posts to the change-notification receiver. Everything in it is
// attacker-controlled until the subscription id and clientState check out; the receiver keeps
// only what identifies the subscription, never the resource data.

/** The validation handshake: Graph POSTs `?validationToken=…` and expects it back as text. */
export const GraphValidationQuerySchema = z.object({
  validationToken: z
    .string()
    .max(1024)
    .optional()
    .describe('Present only on the validation handshake; answered 200 text/plain, unchanged'),
});
export type GraphValidationQuery = z.infer<typeof GraphValidationQuerySchema>;

const subscriptionId = z.string().min(1).max(128);
const clientState = z.string().max(256).nullable().optional();

/** One change notification (basic, without resource data as far as the receiver cares). */
export const GraphChangeNotificationSchema = z
  .object({
    subscriptionId,
    clientState,
    changeType: z.string().max(64).optional(),
    tenantId: z.string().max(64).optional(),
  })
  .meta({ id: 'GraphChangeNotification' });
export type GraphChangeNotification = z.infer<typeof GraphChangeNotificationSchema>;

export const GraphChangeNotificationBatchSchema = z
  .object({ value: z.array(GraphChangeNotificationSchema).max(1000).default([]) })
  .meta({ id: 'GraphChangeNotificationBatch' });
export type GraphChangeNotificationBatch = z.infer<typeof GraphChangeNotificationBatchSchema>;

/** One lifecycle notification. */
export const GraphLifecycleNotificationSchema = z
  .object({
    subscriptionId,
    clientState,
    lifecycleEvent: z.string().max(64),
    tenantId: z.string().max(64).optional(),
  })
  .meta({ id: 'GraphLifecycleNotification' });
export type GraphLifecycleNotification = z.infer<typeof GraphLifecycleNotificationSchema>;

export const GraphLifecycleNotificationBatchSchema = z
  .object({ value: z.array(GraphLifecycleNotificationSchema).max(1000).default([]) })
  .meta({ id: 'GraphLifecycleNotificationBatch' });
export type GraphLifecycleNotificationBatch = z.infer<typeof GraphLifecycleNotificationBatchSchema>;

/** A channel's reason while its change notifications are off and polling alone keeps it. */
export const NOTIFICATIONS_DEGRADED = 'notifications_degraded';
