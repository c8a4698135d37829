import type { TenantState } from '../state/tenant';

/** JSON view of a tenant for the control API. */
export function tenantSummary(t: TenantState): Record<string, unknown> {
  return {
    id: t.id,
    displayName: t.displayName,
    domains: t.domains,
    userCount: t.users.size,
    servicePrincipal: t.servicePrincipal
      ? {
          id: t.servicePrincipal.id,
          appId: t.servicePrincipal.appId,
          grantedRoles: [...t.servicePrincipal.grantedRoles].sort(),
        }
      : null,
    delegatedGrants: Object.fromEntries([...t.delegatedGrants].map(([k, v]) => [k, [...v].sort()])),
    consentPolicy: t.consentPolicy,
    accessPolicies: t.accessPolicies,
    consentRequests: t.consentRequests,
    deltaEpoch: t.deltaEpoch,
  };
}
