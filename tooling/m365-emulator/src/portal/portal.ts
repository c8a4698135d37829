import { formBody, html, type EmuReply, type EmuRequest } from '../http/types';
import { grantAdminConsent } from '../identity/admin-consent';
import {
  approveConsentRequest,
  denyConsentRequest,
  portalAdmin,
} from '../identity/consent-requests';
import { revokeSignInSessions } from '../identity/sessions';
import { appHeader, consentPage, permissionListHtml } from '../identity/sign-in';
import type { AppRegistration } from '../state/app';
import { roleNames } from '../state/directory-roles';
import type { EmulatorState } from '../state/emulator-state';
import type { ConsentRequest } from '../state/model';
import { GRAPH_APP_ROLES } from '../state/permissions';
import type { TenantState } from '../state/tenant';
import { guidFrom } from '../util/prng';
import { esc, page, slug } from './layout';

function seeOther(location: string): EmuReply {
  return { status: 303, headers: { location }, body: '' };
}

function nav(t: TenantState): string {
  const base = `/portal/${t.id}`;
  return `<nav id="portal-nav"><a href="/portal">Tenants</a><a id="nav-enterprise-apps" href="${base}/enterprise-apps">Enterprise applications</a><a id="nav-consent-requests" href="${base}/consent-requests">Admin consent requests</a><a id="nav-users" href="${base}/users">Users</a><a id="nav-access-policies" href="${base}/access-policies">Application access policies</a><a id="nav-consent-settings" href="${base}/consent-settings">Consent settings</a></nav><h2 id="tenant-name">${esc(t.displayName)} <span class="muted">${esc(t.id)}</span></h2>`;
}

function tenantsPage(state: EmulatorState): EmuReply {
  const rows = [...state.tenants.values()]
    .map(
      (t) =>
        `<tr><td><a id="tenant-${slug(t.initialDomain)}" href="/portal/${t.id}/enterprise-apps">${esc(t.displayName)}</a></td><td>${esc(t.domains.join(', '))}</td><td>${t.users.size}</td></tr>`,
    )
    .join('');
  return html(
    200,
    page(
      'Microsoft Entra admin center (emulated)',
      `<h1>Microsoft Entra admin center (emulated)</h1><table id="tenants"><tr><th>Tenant</th><th>Domains</th><th>Users</th></tr>${rows}</table>`,
    ),
  );
}

/** Enterprise apps: one row per Rox app whose service principal exists (consent created it). */
function enterpriseApps(state: EmulatorState, t: TenantState): EmuReply {
  const rows = state
    .appList()
    .map((app) => ({ app, sp: t.servicePrincipalOf(app.clientId) }))
    .filter(({ sp }) => sp !== undefined)
    .map(
      ({ app, sp }) =>
        `<tr id="enterprise-app-${app.kind}"><td><a id="app-${app.clientId}" href="/portal/${t.id}/enterprise-apps/${app.clientId}/permissions">${esc(app.displayName)}</a></td><td>${app.clientId}</td><td>${sp?.id ?? ''}</td><td>${esc(app.publisherName)}</td><td><a id="properties-${app.kind}" href="/portal/${t.id}/enterprise-apps/${app.clientId}/properties">Properties</a></td></tr>`,
    )
    .join('');
  const names = state
    .appList()
    .map((a) => esc(a.displayName))
    .join(' and ');
  const body = rows
    ? `<table id="enterprise-apps"><tr><th>Name</th><th>Application ID</th><th>Object ID</th><th>Publisher</th><th></th></tr>${rows}</table>`
    : `<p id="no-enterprise-apps">No enterprise applications. ${names} appear here once someone consents to them.</p>`;
  return html(
    200,
    page('Enterprise applications', `${nav(t)}<h1>Enterprise applications</h1>${body}`),
  );
}

function permissionsPage(
  state: EmulatorState,
  t: TenantState,
  app: AppRegistration,
  req: EmuRequest,
): EmuReply {
  const action = `/portal/${t.id}/enterprise-apps/${app.clientId}/permissions`;
  if (req.method === 'POST') {
    const form = formBody(req);
    const perm = form.get('permission') ?? '';
    switch (form.get('action')) {
      case 'grant-admin-consent':
        grantAdminConsent(state, t, app);
        break;
      case 'revoke-role':
        t.servicePrincipalOf(app.clientId)?.grantedRoles.delete(perm);
        break;
      case 'revoke-delegated':
        t.revokeDelegated(app.clientId, form.get('principal') ?? 'AllPrincipals', perm);
        break;
      default:
        break;
    }
    return seeOther(action);
  }
  const sp = t.servicePrincipalOf(app.clientId);
  const roles = sp ? [...sp.grantedRoles].sort() : [];
  const roleRows = roles
    .map(
      (r) =>
        `<tr id="granted-${slug(r)}"><td>Microsoft Graph</td><td>${esc(r)}</td><td>Application</td><td>${GRAPH_APP_ROLES[r] ?? ''}</td><td><form method="post" action="${action}"><input type="hidden" name="action" value="revoke-role"><input type="hidden" name="permission" value="${esc(r)}"><button id="revoke-${slug(r)}" type="submit">Revoke permission</button></form></td></tr>`,
    )
    .join('');
  const delegatedRows = [...t.grantsOf(app.clientId)]
    .flatMap(([principal, scopes]) =>
      [...scopes].sort().map((s) => {
        const who =
          principal === 'AllPrincipals'
            ? 'Admin consent (all users)'
            : (t.users.get(principal)?.userPrincipalName ?? principal);
        return `<tr id="delegated-${slug(principal)}-${slug(s)}"><td>${esc(s)}</td><td>Delegated</td><td>${esc(who)}</td><td><form method="post" action="${action}"><input type="hidden" name="action" value="revoke-delegated"><input type="hidden" name="principal" value="${esc(principal)}"><input type="hidden" name="permission" value="${esc(s)}"><button id="revoke-delegated-${slug(principal)}-${slug(s)}" type="submit">Revoke</button></form></td></tr>`;
      }),
    )
    .join('');
  return html(
    200,
    page(
      'Permissions',
      `${nav(t)}<h1 id="permissions-title">${esc(app.displayName)} | Permissions</h1><p><a id="app-properties" href="/portal/${t.id}/enterprise-apps/${app.clientId}/properties">Properties</a></p>
<form method="post" action="${action}"><input type="hidden" name="action" value="grant-admin-consent"><button id="grant-admin-consent" type="submit">Grant admin consent for ${esc(t.displayName)}</button></form>
<h3>Admin consent</h3><table id="admin-consent-permissions"><tr><th>API</th><th>Permission</th><th>Type</th><th>Id</th><th></th></tr>${roleRows || '<tr><td colspan="5" id="no-app-permissions">No application permissions granted</td></tr>'}</table>
<h3>User consent</h3><table id="user-consent-permissions"><tr><th>Permission</th><th>Type</th><th>Granted for</th><th></th></tr>${delegatedRows || '<tr><td colspan="4">No delegated permissions granted</td></tr>'}</table>`,
    ),
  );
}

const REQUEST_STATUS_TEXT: Record<ConsentRequest['status'], string> = {
  InProgress: 'Pending',
  Completed: 'Approved',
  Denied: 'Denied',
};

/** Entra ID > Enterprise apps > Admin consent requests: "My Pending" and "All" tabs. */
function consentRequests(state: EmulatorState, t: TenantState, req: EmuRequest): EmuReply {
  const all = req.query.get('tab') === 'all';
  const base = `/portal/${t.id}/consent-requests`;
  const rows = t.consentRequests
    .filter((r) => all || r.status === 'InProgress')
    .map((r) => {
      const appName = state.findApp(r.appId)?.displayName ?? r.appId;
      return `<tr id="request-${r.id}"><td><a id="review-${r.id}" href="${base}/${r.id}">${esc(appName)}</a></td><td class="requested-by">${esc(r.requestedByUpn)}</td><td>${esc(r.justification)}</td><td>${esc(r.createdDateTime.slice(0, 10))}</td><td class="status">${REQUEST_STATUS_TEXT[r.status]}</td></tr>`;
    })
    .join('');
  const empty = `<tr><td colspan="5" id="no-consent-requests">${all ? 'No admin consent requests' : 'No pending requests'}</td></tr>`;
  return html(
    200,
    page(
      'Admin consent requests',
      `${nav(t)}<h1>Admin consent requests</h1>
<p class="tabs"><a id="tab-my-pending" href="${base}"${all ? '' : ' class="active"'}>My Pending</a><a id="tab-all" href="${base}?tab=all"${all ? ' class="active"' : ''}>All</a></p>
<table id="consent-requests"><tr><th>Application</th><th>Requested by</th><th>Reason</th><th>Requested on</th><th>Status</th></tr>${rows || empty}</table>`,
    ),
  );
}

/**
 * One request's details pane: the app, the requester (UPN) and justification, the permissions,
 * "Review permissions and consent" (the consent dialog) and Deny (a reason is required).
 */
function reviewRequest(
  state: EmulatorState,
  t: TenantState,
  id: string,
  req: EmuRequest,
): EmuReply | undefined {
  const request = t.consentRequests.find((r) => r.id === id);
  const app = request ? state.findApp(request.appId) : undefined;
  if (!request || !app) return undefined;
  const action = `/portal/${t.id}/consent-requests/${id}`;
  let problem = '';
  if (req.method === 'POST') {
    const form = formBody(req);
    if (form.get('action') === 'deny' && request.status === 'InProgress') {
      const reason = (form.get('reason') ?? '').trim();
      if (reason) {
        denyConsentRequest(state, t, request, reviewerUpn(t), reason);
        return seeOther(`/portal/${t.id}/consent-requests`);
      }
      problem =
        '<p class="banner" id="deny-reason-required">Enter a reason for denying this request. It is sent to the requester.</p>';
    } else {
      return seeOther(action);
    }
  }
  const decided =
    request.status === 'InProgress'
      ? `<p><a class="button" id="review-permissions-consent" href="${action}/consent">Review permissions and consent</a></p>
<form method="post" action="${action}"><input type="hidden" name="action" value="deny"><label for="deny-reason">Reason for denying (sent to the requester)</label><br><textarea id="deny-reason" name="reason" rows="2"></textarea><br><button id="deny-request" class="secondary" type="submit">Deny</button></form>`
      : `<p id="review-outcome">${REQUEST_STATUS_TEXT[request.status]} by <span id="reviewed-by">${esc(request.reviewedBy ?? '')}</span> on ${esc((request.reviewedDateTime ?? '').slice(0, 10))}${request.reviewReason ? `: <q id="review-reason">${esc(request.reviewReason)}</q>` : ''}</p>`;
  return html(
    200,
    page(
      'Admin consent request',
      `${nav(t)}<h1>${esc(app.displayName)}</h1>${appHeader(app)}${problem}
<h3>Requested by</h3><p><span id="requested-by">${esc(request.requestedByUpn)}</span> on ${esc(request.createdDateTime.slice(0, 10))}</p>
<h3>Reason</h3><p><q id="justification">${esc(request.justification)}</q></p>
<h3>Permissions</h3>${permissionListHtml(request.scopes, 'admin')}
<p>Status: <span id="request-status">${REQUEST_STATUS_TEXT[request.status]}</span></p>
${decided}`,
    ),
  );
}

/**
 * The consent dialog "Review permissions and consent" opens: Entra's admin prompt for the
 * requested permissions. Accept consents for the whole organisation and completes the request.
 */
function requestConsentDialog(
  state: EmulatorState,
  t: TenantState,
  id: string,
  req: EmuRequest,
): EmuReply | undefined {
  const request = t.consentRequests.find((r) => r.id === id);
  const app = request ? state.findApp(request.appId) : undefined;
  if (!request || !app) return undefined;
  const review = `/portal/${t.id}/consent-requests/${id}`;
  if (req.method === 'POST') {
    const form = formBody(req);
    if (form.get('action') === 'accept' && request.status === 'InProgress') {
      approveConsentRequest(state, t, request, reviewerUpn(t));
      return seeOther(`/portal/${t.id}/consent-requests`);
    }
    return seeOther(review);
  }
  if (request.status !== 'InProgress') return seeOther(review);
  return html(
    200,
    consentPage(
      app,
      `${review}/consent`,
      reviewerUpn(t),
      ` — accepting grants these permissions for <strong id="consent-tenant-name">${esc(t.displayName)}</strong>; no one in your organization will be asked again:`,
      permissionListHtml(request.scopes, 'admin'),
    ),
  );
}

/** The UPN the portal acts as when it reviews (it has no sign-in of its own). */
function reviewerUpn(t: TenantState): string {
  return portalAdmin(t)?.userPrincipalName ?? `admin@${t.initialDomain}`;
}

/** Enterprise app > Properties: the app's ids and Delete (service principal, roles, grants). */
function appProperties(
  state: EmulatorState,
  t: TenantState,
  app: AppRegistration,
  req: EmuRequest,
): EmuReply {
  if (req.method === 'POST') {
    if (formBody(req).get('action') === 'delete') {
      t.removeServicePrincipal(app.clientId);
      return seeOther(`/portal/${t.id}/enterprise-apps`);
    }
    return seeOther(`/portal/${t.id}/enterprise-apps/${app.clientId}/properties`);
  }
  const sp = t.servicePrincipalOf(app.clientId);
  if (!sp)
    return html(
      404,
      page(
        'Not found',
        `${nav(t)}<h1 id="no-enterprise-app">${esc(app.displayName)} is not in this tenant</h1>`,
      ),
    );
  return html(
    200,
    page(
      'Properties',
      `${nav(t)}<h1 id="properties-title">${esc(app.displayName)} | Properties</h1>${appHeader(app)}
<p><a id="app-permissions" href="/portal/${t.id}/enterprise-apps/${app.clientId}/permissions">Permissions</a></p>
<table id="app-properties"><tr><th>Application ID</th><td>${app.clientId}</td></tr><tr><th>Object ID</th><td id="sp-object-id">${sp.id}</td></tr><tr><th>Created</th><td>${esc(sp.createdDateTime)}</td></tr></table>
<form method="post" action="/portal/${t.id}/enterprise-apps/${app.clientId}/properties"><input type="hidden" name="action" value="delete"><p class="muted">Deleting removes the enterprise application, every permission granted to it (application and delegated) and its assignments in ${esc(t.displayName)}.</p><button id="delete-enterprise-app" type="submit">Delete</button></form>`,
    ),
  );
}

function usersPage(state: EmulatorState, t: TenantState, req: EmuRequest): EmuReply {
  const action = `/portal/${t.id}/users`;
  if (req.method === 'POST') {
    const form = formBody(req);
    const user = t.findUser(form.get('user') ?? '');
    if (form.get('action') === 'revoke-sessions' && user) revokeSignInSessions(state, t, user.id);
    return seeOther(action);
  }
  const from = Number(req.query.get('from') ?? '0');
  const { items, next } = t.users.page(from, 100);
  const rows = items
    .map(
      (u) =>
        `<tr id="user-${slug(u.userPrincipalName)}"><td>${esc(u.displayName)}</td><td>${esc(u.userPrincipalName)}</td><td>${u.userType}</td><td>${u.accountEnabled ? 'Enabled' : 'Disabled'}</td><td>${u.hasMailbox ? u.userPurpose : 'No mailbox'}</td><td>${esc(roleNames(u).join(', '))}</td><td><form method="post" action="${action}"><input type="hidden" name="action" value="revoke-sessions"><input type="hidden" name="user" value="${u.id}"><button id="revoke-sessions-${slug(u.userPrincipalName)}" class="secondary" type="submit">Revoke sessions</button></form></td></tr>`,
    )
    .join('');
  const more =
    next !== undefined
      ? `<a id="users-next" href="/portal/${t.id}/users?from=${next}">Next</a>`
      : '';
  return html(
    200,
    page(
      'Users',
      `${nav(t)}<h1>Users</h1><table id="users"><tr><th>Name</th><th>UPN</th><th>Type</th><th>Sign-in</th><th>Mailbox</th><th>Roles</th><th></th></tr>${rows}</table>${more}`,
    ),
  );
}

function accessPolicies(state: EmulatorState, t: TenantState, req: EmuRequest): EmuReply {
  const action = `/portal/${t.id}/access-policies`;
  let result = '';
  if (req.method === 'POST') {
    const form = formBody(req);
    switch (form.get('action')) {
      case 'add': {
        const group = t.findGroup(form.get('group') ?? '');
        if (group?.mailEnabled && group.securityEnabled) {
          const accessRight =
            form.get('accessRight') === 'DenyAccess' ? 'DenyAccess' : 'RestrictAccess';
          t.accessPolicies.push({
            id: guidFrom(t.id, 'aap', group.id, accessRight, state.clock.next()),
            appId: (state.findApp(form.get('appId')) ?? state.apps.orgwide).clientId,
            groupId: group.id,
            accessRight,
            description: form.get('description') ?? '',
          });
        }
        return seeOther(action);
      }
      case 'remove':
        t.accessPolicies = t.accessPolicies.filter((p) => p.id !== form.get('id'));
        return seeOther(action);
      case 'test': {
        const user = t.findUser(form.get('identity') ?? '');
        const appId = (state.findApp(form.get('appId')) ?? state.apps.orgwide).clientId;
        result = user
          ? `<table id="test-result"><tr><th>AppId</th><th>Mailbox</th><th>MailboxId</th><th>AccessCheckResult</th></tr><tr><td>${appId}</td><td>${esc(user.mailNickname)}</td><td>${user.id}</td><td id="access-check-result">${t.accessCheck(appId, user.id)}</td></tr></table>`
          : `<p id="test-result" class="banner">The operation couldn't be performed because object '${esc(form.get('identity') ?? '')}' couldn't be found.</p>`;
        break;
      }
      default:
        break;
    }
  }
  const rows = t.accessPolicies
    .map((p) => {
      const g = t.groups.get(p.groupId);
      return `<tr id="policy-${p.id}"><td>${p.appId}</td><td>${esc(g?.mail ?? p.groupId)}</td><td>${p.accessRight}</td><td>${esc(p.description)}</td><td><form method="post" action="${action}"><input type="hidden" name="action" value="remove"><input type="hidden" name="id" value="${p.id}"><button id="remove-policy-${p.id}" type="submit">Remove</button></form></td></tr>`;
    })
    .join('');
  // The org-wide app comes first, so forms that leave the choice alone act on it as before.
  const appOptions = state
    .appList()
    .map((a) => `<option value="${a.clientId}">${esc(a.displayName)} (${a.clientId})</option>`)
    .join('');
  const groups = [...t.groups.values()]
    .filter((g) => g.mailEnabled && g.securityEnabled)
    .map(
      (g) =>
        `<option value="${esc(g.mail ?? g.id)}">${esc(g.displayName)} (${esc(g.mail ?? '')})</option>`,
    )
    .join('');
  return html(
    200,
    page(
      'Application access policies',
      `${nav(t)}<h1>Exchange application access policies</h1>
<table id="access-policies"><tr><th>AppId</th><th>PolicyScopeGroupId</th><th>AccessRight</th><th>Description</th><th></th></tr>${rows}</table>
<h3>New-ApplicationAccessPolicy</h3><form method="post" action="${action}" id="new-policy-form"><input type="hidden" name="action" value="add">
<label for="policy-app">AppId</label> <select id="policy-app" name="appId">${appOptions}</select>
<label for="policy-group">Group</label> <select id="policy-group" name="group">${groups}</select>
<label for="policy-access-right">AccessRight</label> <select id="policy-access-right" name="accessRight"><option>RestrictAccess</option><option>DenyAccess</option></select>
<label for="policy-description">Description</label> <input id="policy-description" name="description"><button id="add-policy" type="submit">Add</button></form>
<h3>Test-ApplicationAccessPolicy</h3><form method="post" action="${action}"><input type="hidden" name="action" value="test"><label for="test-app">AppId</label> <select id="test-app" name="appId">${appOptions}</select> <label for="test-identity">Identity</label> <input id="test-identity" name="identity"><button id="test-policy" type="submit">Test</button></form>${result}`,
    ),
  );
}

function consentSettings(t: TenantState, req: EmuRequest): EmuReply {
  const action = `/portal/${t.id}/consent-settings`;
  if (req.method === 'POST') {
    const form = formBody(req);
    t.consentPolicy.userConsent =
      form.get('userConsent') === 'notAllowed' ? 'notAllowed' : 'allowed';
    t.consentPolicy.adminConsentWorkflow = form.get('adminConsentWorkflow') === 'on';
    return seeOther(action);
  }
  const p = t.consentPolicy;
  return html(
    200,
    page(
      'Consent and permissions',
      `${nav(t)}<h1>Consent and permissions</h1><form method="post" action="${action}">
<p><label><input type="radio" id="user-consent-not-allowed" name="userConsent" value="notAllowed"${p.userConsent === 'notAllowed' ? ' checked' : ''}> Do not allow user consent</label></p>
<p><label><input type="radio" id="user-consent-allowed" name="userConsent" value="allowed"${p.userConsent === 'allowed' ? ' checked' : ''}> Allow user consent for apps</label></p>
<p><label><input type="checkbox" id="admin-consent-workflow" name="adminConsentWorkflow"${p.adminConsentWorkflow ? ' checked' : ''}> Users can request admin consent to apps they are unable to consent to</label></p>
<button id="save-consent-settings" type="submit">Save</button></form>`,
    ),
  );
}

/** Routes /portal/... pages; undefined for other paths. */
export function routePortal(state: EmulatorState, req: EmuRequest): EmuReply | undefined {
  if (req.path !== '/portal' && !req.path.startsWith('/portal/')) return undefined;
  const parts = req.path
    .split('/')
    .filter(Boolean)
    .slice(1)
    .map((p) => decodeURIComponent(p));
  if (parts.length === 0) return tenantsPage(state);
  const t = state.findTenant(parts[0] ?? '');
  if (!t) return html(404, page('Not found', `<h1>Tenant '${esc(parts[0] ?? '')}' not found</h1>`));
  const rest = parts.slice(1).join('/');
  if (rest === '' || rest === 'enterprise-apps') return enterpriseApps(state, t);
  const appPage = /^enterprise-apps\/([^/]+)\/(permissions|properties)$/.exec(rest);
  const app = appPage ? state.findApp(appPage[1]) : undefined;
  if (app && appPage?.[2] === 'properties') return appProperties(state, t, app, req);
  if (app) return permissionsPage(state, t, app, req);
  if (rest === 'consent-requests') return consentRequests(state, t, req);
  if (parts[1] === 'consent-requests' && parts[2]) {
    if (parts.length === 3) return reviewRequest(state, t, parts[2], req);
    if (parts.length === 4 && parts[3] === 'consent')
      return requestConsentDialog(state, t, parts[2], req);
  }
  if (rest === 'users') return usersPage(state, t, req);
  if (rest === 'access-policies') return accessPolicies(state, t, req);
  if (rest === 'consent-settings') return consentSettings(t, req);
  return undefined;
}
