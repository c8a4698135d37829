/** Graph application permissions (app roles) this product knows about. */
export type ApplicationPermission =
  | 'User.Read.All'
  | 'Directory.Read.All'
  | 'Mail.ReadBasic.All'
  | 'Mail.ReadBasic'
  | 'Mail.Read'
  | 'Mail.ReadWrite'
  | 'Mail.Send'
  | 'Calendars.Read'
  | 'Calendars.ReadWrite'
  | 'MailboxSettings.Read'
  | 'MailboxSettings.ReadWrite';

/** Graph delegated permissions (scopes), OpenID Connect scopes included. */
export type DelegatedPermission =
  | 'openid'
  | 'profile'
  | 'email'
  | 'offline_access'
  | 'User.Read'
  | 'Mail.ReadBasic'
  | 'Mail.Read'
  | 'Mail.ReadWrite'
  | 'Mail.Send'
  | 'Calendars.Read'
  | 'Calendars.ReadWrite'
  | 'MailboxSettings.Read';

/** One entry of the permission catalog. */
export interface PermissionInfo<Name extends string = string> {
  /** Exact claim value, as it appears in `roles` / `scp` and on the Entra permissions page. */
  readonly name: Name;
  /** Microsoft's permission id (appRole id or oauth2PermissionScope id on Microsoft Graph). */
  readonly id: string;
  readonly type: 'application' | 'delegated';
  /** The text Microsoft shows on consent screens and in Entra. */
  readonly displayName: string;
  /** Whether a tenant admin has to consent (always true for application permissions). */
  readonly isAdminConsentRequired: boolean;
}

/** The resource id of Microsoft Graph, the API every permission here belongs to. */
export const MICROSOFT_GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';

/** Application permissions, in the order the catalog lists them. */
export const APPLICATION_PERMISSIONS: readonly PermissionInfo<ApplicationPermission>[] = [
  app('User.Read.All', 'df021288-bdef-4463-88db-98f22de89214', "Read all users' full profiles"),
  app('Directory.Read.All', '7ab1d382-f21e-4acd-a863-ba3e13f7da61', 'Read directory data'),
  app(
    'Mail.ReadBasic.All',
    '693c5e45-0940-467d-9b8a-1022fb9d42ef',
    'Read basic mail in all mailboxes',
  ),
  app('Mail.ReadBasic', '6be147d2-ea4f-4b5a-a3fa-3eab6f3c140a', 'Read basic mail in all mailboxes'),
  app('Mail.Read', '810c84a8-4a9e-49e6-bf7d-12d183f40d01', 'Read mail in all mailboxes'),
  app(
    'Mail.ReadWrite',
    'e2a3a72e-5f79-4c64-b1b1-878b674786c9',
    'Read and write mail in all mailboxes',
  ),
  app('Mail.Send', 'b633e1c5-b582-4048-a93e-9f11b44c7e96', 'Send mail as any user'),
  app('Calendars.Read', '798ee544-9d2d-430c-a058-570e29e34338', 'Read calendars in all mailboxes'),
  app(
    'Calendars.ReadWrite',
    'ef54d2bf-783f-4e0f-bca1-3210c0444d99',
    'Read and write calendars in all mailboxes',
  ),
  app(
    'MailboxSettings.Read',
    '40f97065-369a-49f4-947c-6a255697ae91',
    'Read all user mailbox settings',
  ),
  // Not requested; known so that a tenant granting it is judged correctly (it covers the Read).
  app(
    'MailboxSettings.ReadWrite',
    '6931bccd-447a-43d1-b442-00a195474933',
    'Read and write all user mailbox settings',
  ),
];

/** Delegated permissions used by individual (per-user) connections. */
export const DELEGATED_PERMISSIONS: readonly PermissionInfo<DelegatedPermission>[] = [
  delegated('openid', '37f7f235-527c-4136-accd-4a02d197296e', 'Sign users in'),
  delegated('profile', '14dad69e-099b-42c9-810b-d002981feec1', "View users' basic profile"),
  delegated('email', '64a6cdd6-aab1-4aaf-94b8-3cc8405e90d0', "View users' email address"),
  delegated(
    'offline_access',
    '7427e0e9-2fba-42fe-b0c0-848c9e6a8182',
    'Maintain access to data you have given it access to',
  ),
  delegated('User.Read', 'e1fe6dd8-ba31-4d61-89e7-88639da4683d', 'Sign in and read user profile'),
  delegated('Mail.ReadBasic', 'a4b8392a-d8d1-4954-a029-8e668a39a170', 'Read user basic mail'),
  delegated('Mail.Read', '570282fd-fa5c-430d-a7fd-fc8dc98a9dca', 'Read user mail'),
  delegated(
    'Mail.ReadWrite',
    '024d486e-b451-40bb-833d-3e66d98c5c73',
    'Read and write access to user mail',
  ),
  delegated('Mail.Send', 'e383f46e-2787-4529-855e-0e479a3ffac0', 'Send mail as a user'),
  delegated('Calendars.Read', '465a38f9-76ea-45b9-9f34-9e8b0d4b0b42', 'Read user calendars'),
  delegated(
    'Calendars.ReadWrite',
    '1ec239c2-d7c9-4623-a91a-a9775856bb36',
    'Have full access to user calendars',
  ),
  delegated(
    'MailboxSettings.Read',
    '87f447af-9fa4-4c32-9dfa-4a57a73d18ce',
    'Read user mailbox settings',
  ),
];

// Direct "A covers B" edges between application permissions. Mail.ReadBasic and
// Mail.ReadBasic.All grant the same access, so they cover each other.
const APPLICATION_COVERS: ReadonlyArray<readonly [ApplicationPermission, ApplicationPermission]> = [
  ['Directory.Read.All', 'User.Read.All'],
  ['Mail.ReadWrite', 'Mail.Read'],
  ['Mail.Read', 'Mail.ReadBasic.All'],
  ['Mail.ReadBasic.All', 'Mail.ReadBasic'],
  ['Mail.ReadBasic', 'Mail.ReadBasic.All'],
  ['Calendars.ReadWrite', 'Calendars.Read'],
  ['MailboxSettings.ReadWrite', 'MailboxSettings.Read'],
];

const applicationByName = new Map(APPLICATION_PERMISSIONS.map((p) => [p.name, p]));
const delegatedByName = new Map(DELEGATED_PERMISSIONS.map((p) => [p.name, p]));

/** True when `value` is an application permission this catalog knows. */
export function isApplicationPermission(value: string): value is ApplicationPermission {
  return applicationByName.has(value as ApplicationPermission);
}

/** Catalog entry of an application permission. */
export function applicationPermission(
  name: ApplicationPermission,
): PermissionInfo<ApplicationPermission> {
  const info = applicationByName.get(name);
  if (!info) throw new RangeError(`Unknown application permission ${name}`);
  return info;
}

/** Catalog entry of a delegated permission. */
export function delegatedPermission(
  name: DelegatedPermission,
): PermissionInfo<DelegatedPermission> {
  const info = delegatedByName.get(name);
  if (!info) throw new RangeError(`Unknown delegated permission ${name}`);
  return info;
}

/**
 * Every application permission that `permission` grants, itself included
 * (e.g. Mail.ReadWrite covers Mail.Read, Mail.ReadBasic.All and Mail.ReadBasic).
 */
export function coveredBy(permission: ApplicationPermission): ReadonlySet<ApplicationPermission> {
  const covered = new Set<ApplicationPermission>([permission]);
  let isGrowing = true;
  while (isGrowing) {
    isGrowing = false;
    for (const [from, to] of APPLICATION_COVERS) {
      if (covered.has(from) && !covered.has(to)) {
        covered.add(to);
        isGrowing = true;
      }
    }
  }
  return covered;
}

/** True when holding `granted` gives at least the access of `needed`. */
export function covers(granted: ApplicationPermission, needed: ApplicationPermission): boolean {
  return coveredBy(granted).has(needed);
}

function app(
  name: ApplicationPermission,
  id: string,
  displayName: string,
): PermissionInfo<ApplicationPermission> {
  return { name, id, type: 'application', displayName, isAdminConsentRequired: true };
}

function delegated(
  name: DelegatedPermission,
  id: string,
  displayName: string,
): PermissionInfo<DelegatedPermission> {
  return { name, id, type: 'delegated', displayName, isAdminConsentRequired: false };
}
