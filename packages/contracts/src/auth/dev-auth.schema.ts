import { z } from 'zod';

import { MemberRoleSchema } from '../common/roles.schema';

/** A member of the seeded demo org that can sign in when the API runs with ROX_AUTH_MODE=dev. */
export const DevIdentitySchema = z
  .object({
    roxUserId: z.string(),
    email: z.email(),
    displayName: z.string(),
    role: MemberRoleSchema,
  })
  .meta({ id: 'DevIdentity' });
export type DevIdentity = z.infer<typeof DevIdentitySchema>;

export const DevIdentityListSchema = z.object({
  orgId: z.string(),
  items: z.array(DevIdentitySchema),
});
export type DevIdentityList = z.infer<typeof DevIdentityListSchema>;

export const DevSignInRequestSchema = z
  .object({ roxUserId: z.string().min(1) })
  .meta({ id: 'DevSignInRequest' });
export type DevSignInRequest = z.infer<typeof DevSignInRequestSchema>;

export const SessionSchema = z
  .object({
    accessToken: z.string(),
    expiresAt: z.iso.datetime(),
    caller: z.object({
      roxUserId: z.string(),
      orgId: z.string(),
      email: z.string(),
      role: MemberRoleSchema,
      displayName: z.string(),
    }),
  })
  .meta({ id: 'Session' });
export type Session = z.infer<typeof SessionSchema>;

/**
 * The browser session as the SPA sees it (GET /dev/session): who is signed in and until when.
 * The token itself stays in an HttpOnly cookie the page cannot read.
 */
export const CurrentSessionSchema = SessionSchema.omit({ accessToken: true }).meta({
  id: 'CurrentSession',
});
export type CurrentSession = z.infer<typeof CurrentSessionSchema>;

export const CallerSchema = z
  .object({
    roxUserId: z.string(),
    orgId: z.string(),
    email: z.string().nullable(),
    role: z.enum(['admin', 'member', 'service']),
  })
  .meta({ id: 'Caller' });
export type Caller = z.infer<typeof CallerSchema>;
