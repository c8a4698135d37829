import { z } from 'zod';

/** Roles carried in the `role` claim of a Rox platform token. */
export const RoxRoleSchema = z.enum(['admin', 'member', 'service']);
export type RoxRole = z.infer<typeof RoxRoleSchema>;

/** Roles a Rox org member can hold (services are not members). */
export const MemberRoleSchema = z.enum(['admin', 'member']);
export type MemberRole = z.infer<typeof MemberRoleSchema>;
