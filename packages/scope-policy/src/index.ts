/**
 * @packageDocumentation
 * `@rox365/scope-policy`: the Microsoft Graph permission rules of Rox 365 Integration, as pure
 * functions (no I/O, no framework).
 *
 * - **Catalog** ({@link APPLICATION_PERMISSIONS}, {@link DELEGATED_PERMISSIONS}): exact Graph
 *   permission names, ids, consent texts, and the coverage hierarchy
 *   (Mail.ReadWrite ⊇ Mail.Read ⊇ Mail.ReadBasic.All ≡ Mail.ReadBasic; Calendars.ReadWrite ⊇
 *   Calendars.Read; MailboxSettings.ReadWrite ⊇ MailboxSettings.Read; Directory.Read.All ⊇
 *   User.Read.All; Mail.Send stands alone).
 * - **Settings** ({@link OrgAccessSettings}): calendar `off | read | read_write` and email
 *   `off | metadata | read | read_send`, as an org default plus per-member overrides.
 * - **Org-wide (application permissions)**: {@link requiredApplicationPermissions} (the minimum a
 *   configuration needs), {@link requestedApplicationPermissions} (what the all-or-nothing admin
 *   consent grants), {@link evaluateGrant} (excess with Entra revoke steps, missing with the
 *   features they disable), {@link capabilitiesFromPermissions} and {@link effectiveAccess}.
 * - **Individual connections (delegated)**: {@link delegatedScopesFor}.
 * - **Mailbox scoping**: {@link accessPolicyScript} builds the Exchange Online PowerShell for an
 *   ApplicationAccessPolicy.
 *
 * Design decision: sending uses `sendMail` and the sent copy is read back from Sent Items, so
 * Rox never needs Mail.ReadWrite (no drafts); `read_send` needs Mail.Read + Mail.Send, and a
 * granted Mail.ReadWrite is always reported as excess.
 */
export * from './access-policy-script';
export * from './capabilities';
export * from './delegated';
export * from './evaluate';
export * from './orgwide-delegated-grants';
export * from './permissions';
export * from './settings';
