import type { TenantState } from '../state/tenant';

function grantsJson(grants: Map<string, Set<string>>): Record<string, string[]> {
  return Object.fromEntries([...grants].map(([k, v]) => [k, [...v].sort()]));
}

/**
 * JSON view of a tenant for the control API. `servicePrincipal` and `delegatedGrants` describe the
 * org-wide app (as before there were two apps); the per-app fields cover both.
 */
export function tenantSummary(t: TenantState, orgwideAppId: string): Record<string, unknown> {
  const spJson = (appId: string): Record<string, unknown> | null => {
    const sp = t.servicePrincipalOf(appId);
    return sp
      ? {
          id: sp.id,
          appId: sp.appId,
          displayName: sp.displayName,
          grantedRoles: [...sp.grantedRoles].sort(),
        }
      : null;
  };
  return {
    id: t.id,
    displayName: t.displayName,
    domains: t.domains,
    userCount: t.users.size,
    servicePrincipal: spJson(orgwideAppId),
    delegatedGrants: grantsJson(t.grantsOf(orgwideAppId)),
    servicePrincipals: [...t.servicePrincipals.keys()].map(spJson),
    delegatedGrantsByApp: Object.fromEntries(
      [...t.delegatedGrants].map(([appId, grants]) => [appId, grantsJson(grants)]),
    ),
    graphServicePrincipalId: t.graphServicePrincipalId,
    consentPolicy: t.consentPolicy,
    accessPolicies: t.accessPolicies,
    consentRequests: t.consentRequests,
    deltaEpoch: t.deltaEpoch,
  };
}
