import type { OAuth2PermissionGrant, ServicePrincipal } from '@microsoft/microsoft-graph-types';

import { type GraphClient } from '../client';

/** Delegated permissions granted to an app in a tenant, one entry per grant. */
export interface DelegatedGrant {
  /** Space-separated scopes of the grant, split. */
  readonly scopes: readonly string[];
  /** `AllPrincipals` (admin consent for everyone) or `Principal` (one user's consent). */
  readonly consentType: 'AllPrincipals' | 'Principal';
  /** The consenting user for `Principal` grants. */
  readonly principalId: string | null;
}

/**
 * The delegated permission grants an app holds in the tenant: its service principal by `appId`,
 * then `oauth2PermissionGrants` whose client is that service principal. Needs an application
 * permission that reads them (Directory.Read.All or DelegatedPermissionGrant.Read.All). An app
 * that was never consented has no service principal and so no grants.
 */
export async function delegatedGrantsOf(
  client: GraphClient,
  appId: string,
): Promise<DelegatedGrant[]> {
  const principals = await client.listAll<ServicePrincipal>('/servicePrincipals', {
    query: { $filter: `appId eq '${appId.replace(/'/g, "''")}'`, $select: 'id,appId' },
  });
  const principalId = principals[0]?.id;
  if (!principalId) return [];
  const grants = await client.listAll<OAuth2PermissionGrant>('/oauth2PermissionGrants', {
    query: { $filter: `clientId eq '${principalId}'` },
  });
  return grants.map((grant) => ({
    scopes: (grant.scope ?? '').split(' ').filter((s) => s.length > 0),
    consentType: grant.consentType === 'AllPrincipals' ? 'AllPrincipals' : 'Principal',
    principalId: grant.principalId ?? null,
  }));
}
