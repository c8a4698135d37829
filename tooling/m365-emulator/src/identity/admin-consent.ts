import { randomUUID } from 'node:crypto';

import { formBody, html, redirect, type EmuReply, type EmuRequest } from '../http/types';
import { esc, hidden, page } from '../portal/layout';
import type { EmulatorState } from '../state/emulator-state';
import { GRAPH_RESOURCE } from '../state/permissions';
import type { TenantState } from '../state/tenant';
import { aadDescription, appendQuery, errorRedirectUrl } from './aad-errors';
import { checkSignInRequest, consentPage, pickerUsers, resolveSignIn, signInPage } from './sign-in';

/** Grants what admin consent grants: every configured application permission and, tenant-wide, the delegated ones. */
export function grantAdminConsent(state: EmulatorState, tenant: TenantState): void {
  const sp = tenant.ensureServicePrincipal(state.app.clientId, state.now());
  for (const role of state.app.applicationPermissions) sp.grantedRoles.add(role);
  tenant.grantDelegated('AllPrincipals', state.app.delegatedPermissions);
}

function permissionList(state: EmulatorState): string {
  const app = state.app.applicationPermissions.map(
    (p) =>
      `<li data-permission="${esc(p)}">${esc(p)} <span class="muted">(application)</span></li>`,
  );
  const delegated = state.app.delegatedPermissions.map(
    (p) => `<li data-permission="${esc(p)}">${esc(p)} <span class="muted">(delegated)</span></li>`,
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
  const checked = checkSignInRequest(state, q, segment, state.app.redirectUris[0]);
  if (!checked.ok) return checked.reply;
  const { tenant: tenantArg, redirectUri } = checked;
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
        `${state.app.displayName} needs permission to access resources in your organization`,
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
  const who = resolveSignIn(state, tenantArg, upn);
  if (!who.ok) return who.reply;
  const { tenant, user } = who.target;
  if (!user.isAdmin) {
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
<p>${esc(state.app.displayName)} needs permission to access resources in your organization that only an admin can grant. Please ask an admin to grant permission to this app before you can use it.</p>
<div class="banner" id="error-code">${esc(aadDescription(90094, 'Admin consent is required for the permissions requested by this application.', randomUUID(), state.now()).split('\r\n')[0] ?? '')}</div>
<form method="post" action="${esc(action)}">${hidden({ action: 'back', user: user.userPrincipalName })}<button id="back-to-app" type="submit">Return to the application without granting consent</button></form>`,
      ),
    );
  }
  if (step === 'accept') {
    grantAdminConsent(state, tenant);
    const out = new URLSearchParams();
    out.set('admin_consent', 'True');
    out.set('tenant', tenant.id);
    if (v2)
      out.set(
        'scope',
        state.app.applicationPermissions.map((p) => `${GRAPH_RESOURCE}/${p}`).join(' '),
      );
    if (stateParam) out.set('state', stateParam);
    return redirect(appendQuery(redirectUri, out));
  }
  return html(
    200,
    consentPage(
      state.app,
      action,
      user.userPrincipalName,
      ` — accepting grants these permissions for <strong id="tenant-name">${esc(tenant.displayName)}</strong>:`,
      permissionList(state),
    ),
  );
}
