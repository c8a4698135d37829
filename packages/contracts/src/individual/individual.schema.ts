import { z } from 'zod';

import { pageOf, PageQuerySchema } from '../common/paging.schema';
import { CalendarAccessSchema, EmailAccessSchema } from '../orgwide/orgwide.schema';

// ---- individual connections (a member's own Outlook Calendar / Outlook Mail) ------------------

export const IndividualKindSchema = z.enum(['calendar', 'mail']);
export type IndividualKind = z.infer<typeof IndividualKindSchema>;

/** Calendar: read | read_write; mail: metadata | read | read_send (the org-wide levels minus off). */
export const IndividualLevelSchema = z
  .enum(['read', 'read_write', 'metadata', 'read_send'])
  .describe('calendar: read or read_write; mail: metadata, read or read_send');
export type IndividualLevel = z.infer<typeof IndividualLevelSchema>;

export const IndividualStatusSchema = z
  .enum([
    'pending',
    'connected',
    'needs_admin_approval',
    'needs_sign_in',
    'account_mismatch',
    'mailbox_not_enabled',
    'superseded',
  ])
  .describe(
    'pending: sent to Microsoft; needs_admin_approval: the tenant requires an admin to approve the app; needs_sign_in: the refresh token stopped working; account_mismatch: the Microsoft account differs from the Rox email, held until an admin allows it; mailbox_not_enabled: the account has no Exchange Online mailbox; superseded: replaced by the org-wide connection',
  );
export type IndividualStatus = z.infer<typeof IndividualStatusSchema>;

export const AdminApprovalHelpSchema = z
  .object({
    appDisplayName: z.string(),
    adminConsentUrl: z
      .string()
      .describe("Microsoft's admin-consent link for the app; an admin of the tenant opens it"),
    adminSteps: z.array(z.string()).describe('What the Microsoft admin does, in order'),
    troubleshooting: z.string(),
  })
  .meta({ id: 'AdminApprovalHelp' });
export type AdminApprovalHelp = z.infer<typeof AdminApprovalHelpSchema>;

export const IndividualConnectionSchema = z
  .object({
    id: z.string(),
    roxUserId: z.string(),
    provider: z.enum(['microsoft', 'google']),
    kind: IndividualKindSchema,
    level: IndividualLevelSchema.nullable().describe(
      'The level the connection runs at (while needs_admin_approval: the level it waits for)',
    ),
    pendingLevel: IndividualLevelSchema.nullable().describe(
      "While connected: a higher level asked for that waits for an admin's approval; the connection keeps running at level meanwhile",
    ),
    status: IndividualStatusSchema,
    statusReason: z.string().nullable(),
    microsoftAccount: z
      .string()
      .nullable()
      .describe('The Microsoft account that signed in (user principal name)'),
    expectedEmail: z.string().nullable().describe("The member's Rox email at connect time"),
    tenantId: z.string().nullable(),
    scopes: z.array(z.string()).describe('Delegated scopes Microsoft granted'),
    connectedAt: z.iso.datetime().nullable(),
    approval: AdminApprovalHelpSchema.nullable().describe(
      'While needs_admin_approval or a pendingLevel waits: the admin-consent link and the admin steps',
    ),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .meta({ id: 'IndividualConnection' });
export type IndividualConnection = z.infer<typeof IndividualConnectionSchema>;

const LEVELS_BY_KIND: Record<IndividualKind, readonly IndividualLevel[]> = {
  calendar: CalendarAccessSchema.options.filter((l) => l !== 'off'),
  mail: EmailAccessSchema.options.filter((l) => l !== 'off'),
};

/** The level a Connect asks for when the caller names none. */
export const DEFAULT_INDIVIDUAL_LEVEL: Record<IndividualKind, IndividualLevel> = {
  calendar: 'read_write',
  mail: 'read',
};

export const CreateIndividualConnectionRequestSchema = z
  .object({
    provider: z.enum(['microsoft', 'google']),
    kind: IndividualKindSchema,
    level: IndividualLevelSchema.optional().describe(
      'Default: read_write for calendar (as seed 001 asks), read for mail',
    ),
  })
  .superRefine((value, ctx) => {
    if (value.level !== undefined && !LEVELS_BY_KIND[value.kind].includes(value.level)) {
      ctx.addIssue({
        code: 'custom',
        path: ['level'],
        message: `${value.kind} levels are ${LEVELS_BY_KIND[value.kind].join(', ')}`,
      });
    }
  })
  .meta({ id: 'CreateIndividualConnectionRequest' });
export type CreateIndividualConnectionRequest = z.infer<
  typeof CreateIndividualConnectionRequestSchema
>;

export const IndividualConnectStartSchema = z
  .object({
    connection: IndividualConnectionSchema,
    authorizeUrl: z.string().describe("Microsoft's sign-in and consent page; open it in this tab"),
    expiresAt: z.iso.datetime(),
    scopes: z.array(z.string()).describe('The delegated scopes requested'),
  })
  .meta({ id: 'IndividualConnectStart' });
export type IndividualConnectStart = z.infer<typeof IndividualConnectStartSchema>;

export const ListIndividualConnectionsQuerySchema = PageQuerySchema.extend({
  all: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true')
    .describe("Admins only: every member's connections in the org"),
  live: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true')
    .describe('Only connections not superseded by the org-wide connection'),
});
export type ListIndividualConnectionsQuery = z.infer<typeof ListIndividualConnectionsQuerySchema>;

/** Oldest first (creation time, then id), one page at a time. */
export const IndividualConnectionListSchema = pageOf(IndividualConnectionSchema);
export type IndividualConnectionList = z.infer<typeof IndividualConnectionListSchema>;

export const IndividualConnectionParamsSchema = z.object({ id: z.uuid() });
export type IndividualConnectionParams = z.infer<typeof IndividualConnectionParamsSchema>;

/** Outcome codes the individual callback hands the SPA (`?outcome=`). */
export const IndividualOutcomeSchema = z.enum([
  'connected',
  'account_mismatch',
  'cancelled',
  'approval_required',
  'denied',
  'wrong_tenant',
  'mailbox_not_enabled',
  'orgwide_connected',
  'admin_consent_granted',
  'admin_consent_not_granted',
  'state_invalid',
  'state_expired',
  'state_reused',
  'browser_mismatch',
  'signin_failed',
]);
export type IndividualOutcome = z.infer<typeof IndividualOutcomeSchema>;

/** What Microsoft appends to the individual redirect URI; unknown parameters are ignored. */
export const IndividualCallbackQuerySchema = z
  .object({
    state: z.string().max(512).optional(),
    code: z.string().max(8192).optional(),
    session_state: z.string().max(256).optional(),
    error: z.string().max(128).optional(),
    error_subcode: z.string().max(128).optional(),
    error_description: z.string().max(4096).optional(),
    error_uri: z.string().max(2048).optional(),
    admin_consent: z.string().max(16).optional(),
    tenant: z.string().max(256).optional(),
    scope: z.string().max(4096).optional(),
  })
  .meta({ id: 'IndividualCallbackQuery' });
export type IndividualCallbackQuery = z.infer<typeof IndividualCallbackQuerySchema>;

export const IndividualDisconnectReceiptSchema = z
  .object({
    connectionId: z.string(),
    roxUserId: z.string(),
    kind: IndividualKindSchema,
    disconnectedAt: z.iso.datetime(),
    removed: z.record(z.string(), z.number().int()).describe('Rows removed per table'),
    totalRemoved: z.number().int(),
    microsoftSteps: z
      .array(z.string())
      .describe("How the member removes Rox's access on Microsoft's side as well"),
  })
  .meta({ id: 'IndividualDisconnectReceipt' });
export type IndividualDisconnectReceipt = z.infer<typeof IndividualDisconnectReceiptSchema>;

export const IndividualCheckResultSchema = z
  .object({
    connection: IndividualConnectionSchema,
    ok: z.boolean().describe('A fresh token was issued and the mailbox answered'),
  })
  .meta({ id: 'IndividualCheckResult' });
export type IndividualCheckResult = z.infer<typeof IndividualCheckResultSchema>;
