import { z } from 'zod';

import { pageOf, PageQuerySchema } from '../common/paging.schema';
import { CalendarAccessSchema, EmailAccessSchema } from '../orgwide/orgwide.schema';

export const ProbeOutcomeSchema = z.enum([
  'granted',
  'denied_by_policy',
  'no_mailbox',
  'permission_not_granted',
  'user_not_found',
  'error',
]);
export type ProbeOutcome = z.infer<typeof ProbeOutcomeSchema>;

export const ProbeResultSchema = z
  .object({
    roxUserId: z.string(),
    email: z.string(),
    directoryUserId: z.string().nullable(),
    mail: ProbeOutcomeSchema,
    calendar: ProbeOutcomeSchema,
    checkedAt: z.iso.datetime(),
    nextAction: z.string().nullable().describe('What the admin should do, when anything'),
  })
  .meta({ id: 'ProbeResult' });
export type ProbeResult = z.infer<typeof ProbeResultSchema>;

export const RunProbeRequestSchema = z
  .object({
    roxUserId: z.string().min(1).optional().describe('Omit to probe every in-scope member'),
  })
  .meta({ id: 'RunProbeRequest' });
export type RunProbeRequest = z.infer<typeof RunProbeRequestSchema>;

export const QueuedSchema = z
  .object({ queued: z.number().int(), jobIds: z.array(z.string()) })
  .meta({ id: 'Queued' });
export type Queued = z.infer<typeof QueuedSchema>;

export const ScopeSchema = z.object({
  configured: z.string().describe('Access level from settings and overrides'),
  effective: z.string().describe('After restrictions, mapping, grant and probe'),
  inScope: z.boolean(),
  reason: z.string().nullable().describe('Why out of scope or clamped'),
  nextAction: z.string().nullable(),
});

export const MemberSyncStatusSchema = z
  .object({
    roxUserId: z.string(),
    email: z.string(),
    displayName: z.string(),
    role: z.enum(['admin', 'member']),
    directoryUserId: z.string().nullable(),
    directoryUpn: z.string().nullable(),
    route: z
      .enum(['orgwide', 'individual', 'none'])
      .describe(
        "How Rox reaches the mailbox: the org-wide app, the member's own connection, or not",
      ),
    override: z.object({
      calendarAccess: CalendarAccessSchema.nullable(),
      emailAccess: EmailAccessSchema.nullable(),
    }),
    calendar: ScopeSchema,
    mail: ScopeSchema,
    probe: ProbeResultSchema.nullable(),
  })
  .meta({ id: 'MemberSyncStatus' });
export type MemberSyncStatus = z.infer<typeof MemberSyncStatusSchema>;

export const ListMemberSyncStatusQuerySchema = PageQuerySchema.extend({
  q: z.string().trim().max(200).optional(),
  filter: z.enum(['all', 'mapped', 'unmapped', 'in_scope', 'out_of_scope']).default('all'),
});
export type ListMemberSyncStatusQuery = z.infer<typeof ListMemberSyncStatusQuerySchema>;

export const MemberSyncStatusPageSchema = pageOf(MemberSyncStatusSchema).meta({
  id: 'MemberSyncStatusPage',
});
export type MemberSyncStatusPage = z.infer<typeof MemberSyncStatusPageSchema>;

export const DirectoryUserSchema = z
  .object({
    id: z.string(),
    userPrincipalName: z.string(),
    mail: z.string().nullable(),
    proxyAddresses: z.array(z.string()),
    displayName: z.string().nullable(),
    accountEnabled: z.boolean().nullable(),
    userType: z.string().nullable(),
    mailboxState: z.enum(['unknown', 'available', 'no_mailbox', 'denied_by_policy']),
    mappedRoxUserId: z.string().nullable(),
  })
  .meta({ id: 'DirectoryUser' });
export type DirectoryUser = z.infer<typeof DirectoryUserSchema>;

export const ListDirectoryUsersQuerySchema = PageQuerySchema.extend({
  q: z.string().trim().max(200).optional(),
  filter: z.enum(['all', 'mapped', 'unmapped']).default('all'),
});
export type ListDirectoryUsersQuery = z.infer<typeof ListDirectoryUsersQuerySchema>;

export const DirectoryUserPageSchema = pageOf(DirectoryUserSchema).meta({
  id: 'DirectoryUserPage',
});
export type DirectoryUserPage = z.infer<typeof DirectoryUserPageSchema>;

export const AccessPolicyScriptQuerySchema = z.object({
  groupName: z
    .string()
    .trim()
    .min(1)
    .max(64)
    // The script quotes it for PowerShell, where no control character or line break may appear.
    // eslint-disable-next-line no-control-regex
    .regex(/^[^\u0000-\u001f\u007f\u0085\u2028\u2029]*$/, {
      message: 'must not contain control characters or line breaks',
    })
    .default('RoxAppAccessGroup')
    .describe('Name of the mail-enabled security group to create'),
  groupSmtp: z
    .string()
    .trim()
    .pipe(z.email())
    .optional()
    .describe('Defaults to <groupName>@<tenant domain>'),
  accessRight: z.enum(['RestrictAccess', 'DenyAccess']).default('RestrictAccess'),
});
export type AccessPolicyScriptQuery = z.infer<typeof AccessPolicyScriptQuerySchema>;

export const AccessPolicyScriptSchema = z
  .object({
    script: z.string(),
    members: z.array(z.string()).describe('In-scope members’ mailbox addresses'),
    appId: z.string(),
    flagged: z
      .array(z.object({ address: z.string(), reason: z.string() }))
      .describe('In scope but left out of the group, with the reason (no mailbox, other policy)'),
    outsider: z
      .string()
      .nullable()
      .describe('The mailbox outside the group that the script tests for the opposite result'),
    basis: z
      .enum(['directory', 'rox_members'])
      .describe(
        'directory: mailboxes from the synced directory; rox_members: before consent, the members’ Rox emails',
      ),
  })
  .meta({ id: 'AccessPolicyScript' });
export type AccessPolicyScript = z.infer<typeof AccessPolicyScriptSchema>;

export const ProbeResultPageSchema = pageOf(ProbeResultSchema).meta({ id: 'ProbeResultPage' });
export type ProbeResultPage = z.infer<typeof ProbeResultPageSchema>;
