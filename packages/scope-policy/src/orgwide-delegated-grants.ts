/** A delegated grant found on the org-wide app in Entra (one oauth2PermissionGrant). */
export interface FoundDelegatedGrant {
  readonly scopes: readonly string[];
  readonly consentType: 'AllPrincipals' | 'Principal';
}

/** One delegated permission the org-wide app should not hold, with how to revoke it. */
export interface ExcessDelegatedGrant {
  readonly scope: string;
  readonly consentType: 'AllPrincipals' | 'Principal';
  /** Users who granted it for themselves; 0 for an admin grant on behalf of everyone. */
  readonly userCount: number;
  readonly revokeStep: string;
}

/**
 * Scopes the org-wide app may hold delegated: the administrator's sign-in that proves control of
 * the tenant asks for these and nothing else. They read no data.
 */
export const ORGWIDE_SIGN_IN_SCOPES: readonly string[] = ['openid', 'profile'];

/**
 * The org-wide app uses application permissions only, so every delegated grant on it is excess,
 * bar the sign-in scopes. One entry per scope and consent type, sorted by scope.
 */
export function excessDelegatedGrants(
  grants: readonly FoundDelegatedGrant[],
  appDisplayName: string,
): ExcessDelegatedGrant[] {
  const found = new Map<
    string,
    { scope: string; consentType: FoundDelegatedGrant['consentType']; users: number }
  >();
  for (const grant of grants) {
    for (const scope of grant.scopes) {
      if (ORGWIDE_SIGN_IN_SCOPES.includes(scope.toLowerCase())) continue;
      const key = `${scope.toLowerCase()}|${grant.consentType}`;
      const entry = found.get(key) ?? { scope, consentType: grant.consentType, users: 0 };
      if (grant.consentType === 'Principal') entry.users += 1;
      found.set(key, entry);
    }
  }
  return [...found.values()]
    .sort((a, b) => a.scope.localeCompare(b.scope) || a.consentType.localeCompare(b.consentType))
    .map((entry) => ({
      scope: entry.scope,
      consentType: entry.consentType,
      userCount: entry.users,
      revokeStep: revokeDelegatedStep(entry.scope, entry.consentType, appDisplayName),
    }));
}

/** How to remove one delegated grant from the app in Entra. */
export function revokeDelegatedStep(
  scope: string,
  consentType: FoundDelegatedGrant['consentType'],
  appDisplayName: string,
): string {
  if (consentType === 'AllPrincipals') {
    return `In Entra ID > Enterprise apps > ${appDisplayName} > Permissions > Admin consent, find the delegated permission ${scope}, open its menu (…) and select Revoke permission.`;
  }
  // The portal lists user consents but cannot revoke them one by one.
  return `Users consented to ${scope} themselves; remove those grants with Microsoft Graph PowerShell: Get-MgServicePrincipal -Filter "displayName eq '${appDisplayName}'", then Get-MgOauth2PermissionGrant -Filter "clientId eq '<its id>'" and Remove-MgOauth2PermissionGrant for each grant holding ${scope}.`;
}
