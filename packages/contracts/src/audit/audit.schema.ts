import { z } from 'zod';

import { DateTimeInputSchema } from '../common/datetime.schema';
import { pageOf, PageQuerySchema } from '../common/paging.schema';
import { RoxRoleSchema } from '../common/roles.schema';

export const AuditEntrySchema = z
  .object({
    id: z.string(),
    action: z.string().describe('Dotted action name, e.g. `members.upsert`'),
    actor: z.object({
      id: z.string().describe('Rox user id, or `system` for the worker'),
      role: z.union([RoxRoleSchema, z.literal('system')]),
    }),
    target: z.object({ type: z.string(), id: z.string().nullable() }),
    details: z.record(z.string(), z.unknown()),
    requestId: z.string().nullable(),
    createdAt: z.iso.datetime(),
  })
  .meta({ id: 'AuditEntry' });
export type AuditEntry = z.infer<typeof AuditEntrySchema>;

export const ListAuditQuerySchema = PageQuerySchema.extend({
  action: z.string().max(100).optional().describe('Exact action, or a prefix ending in `.*`'),
  actorId: z.string().max(128).optional(),
  from: DateTimeInputSchema.optional(),
  to: DateTimeInputSchema.optional(),
}).refine((q) => !q.from || !q.to || Date.parse(q.from) <= Date.parse(q.to), {
  message: '`from` must not be after `to`',
  path: ['from'],
});
export type ListAuditQuery = z.infer<typeof ListAuditQuerySchema>;

export const AuditPageSchema = pageOf(AuditEntrySchema).meta({ id: 'AuditPage' });
export type AuditPage = z.infer<typeof AuditPageSchema>;
