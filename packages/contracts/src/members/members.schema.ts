import { z } from 'zod';

import { pageOf, PageQuerySchema } from '../common/paging.schema';
import { MemberRoleSchema } from '../common/roles.schema';

export const RoxUserIdSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9._:-]+$/, 'may contain letters, digits, ".", "_", ":" and "-" only');

export const MemberSchema = z
  .object({
    roxUserId: RoxUserIdSchema,
    email: z.email(),
    displayName: z.string(),
    role: MemberRoleSchema,
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .meta({ id: 'Member' });
export type Member = z.infer<typeof MemberSchema>;

export const PutMemberRequestSchema = z
  .object({
    email: z.email().max(320),
    displayName: z.string().trim().min(1).max(200),
    role: MemberRoleSchema,
  })
  .meta({ id: 'PutMemberRequest' });
export type PutMemberRequest = z.infer<typeof PutMemberRequestSchema>;

export const MemberParamsSchema = z.object({ roxUserId: RoxUserIdSchema });

export const ListMembersQuerySchema = PageQuerySchema.extend({
  q: z
    .string()
    .trim()
    .max(200)
    .optional()
    .describe('Case-insensitive match on email or display name'),
});
export type ListMembersQuery = z.infer<typeof ListMembersQuerySchema>;

export const MemberPageSchema = pageOf(MemberSchema).meta({ id: 'MemberPage' });
export type MemberPage = z.infer<typeof MemberPageSchema>;
