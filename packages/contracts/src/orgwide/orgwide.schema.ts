import { z } from 'zod';

import {
  ExtraMailFolderSchema,
  ExtraMailFoldersInputSchema,
  MailOrgSummarySchema,
} from '../mail/mail.schema';
import { RoxUserIdSchema } from '../members/members.schema';
import { DomainSchema, NormalizedEmailSchema, TenantInputSchema, uniqueList } from './normalize';

export const CalendarAccessSchema = z
  .enum(['off', 'read', 'read_write'])
  .describe('off, read (Outlook → Rox) or read_write (two-way)');
export type CalendarAccessLevel = z.infer<typeof CalendarAccessSchema>;

export const EmailAccessSchema = z
  .enum(['off', 'metadata', 'read', 'read_send'])
  .describe('off, metadata only, read (full content) or read_send (read and send)');
export type EmailAccessLevel = z.infer<typeof EmailAccessSchema>;

export const CalendarMeetingDeletesSchema = z
  .enum(['confirm', 'never'])
  .describe(
    'Whether Rox may delete meetings with attendees in Outlook (which cancels them for everyone): confirm (default: each delete must confirm with notifyAttendees=true, as the Rox UI asks the user) or never (refused; the meeting stays in Outlook)',
  );
export type CalendarMeetingDeletes = z.infer<typeof CalendarMeetingDeletesSchema>;

export const ApplicationPermissionNameSchema = z
  .string()
  .describe('Graph permission, e.g. Mail.Read');

// ---- settings ---------------------------------------------------------------------------------

export const MemberOverrideSchema = z
  .object({
    roxUserId: RoxUserIdSchema,
    calendarAccess: CalendarAccessSchema.nullable().describe('null: use the org default'),
    emailAccess: EmailAccessSchema.nullable().describe('null: use the org default'),
  })
  .meta({ id: 'MemberOverride' });
export type MemberOverride = z.infer<typeof MemberOverrideSchema>;

export const OrgwideSettingsSchema = z
  .object({
    calendarAccess: CalendarAccessSchema,
    emailAccess: EmailAccessSchema,
    restrictedDomains: z
      .array(z.string())
      .describe('Mail to or from these domains is never synced'),
    restrictedUsers: z.array(z.string()).describe('Members (by email) whose mail is never synced'),
    extraMailFolders: z
      .array(ExtraMailFolderSchema)
      .describe('Mail folders synced besides Inbox and Sent Items (default none)'),
    calendarMeetingDeletes: CalendarMeetingDeletesSchema,
    tenant: z.string().nullable().describe('Tenant as the admin entered it (GUID or domain)'),
    tenantId: z.string().nullable().describe('Tenant GUID, resolved through discovery'),
    overrides: z.array(MemberOverrideSchema),
    updatedAt: z.iso.datetime().nullable(),
  })
  .meta({ id: 'OrgwideSettings' });
export type OrgwideSettings = z.infer<typeof OrgwideSettingsSchema>;

export const UpdateOrgwideSettingsRequestSchema = z
  .object({
    calendarAccess: CalendarAccessSchema,
    emailAccess: EmailAccessSchema,
    restrictedDomains: uniqueList(DomainSchema, 500).default([]),
    restrictedUsers: uniqueList(NormalizedEmailSchema, 5000).default([]),
    extraMailFolders: ExtraMailFoldersInputSchema.default([]),
    calendarMeetingDeletes: CalendarMeetingDeletesSchema.default('confirm'),
    tenant: TenantInputSchema,
  })
  .meta({ id: 'UpdateOrgwideSettingsRequest' });
export type UpdateOrgwideSettingsRequest = z.input<typeof UpdateOrgwideSettingsRequestSchema>;

export const PutMemberOverrideRequestSchema = z
  .object({
    calendarAccess: CalendarAccessSchema.nullable(),
    emailAccess: EmailAccessSchema.nullable(),
  })
  .meta({ id: 'PutMemberOverrideRequest' });
export type PutMemberOverrideRequest = z.infer<typeof PutMemberOverrideRequestSchema>;

// ---- connect (admin consent) ----------------------------------------------------------------

export const ConnectResponseSchema = z
  .object({
    consentUrl: z
      .url()
      .describe(
        "Where to send the admin: Microsoft's sign-in for the tenant (which proves an administrator signs in), followed by its admin-consent page. Open it in the same browser: the response also sets an HttpOnly cookie the callback requires.",
      ),
    expiresAt: z.iso.datetime().describe('The link (its state) stops working after this'),
    requestedPermissions: z.array(ApplicationPermissionNameSchema),
  })
  .meta({ id: 'ConnectResponse' });
export type ConnectResponse = z.infer<typeof ConnectResponseSchema>;

/** Outcome codes the consent callback hands the SPA (`?outcome=`); nothing else is passed. */
export const ConsentOutcomeSchema = z.enum([
  'connected',
  'connected_with_missing_permissions',
  'cancelled',
  'denied',
  'not_admin',
  'consent_required',
  'tenant_mismatch',
  'state_invalid',
  'state_expired',
  'state_reused',
  'consent_not_propagated',
  'microsoft_error',
  // Proof of control (sign-in before admin consent).
  'browser_mismatch',
  'signin_failed',
  'not_tenant_admin',
  'guest_account',
  'tenant_taken',
]);
export type ConsentOutcome = z.infer<typeof ConsentOutcomeSchema>;

/**
 * What Microsoft appends to the consent redirect URI. Every field is optional: the callback
 * itself decides what a missing one means, and unknown parameters are ignored.
 */
export const ConsentCallbackQuerySchema = z
  .object({
    state: z.string().max(512).optional(),
    admin_consent: z.string().max(16).optional(),
    tenant: z.string().max(256).optional(),
    scope: z.string().max(4096).optional(),
    error: z.string().max(128).optional(),
    error_subcode: z.string().max(128).optional(),
    error_description: z.string().max(4096).optional(),
    code: z.string().max(8192).optional(),
  })
  .meta({ id: 'ConsentCallbackQuery' });
export type ConsentCallbackQuery = z.infer<typeof ConsentCallbackQuerySchema>;

// ---- status and permission report ------------------------------------------------------------

export const ConnectionStateSchema = z.enum([
  'not_configured',
  'ready_to_connect',
  'consent_pending',
  'connected',
  'degraded',
  'disconnected',
]);
export type ConnectionState = z.infer<typeof ConnectionStateSchema>;

export const DegradedReasonSchema = z.object({
  code: z.string(),
  message: z.string(),
  nextAction: z.string(),
});

export const ConfiguredFeatureSchema = z
  .object({
    capability: z.string(),
    description: z.string(),
    isRunning: z.boolean().describe('False while Rox does not ship this sync yet'),
  })
  .meta({ id: 'ConfiguredFeature' });
export type ConfiguredFeature = z.infer<typeof ConfiguredFeatureSchema>;

export const OrgwideStatusSchema = z
  .object({
    state: ConnectionStateSchema,
    tenantId: z.string().nullable(),
    connectedAt: z.iso.datetime().nullable(),
    connectedBy: z.string().nullable().describe('Rox user id of the admin who connected'),
    connectedByPerson: z
      .object({ displayName: z.string(), email: z.string() })
      .nullable()
      .describe('That admin by name, while they are a member of the org'),
    appDisplayName: z
      .string()
      .describe('Name of the org-wide app in Microsoft Entra (Enterprise applications)'),
    lastOutcome: ConsentOutcomeSchema.nullable(),
    permissionsCheckedAt: z.iso.datetime().nullable(),
    degradedReasons: z.array(DegradedReasonSchema),
    capabilities: z.array(z.string()).describe('What the current grant lets Rox do'),
    features: z
      .array(ConfiguredFeatureSchema)
      .describe(
        'What the settings use and the grant allows, each marked running or not built yet; never the whole grant',
      ),
    directory: z.object({
      state: z.enum(['never', 'queued', 'running', 'ok', 'failed']),
      lastSyncAt: z.iso.datetime().nullable(),
      lastError: z.string().nullable(),
      users: z.number().int(),
      mappedMembers: z.number().int(),
    }),
    mail: MailOrgSummarySchema,
  })
  .meta({ id: 'OrgwideStatus' });
export type OrgwideStatus = z.infer<typeof OrgwideStatusSchema>;

export const PermissionReportSchema = z
  .object({
    checkedAt: z.iso.datetime().nullable(),
    requested: z.array(ApplicationPermissionNameSchema),
    granted: z.array(ApplicationPermissionNameSchema),
    needed: z.array(ApplicationPermissionNameSchema),
    excess: z.array(
      z.object({
        permission: ApplicationPermissionNameSchema,
        displayName: z.string(),
        reason: z.enum(['not_needed', 'other_grant_suffices']),
        sufficientGrant: z
          .string()
          .nullable()
          .describe('The narrower granted permission that already provides what Rox uses of it'),
        revokeSteps: z.array(z.string()),
        revokeStep: z.string().describe('The last of revokeSteps: the one for this permission'),
      }),
    ),
    missing: z.array(
      z.object({
        permission: ApplicationPermissionNameSchema,
        displayName: z.string(),
        grantWith: z.string(),
        disables: z.array(z.string()),
        disabledFeatures: z.array(z.string()),
      }),
    ),
    excessDelegated: z
      .array(
        z.object({
          scope: z.string(),
          consentType: z.enum(['AllPrincipals', 'Principal']),
          userCount: z
            .number()
            .int()
            .describe('Users who consented themselves (0 for an admin grant for everyone)'),
          revokeStep: z.string(),
        }),
      )
      .describe(
        "Delegated permissions found on the org-wide app, which needs none (its administrator sign-in's openid and profile aside): revoke them",
      ),
    delegatedGrantsChecked: z
      .boolean()
      .describe('False when Entra could not be asked (excessDelegated is then empty)'),
    capabilities: z.array(z.string()),
    appDisplayName: z.string(),
    entraSteps: z
      .array(z.string())
      .describe("How to reach the app's admin-consented permissions in Entra, said once"),
  })
  .meta({ id: 'PermissionReport' });
export type PermissionReport = z.infer<typeof PermissionReportSchema>;

// ---- disconnect ------------------------------------------------------------------------------

export const PurgeReceiptSchema = z
  .object({
    disconnectedAt: z.iso.datetime(),
    tenantId: z.string().nullable(),
    removed: z.record(z.string(), z.number().int()).describe('Rows removed per table'),
    totalRemoved: z.number().int(),
    entraSteps: z.array(z.string()).describe('How to remove the enterprise app in Microsoft Entra'),
  })
  .meta({ id: 'PurgeReceipt' });
export type PurgeReceipt = z.infer<typeof PurgeReceiptSchema>;
