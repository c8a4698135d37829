import { randomUUID } from 'node:crypto';

import { formBody, html, redirect, type EmuReply, type EmuRequest } from '../http/types';
import { esc, hidden, page } from '../portal/layout';
import type { AppRegistration } from '../state/app';
import { canConsentForOrganization, canGrantAppRoles } from '../state/directory-roles';
import type { EmulatorState } from '../state/emulator-state';
import type { UserRecord } from '../state/model';
import {
  consentScreenScopes,
  GRAPH_RESOURCE,
  OIDC_SCOPES,
  scopeDescription,
} from '../state/permissions';
import type { TenantState } from '../state/tenant';
import { aadDescription, appendQuery, errorRedirectUrl } from './aad-errors';
import { checkSignInRequest, consentPage, pickerUsers, resolveSignIn, signInPage } from './sign-in';

/**
 * Grants what admin consent to one app grants: every application permission configured on it and,
 * tenant-wide, its configured delegated ones.
 */
export function grantAdminConsent(
  state: EmulatorState,
  tenant: TenantState,
  app: AppRegistration,
): void {
  const sp = tenant.ensureServicePrincipal(app, state.now());
  for (const role of app.applicationPermissions) sp.grantedRoles.add(role);
  if (app.delegatedPermissions.length > 0)
    tenant.grantDelegated(app.clientId, 'AllPrincipals', app.delegatedPermissions);
}

/**
 * Whether the user may complete admin consent for the app: Graph application permissions need a
 * Global or Privileged Role Administrator; delegated-only apps also accept the application
 * administrator roles.
 */
export function canAdminConsent(user: UserRecord, app: AppRegistration): boolean {
  return app.applicationPermissions.length > 0
    ? canGrantAppRoles(user)
    : canConsentForOrganization(user);
}

/** The `scope` of a v2 success redirect: what the consent granted, as resource-qualified names. */
function grantedScopeParam(app: AppRegistration): string {
  return [...app.applicationPermissions, ...app.delegatedPermissions]
    .map((p) => (OIDC_SCOPES.has(p) ? p : `${GRAPH_RESOURCE}/${p}`))
    .join(' ');
}

function permissionList(registration: AppRegistration): string {
  const app = registration.applicationPermissions.map(
    (p) =>
      `<li data-permission="${esc(p)}">${esc(p)} <span class="muted">(application)</span></li>`,
  );
  // Delegated permissions read as on Entra's admin prompt ("Read user calendars", …).
  const delegated = consentScreenScopes(registration.delegatedPermissions).map(
    (p) =>
      `<li data-permission="${esc(p)}"><span class="permission-description">${esc(scopeDescription(p, 'admin'))}</span> <span class="muted">(delegated)</span></li>`,
  );
  return `<ul id="requested-permissions">${[...app, ...delegated].join('')}</ul>`;
}

/** GET/POST /{tenant}/v2.0/adminconsent and the v1-style /{tenant}/adminconsent. */
export function handleAdminConsent(
  state: EmulatorState,
  req: EmuRequest,
  segment: string,
  v2: boolean,
): EmuReply {
  const q = req.query;
  // Without redirect_uri, admin consent returns to the app's first registered one.
  const checked = checkSignInRequest(state, q, segment, (a) => a.redirectUris[0] ?? '');
  if (!checked.ok) return checked.reply;
  const { tenant: tenantArg, redirectUri, app } = checked;
  const stateParam = q.get('state');
  if (v2 && !q.get('scope')) {
    return redirect(
      errorRedirectUrl(
        redirectUri,
        {
          error: 'invalid_request',
          code: 900144,
          message: "The request body must contain the following parameter: 'scope'.",
          state: stateParam,
        },
        state.now(),
      ),
    );
  }
  const action = `${req.path}?${req.rawQuery}`;
  if (req.method !== 'POST') {
    return html(
      200,
      signInPage(
        `${app.displayName} needs permission to access resources in your organization`,
        action,
        pickerUsers(state, tenantArg),
        {},
        q.get('login_hint'),
      ),
    );
  }
  const form = formBody(req);
  const step = form.get('action') ?? 'signin';
  if (step === 'cancel') {
    return redirect(
      errorRedirectUrl(
        redirectUri,
        {
          error: 'access_denied',
          subcode: 'cancel',
          code: 65004,
          message: 'The resource owner or authorization server denied the request.',
          state: stateParam,
        },
        state.now(),
      ),
    );
  }
  const upn = form.get('user') || form.get('login') || '';
  const who = resolveSignIn(state, tenantArg, upn, app);
  if (!who.ok) return who.reply;
  const { tenant, user } = who.target;
  if (!canAdminConsent(user, app)) {
    if (step === 'back') {
      return redirect(
        errorRedirectUrl(
          redirectUri,
          {
            error: 'access_denied',
            code: 90094,
            message:
              'Admin consent is required for the permissions requested by this application. An admin consent request may be sent to the admin.',
            state: stateParam,
            ...(v2 ? {} : {}),
          },
          state.now(),
        ),
      );
    }
    return html(
      403,
      page(
        'Need admin approval',
        `<h1 id="need-admin-approval">Need admin approval</h1>
<p>${esc(app.displayName)} needs permission to access resources in your organization that only an admin can grant. Please ask an admin to grant permission to this app before you can use it.</p>
<div class="banner" id="error-code">${esc(aadDescription(90094, 'Admin consent is required for the permissions requested by this application.', randomUUID(), state.now()).split('\r\n')[0] ?? '')}</div>
<form method="post" action="${esc(action)}">${hidden({ action: 'back', user: user.userPrincipalName })}<button id="back-to-app" type="submit">Return to the application without granting consent</button></form>`,
      ),
    );
  }
  if (step === 'accept') {
    grantAdminConsent(state, tenant, app);
    const out = new URLSearchParams();
    out.set('admin_consent', 'True');
    out.set('tenant', tenant.id);
    if (v2) out.set('scope', grantedScopeParam(app));
    if (stateParam) out.set('state', stateParam);
    return redirect(appendQuery(redirectUri, out));
  }
  return html(
    200,
    consentPage(
      app,
      action,
      user.userPrincipalName,
      ` — accepting grants these permissions for <strong id="tenant-name">${esc(tenant.displayName)}</strong>:`,
      permissionList(app),
    ),
  );
}
