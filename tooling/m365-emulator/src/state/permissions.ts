/** Graph's well-known application id. */
export const GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';
export const GRAPH_RESOURCE = 'https://graph.microsoft.com';

/** Application (app-role) permissions of Graph that the emulator knows, with their real ids. */
export const GRAPH_APP_ROLES: Record<string, string> = {
  'User.Read.All': 'df021288-bdef-4463-88db-98f22de89214',
  'Directory.Read.All': '7ab1d382-f21e-4acd-a863-ba3e13f7da61',
  'Application.Read.All': '9a5d68dd-52b0-4cc2-bd40-abcf44ac3a30',
  'Mail.ReadBasic.All': '693c5e45-0940-467d-9b8a-1022fb9d42ef',
  'Mail.ReadBasic': '6be147d2-ea4f-4b5a-a3fa-3eab6f3c140a',
  'Mail.Read': '810c84a8-4a9e-49e6-bf7d-12d183f40d01',
  'Mail.ReadWrite': 'e2a3a72e-5f79-4c64-b1b1-878b674786c9',
  'Mail.Send': 'b633e1c5-b582-4048-a93e-9f11b44c7e96',
  'Calendars.Read': '798ee544-9d2d-430c-a058-570e29e34338',
  'Calendars.ReadWrite': 'ef54d2bf-783f-4e0f-bca1-3210c0444d99',
  'MailboxSettings.Read': '40f97065-369a-49f4-947c-6a255697ae91',
  'MailboxSettings.ReadWrite': '6931bccd-447a-43d1-b442-00a195474933',
};

/** Delegated scopes of Graph that the emulator knows, and whether only an admin may consent. */
export const GRAPH_DELEGATED_SCOPES: Record<string, { id: string; adminOnly: boolean }> = {
  openid: { id: '37f7f235-527c-4136-accd-4a02d197296e', adminOnly: false },
  profile: { id: '14dad69e-099b-42c9-810b-d002981feec1', adminOnly: false },
  email: { id: '64a6cdd6-aab1-4aaf-94b8-3cc8405e90d0', adminOnly: false },
  offline_access: { id: '7427e0e9-2fba-42fe-b0c0-848c9e6a8182', adminOnly: false },
  'User.Read': { id: 'e1fe6dd8-ba31-4d61-89e7-88639da4683d', adminOnly: false },
  'User.Read.All': { id: 'a154be20-db9c-4678-8ab7-66f6cc099a59', adminOnly: true },
  'Directory.Read.All': { id: '06da0dbc-49e2-44d2-8312-53f166ab848a', adminOnly: true },
  'Mail.Read': { id: '570282fd-fa5c-430d-a7fd-fc8dc98a9dca', adminOnly: false },
  'Mail.ReadBasic': { id: 'a4b8392a-d8d1-4954-a029-8e668a39a170', adminOnly: false },
  'Mail.ReadWrite': { id: '024d486e-b451-40bb-833d-3e66d98c5c73', adminOnly: false },
  'Mail.Send': { id: 'e383f46e-2787-4529-855e-0e479a3ffac0', adminOnly: false },
  'Calendars.Read': { id: '465a38f9-76ea-45b9-9f34-9e8b0d4b0b42', adminOnly: false },
  'Calendars.ReadWrite': { id: '1ec239c2-d7c9-4623-a91a-a9775856bb36', adminOnly: false },
  'MailboxSettings.Read': { id: '87f447af-9fa4-4c32-9dfa-4a57a73d18ce', adminOnly: false },
  'MailboxSettings.ReadWrite': { id: '818c620a-27a9-40bd-a6a5-d96f7d610b4b', adminOnly: false },
};

export const OIDC_SCOPES = new Set(['openid', 'profile', 'email', 'offline_access']);

export const DEFAULT_APPLICATION_PERMISSIONS = [
  'Mail.ReadBasic.All',
  'Mail.Read',
  'Mail.ReadWrite',
  'Mail.Send',
  'Calendars.Read',
  'Calendars.ReadWrite',
  'MailboxSettings.Read',
  'Directory.Read.All',
];

export const DEFAULT_DELEGATED_PERMISSIONS = [
  'openid',
  'profile',
  'offline_access',
  'User.Read',
  'Calendars.Read',
  'Calendars.ReadWrite',
  'MailboxSettings.Read',
  'Mail.Read',
  'Mail.ReadWrite',
  'Mail.Send',
];

/**
 * Normalises a requested scope to Graph's short name: "https://graph.microsoft.com/Mail.Read" and
 * "Mail.Read" both give "Mail.Read". Returns undefined for another resource.
 */
export function graphScopeName(scope: string): string | undefined {
  const lower = scope.toLowerCase();
  for (const prefix of [`${GRAPH_RESOURCE}/`, `${GRAPH_APP_ID}/`]) {
    if (lower.startsWith(prefix)) return scope.slice(prefix.length);
  }
  if (scope.includes('/')) return undefined;
  return scope;
}

export function isGraphDefaultScope(scope: string): boolean {
  const lower = scope.toLowerCase();
  return lower === `${GRAPH_RESOURCE}/.default` || lower === `${GRAPH_APP_ID}/.default`;
}

/** Canonical casing of a known delegated scope name, or undefined. */
export function canonicalDelegatedScope(name: string): string | undefined {
  const lower = name.toLowerCase();
  return Object.keys(GRAPH_DELEGATED_SCOPES).find((k) => k.toLowerCase() === lower);
}

/**
 * What Entra's consent screens say for each delegated scope: `admin` on the admin consent dialog
 * and the "Approval required" page, `user` on a user's own consent prompt.
 */
export const DELEGATED_SCOPE_TEXT: Record<string, { admin: string; user: string }> = {
  openid: { admin: 'Sign users in', user: 'Sign you in' },
  profile: { admin: "View users' basic profile", user: 'View your basic profile' },
  email: { admin: "View users' email address", user: 'View your email address' },
  offline_access: {
    admin: 'Maintain access to data you have given it access to',
    user: 'Maintain access to data you have given it access to',
  },
  'User.Read': {
    admin: 'Sign in and read user profile',
    user: 'Sign you in and read your profile',
  },
  'User.Read.All': {
    admin: "Read all users' full profiles",
    user: "Read all users' full profiles",
  },
  'Directory.Read.All': { admin: 'Read directory data', user: 'Read directory data' },
  'Mail.Read': { admin: 'Read user mail', user: 'Read your mail' },
  'Mail.ReadBasic': { admin: 'Read user basic mail', user: 'Read your basic mail' },
  'Mail.ReadWrite': {
    admin: 'Read and write access to user mail',
    user: 'Read and write access to your mail',
  },
  'Mail.Send': { admin: 'Send mail as a user', user: 'Send mail as you' },
  'Calendars.Read': { admin: 'Read user calendars', user: 'Read your calendars' },
  'Calendars.ReadWrite': {
    admin: 'Have full access to user calendars',
    user: 'Have full access to your calendars',
  },
  'MailboxSettings.Read': {
    admin: 'Read user mailbox settings',
    user: 'Read your mailbox settings',
  },
  'MailboxSettings.ReadWrite': {
    admin: 'Read and write user mailbox settings',
    user: 'Read and write to your mailbox settings',
  },
};

/**
 * The scopes a consent screen lists, in request order. `openid` gets no line of its own when
 * `User.Read` (which says "Sign in …") is also asked for.
 */
export function consentScreenScopes(scopes: string[]): string[] {
  const unique = [...new Set(scopes)];
  return unique.includes('User.Read') ? unique.filter((s) => s !== 'openid') : unique;
}

/** A scope's consent-screen text, or the scope name for one the emulator has no text for. */
export function scopeDescription(scope: string, audience: 'admin' | 'user'): string {
  return DELEGATED_SCOPE_TEXT[scope]?.[audience] ?? scope;
}
