import { createHash } from 'node:crypto';

import { GRAPH_APP_ID, GRAPH_APP_ROLES, GRAPH_DELEGATED_SCOPES } from '../../state/permissions';
import type { TenantState } from '../../state/tenant';
import { toBase64Url } from '../../util/base64url';
import { ok, type GraphCtx, type GraphRoute } from '../context';
import { badRequest, GraphHttpError } from '../errors';
import { parseFilter } from '../filter';
import { option, parseSelect, parseTop, project } from '../odata';
import { requirePermission } from '../principal';

// Microsoft documents Application.Read.All as least privileged for service principals and
// Directory.Read.All for delegated permission grants.
const READ_SERVICE_PRINCIPALS = {
  app: [
    'Application.Read.All',
    'Application.ReadWrite.All',
    'Directory.Read.All',
    'Directory.ReadWrite.All',
  ],
  delegated: [
    'Application.Read.All',
    'Application.ReadWrite.All',
    'Directory.Read.All',
    'Directory.ReadWrite.All',
  ],
};
const READ_GRANTS = {
  app: [
    'Directory.Read.All',
    'DelegatedPermissionGrant.Read.All',
    'DelegatedPermissionGrant.ReadWrite.All',
    'Directory.ReadWrite.All',
  ],
  delegated: [
    'Directory.Read.All',
    'DelegatedPermissionGrant.Read.All',
    'DelegatedPermissionGrant.ReadWrite.All',
    'Directory.ReadWrite.All',
  ],
};

const MICROSOFT_TENANT_ID = 'f8cdef31-a31e-4b4a-93e4-5f571e91255a';

function notFound(id: string): GraphHttpError {
  return new GraphHttpError(
    404,
    'Request_ResourceNotFound',
    `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`,
  );
}

interface SpView {
  id: string;
  appId: string;
  displayName: string;
  publisherName: string;
  appOwnerOrganizationId: string;
  replyUrls: string[];
  appRoles: Record<string, unknown>[];
  oauth2PermissionScopes: Record<string, unknown>[];
}

/** Microsoft Graph's own service principal, present in every tenant. */
function graphSp(tenant: TenantState): SpView {
  return {
    id: tenant.graphServicePrincipalId,
    appId: GRAPH_APP_ID,
    displayName: 'Microsoft Graph',
    publisherName: 'Microsoft Services',
    appOwnerOrganizationId: MICROSOFT_TENANT_ID,
    replyUrls: [],
    appRoles: Object.entries(GRAPH_APP_ROLES).map(([value, id]) => ({
      allowedMemberTypes: ['Application'],
      description: value,
      displayName: value,
      id,
      isEnabled: true,
      origin: 'Application',
      value,
    })),
    oauth2PermissionScopes: Object.entries(GRAPH_DELEGATED_SCOPES).map(([value, s]) => ({
      adminConsentDescription: value,
      adminConsentDisplayName: value,
      id: s.id,
      isEnabled: true,
      type: s.adminOnly ? 'Admin' : 'User',
      userConsentDescription: value,
      userConsentDisplayName: value,
      value,
    })),
  };
}

/** Service principals visible in the tenant: Graph's plus every Rox app consented there. */
function servicePrincipals(ctx: GraphCtx): SpView[] {
  const tenant = ctx.principal.tenant;
  const out = [graphSp(tenant)];
  for (const app of ctx.state.appList()) {
    const sp = tenant.servicePrincipalOf(app.clientId);
    if (!sp) continue;
    out.push({
      id: sp.id,
      appId: app.clientId,
      displayName: app.displayName,
      publisherName: app.publisherName,
      appOwnerOrganizationId: app.homeTenantId,
      replyUrls: [...app.redirectUris],
      appRoles: [],
      oauth2PermissionScopes: [],
    });
  }
  return out;
}

function spToGraph(v: SpView): Record<string, unknown> {
  return {
    id: v.id,
    deletedDateTime: null,
    accountEnabled: true,
    alternativeNames: [],
    appDescription: null,
    appDisplayName: v.displayName,
    appId: v.appId,
    applicationTemplateId: null,
    appOwnerOrganizationId: v.appOwnerOrganizationId,
    appRoleAssignmentRequired: false,
    description: null,
    disabledByMicrosoftStatus: null,
    displayName: v.displayName,
    homepage: null,
    loginUrl: null,
    logoutUrl: null,
    notes: null,
    notificationEmailAddresses: [],
    preferredSingleSignOnMode: null,
    preferredTokenSigningKeyThumbprint: null,
    replyUrls: v.replyUrls,
    servicePrincipalNames: [v.appId],
    servicePrincipalType: 'Application',
    signInAudience: 'AzureADMultipleOrgs',
    tags: ['WindowsAzureActiveDirectoryIntegratedApp'],
    tokenEncryptionKeyId: null,
    samlSingleSignOnSettings: null,
    addIns: [],
    appRoles: v.appRoles,
    info: {
      logoUrl: null,
      marketingUrl: null,
      privacyStatementUrl: null,
      supportUrl: null,
      termsOfServiceUrl: null,
    },
    keyCredentials: [],
    oauth2PermissionScopes: v.oauth2PermissionScopes,
    passwordCredentials: [],
    resourceSpecificApplicationPermissions: [],
    verifiedPublisher: { displayName: null, verifiedPublisherId: null, addedDateTime: null },
    publisherName: v.publisherName,
  };
}

/** A grant's id: stable for (client, consent type, principal, resource), base64url like Entra's. */
function grantId(clientSpId: string, principal: string, resourceSpId: string): string {
  return toBase64Url(
    createHash('sha256').update(`${clientSpId}|${principal}|${resourceSpId}`).digest(),
  ).slice(0, 43);
}

/** Delegated permission grants of every consented Rox app, one per (app, principal). */
function grants(ctx: GraphCtx): Record<string, unknown>[] {
  const tenant = ctx.principal.tenant;
  const resourceId = tenant.graphServicePrincipalId;
  const out: Record<string, unknown>[] = [];
  for (const app of ctx.state.appList()) {
    const sp = tenant.servicePrincipalOf(app.clientId);
    if (!sp) continue;
    for (const [principal, scopes] of tenant.grantsOf(app.clientId)) {
      if (scopes.size === 0) continue;
      const all = principal === 'AllPrincipals';
      out.push({
        clientId: sp.id,
        consentType: all ? 'AllPrincipals' : 'Principal',
        id: grantId(sp.id, principal, resourceId),
        principalId: all ? null : principal,
        resourceId,
        scope: [...scopes].join(' '),
      });
    }
  }
  return out;
}

/** $filter, $top and $select over a small in-memory directory collection. */
function listOf(
  ctx: GraphCtx,
  items: Record<string, unknown>[],
  context: string,
): ReturnType<GraphRoute['handler']> {
  const raw = option(ctx.req, 'filter');
  let filtered = items;
  if (raw !== undefined) {
    let parsed;
    try {
      parsed = parseFilter(raw);
    } catch {
      throw badRequest(`Invalid filter clause: syntax error in '${raw}'.`, 'BadRequest');
    }
    const eventual = (ctx.req.headers.consistencylevel ?? '').toLowerCase() === 'eventual';
    if (parsed.isAdvanced && !eventual)
      throw badRequest('Unsupported Query.', 'Request_UnsupportedQuery');
    filtered = items.filter((i) => parsed.predicate(i));
  }
  const top = parseTop(ctx.req, 'directory') ?? 100;
  const select = parseSelect(ctx.req);
  return ok({
    '@odata.context': `${ctx.root}/$metadata#${context}`,
    value: filtered.slice(0, top).map((i) => project(i, select)),
  });
}

function listServicePrincipals(ctx: GraphCtx): ReturnType<GraphRoute['handler']> {
  requirePermission(ctx.principal, READ_SERVICE_PRINCIPALS, 'directory');
  return listOf(ctx, servicePrincipals(ctx).map(spToGraph), 'servicePrincipals');
}

function getServicePrincipal(by: 'id' | 'appId') {
  return (ctx: GraphCtx, params: string[]): ReturnType<GraphRoute['handler']> => {
    requirePermission(ctx.principal, READ_SERVICE_PRINCIPALS, 'directory');
    const key = (params[0] ?? '').toLowerCase();
    const found = servicePrincipals(ctx).find((sp) => sp[by].toLowerCase() === key);
    if (!found) throw notFound(params[0] ?? '');
    return ok({
      '@odata.context': `${ctx.root}/$metadata#servicePrincipals/$entity`,
      ...project(spToGraph(found), parseSelect(ctx.req)),
    });
  };
}

function listGrants(ctx: GraphCtx): ReturnType<GraphRoute['handler']> {
  requirePermission(ctx.principal, READ_GRANTS, 'directory');
  return listOf(ctx, grants(ctx), 'oauth2PermissionGrants');
}

function getGrant(ctx: GraphCtx, params: string[]): ReturnType<GraphRoute['handler']> {
  requirePermission(ctx.principal, READ_GRANTS, 'directory');
  const found = grants(ctx).find((g) => g.id === params[0]);
  if (!found) throw notFound(params[0] ?? '');
  return ok({
    '@odata.context': `${ctx.root}/$metadata#oauth2PermissionGrants/$entity`,
    ...project(found, parseSelect(ctx.req)),
  });
}

function spGrants(ctx: GraphCtx, params: string[]): ReturnType<GraphRoute['handler']> {
  requirePermission(ctx.principal, READ_GRANTS, 'directory');
  const id = (params[0] ?? '').toLowerCase();
  if (!servicePrincipals(ctx).some((sp) => sp.id === id)) throw notFound(params[0] ?? '');
  return listOf(
    ctx,
    grants(ctx).filter((g) => g.clientId === id),
    `servicePrincipals('${id}')/oauth2PermissionGrants`,
  );
}

const GUID = '([0-9a-fA-F-]{36})';

export const applicationRoutes: GraphRoute[] = [
  { method: 'GET', pattern: /^\/servicePrincipals$/, handler: listServicePrincipals },
  {
    method: 'GET',
    pattern: new RegExp(`^/servicePrincipals\\(appId='${GUID}'\\)$`),
    handler: getServicePrincipal('appId'),
  },
  {
    method: 'GET',
    pattern: new RegExp(`^/servicePrincipals/${GUID}/oauth2PermissionGrants$`),
    handler: spGrants,
  },
  {
    method: 'GET',
    pattern: new RegExp(`^/servicePrincipals/${GUID}$`),
    handler: getServicePrincipal('id'),
  },
  { method: 'GET', pattern: /^\/oauth2PermissionGrants$/, handler: listGrants },
  { method: 'GET', pattern: /^\/oauth2PermissionGrants\/([^/]+)$/, handler: getGrant },
];
