import type { UserRecord } from './model';

/** Entra built-in directory role template ids (the values `wids` carries). */
export const DIRECTORY_ROLES = {
  globalAdministrator: '62e90394-69f5-4237-9190-012177145e10',
  privilegedRoleAdministrator: 'e8611ab8-c189-46e8-94e1-60213ab1f814',
  cloudApplicationAdministrator: '158c047a-c907-4556-b7ef-446551a6b5f7',
  applicationAdministrator: '9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3',
  /** Every member's default role. */
  user: 'b79fbf4d-3ef9-4689-8143-76b194e85509',
  /** Every guest's default role. */
  guestUser: '10dae51f-b6af-4016-8d66-8c2a99b929b3',
} as const;

export type DirectoryRoleName = keyof typeof DIRECTORY_ROLES;

export const DIRECTORY_ROLE_DISPLAY_NAMES: Record<string, string> = {
  [DIRECTORY_ROLES.globalAdministrator]: 'Global Administrator',
  [DIRECTORY_ROLES.privilegedRoleAdministrator]: 'Privileged Role Administrator',
  [DIRECTORY_ROLES.cloudApplicationAdministrator]: 'Cloud Application Administrator',
  [DIRECTORY_ROLES.applicationAdministrator]: 'Application Administrator',
  [DIRECTORY_ROLES.user]: 'User',
  [DIRECTORY_ROLES.guestUser]: 'Guest User',
};

/** Roles that may grant any permission, Graph app roles included. */
const GRANTS_APP_ROLES: string[] = [
  DIRECTORY_ROLES.globalAdministrator,
  DIRECTORY_ROLES.privilegedRoleAdministrator,
];

/** Roles that may consent to delegated permissions on behalf of the whole organisation. */
const GRANTS_DELEGATED: string[] = [
  ...GRANTS_APP_ROLES,
  DIRECTORY_ROLES.cloudApplicationAdministrator,
  DIRECTORY_ROLES.applicationAdministrator,
];

/**
 * Role template ids from ids or names ("globalAdministrator", "Global Administrator"); unknown
 * names throw so that a typo in a test does not silently make an ordinary user.
 */
export function resolveDirectoryRoles(values: readonly string[]): string[] {
  const out = new Set<string>();
  for (const v of values) {
    const lower = v.toLowerCase().replace(/\s+/g, '');
    const byName = Object.entries(DIRECTORY_ROLES).find(([name]) => name.toLowerCase() === lower);
    const byDisplay = Object.entries(DIRECTORY_ROLE_DISPLAY_NAMES).find(
      ([, display]) => display.toLowerCase().replace(/\s+/g, '') === lower,
    );
    const id = byName?.[1] ?? byDisplay?.[0] ?? (/^[0-9a-f-]{36}$/i.test(v) ? v.toLowerCase() : '');
    if (!id) throw new Error(`Unknown directory role '${v}'`);
    // The default roles are implied by userType and never stored.
    if (id !== DIRECTORY_ROLES.user && id !== DIRECTORY_ROLES.guestUser) out.add(id);
  }
  return [...out];
}

/** The user's `wids`: assigned roles plus the default role of members or guests. */
export function widsOf(user: UserRecord): string[] {
  const base = user.userType === 'Guest' ? DIRECTORY_ROLES.guestUser : DIRECTORY_ROLES.user;
  return [...user.directoryRoles, base];
}

export function canGrantAppRoles(user: UserRecord): boolean {
  return user.directoryRoles.some((r) => GRANTS_APP_ROLES.includes(r));
}

export function canConsentForOrganization(user: UserRecord): boolean {
  return user.directoryRoles.some((r) => GRANTS_DELEGATED.includes(r));
}

/** Display names of the user's assigned roles. */
export function roleNames(user: UserRecord): string[] {
  return user.directoryRoles.map((r) => DIRECTORY_ROLE_DISPLAY_NAMES[r] ?? r);
}
