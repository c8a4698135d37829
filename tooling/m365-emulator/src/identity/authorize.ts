import { randomBytes, randomUUID } from 'node:crypto';

import { formBody, html, redirect, type EmuReply, type EmuRequest } from '../http/types';
import { esc, hidden, page } from '../portal/layout';
import type { AppRegistration } from '../state/app';
import { canConsentForOrganization } from '../state/directory-roles';
import type { EmulatorState } from '../state/emulator-state';
import type { UserRecord } from '../state/model';
import {
  canonicalDelegatedScope,
  GRAPH_DELEGATED_SCOPES,
  graphScopeName,
  isGraphDefaultScope,
  OIDC_SCOPES,
} from '../state/permissions';
import type { TenantState } from '../state/tenant';
import { toBase64Url } from '../util/base64url';
import { appendQuery, consentRequiredMessage, errorRedirectUrl } from './aad-errors';
import {
  checkSignInRequest,
  consentPage,
  errorPage,
  pickerUsers,
  resolveSignIn,
  sessionUser,
  signInPage,
} from './sign-in';

/** Canonical Graph scope names a request asks for (OIDC scopes included; .default expands to the app's). */
function requestedScopeNames(app: AppRegistration, raw: string[]): string[] {
  const out = new Set<string>();
  for (const s of raw) {
    if (isGraphDefaultScope(s)) {
      for (const p of app.delegatedPermissions) out.add(p);
      continue;
    }
    const name = graphScopeName(s);
    if (!name) continue;
    out.add(canonicalDelegatedScope(name) ?? name);
  }
  return [...out];
}

/** Whether only an admin may grant these scopes: an admin-only (or unknown) scope, or a tenant that forbids user consent. */
function needsAdminConsent(tenant: TenantState, missing: string[]): boolean {
  return (
    missing.some((s) => GRAPH_DELEGATED_SCOPES[s]?.adminOnly ?? true) ||
    tenant.consentPolicy.userConsent === 'notAllowed'
  );
}

interface Flow {
  state: EmulatorState;
  app: AppRegistration;
  req: EmuRequest;
  tenantArg: TenantState | undefined;
  redirectUri: string;
  stateParam: string | null;
  responseMode: string;
  rawScopes: string[];
  action: string;
}

function finish(
  flow: Flow,
  params: URLSearchParams,
  extraHeaders: Record<string, string> = {},
): EmuReply {
  if (flow.responseMode === 'form_post') {
    const inputs = [...params]
      .map(([k, v]) => `<input type="hidden" name="${esc(k)}" value="${esc(v)}">`)
      .join('');
    return html(
      200,
      `<!doctype html><html><body onload="document.forms[0].submit()"><form method="post" action="${esc(flow.redirectUri)}">${inputs}<noscript><button type="submit">Continue</button></noscript></form></body></html>`,
      extraHeaders,
    );
  }
  const url =
    flow.responseMode === 'fragment'
      ? `${flow.redirectUri}#${params.toString()}`
      : appendQuery(flow.redirectUri, params);
  return { status: 302, headers: { location: url, ...extraHeaders }, body: '' };
}

function errorOut(
  flow: Flow,
  error: string,
  code: number,
  message: string,
  subcode?: string,
): EmuReply {
  const url = errorRedirectUrl(
    flow.redirectUri,
    { error, code, message, state: flow.stateParam, ...(subcode ? { subcode } : {}) },
    flow.state.now(),
  );
  if (flow.responseMode === 'form_post' || flow.responseMode === 'fragment') {
    const params = new URL(url).searchParams;
    return finish(flow, params);
  }
  return redirect(url);
}

function issueCode(
  flow: Flow,
  tenant: TenantState,
  user: UserRecord,
  cookie: string | undefined,
): EmuReply {
  const q = flow.req.query;
  const code = `1.A${toBase64Url(randomBytes(48))}`;
  flow.state.authCodes.set(code, {
    code,
    tenantId: tenant.id,
    clientId: flow.app.clientId,
    userId: user.id,
    redirectUri: flow.redirectUri,
    scopes: flow.rawScopes,
    ...(q.get('code_challenge') ? { codeChallenge: q.get('code_challenge') ?? '' } : {}),
    ...(q.get('code_challenge_method')
      ? { codeChallengeMethod: q.get('code_challenge_method') ?? '' }
      : {}),
    ...(q.get('nonce') ? { nonce: q.get('nonce') ?? '' } : {}),
    expiresAtMs: flow.state.nowMs() + flow.state.settings.authCodeLifetimeSeconds * 1000,
    redeemed: false,
  });
  const out = new URLSearchParams();
  out.set('code', code);
  if (flow.stateParam) out.set('state', flow.stateParam);
  out.set('session_state', randomUUID());
  return finish(flow, out, cookie ? { 'set-cookie': cookie } : {});
}

function newSessionCookie(state: EmulatorState, tenant: TenantState, user: UserRecord): string {
  const id = toBase64Url(randomBytes(24));
  state.sessions.set(id, { tenantId: tenant.id, userId: user.id });
  return `emu_session=${id}; Path=/; HttpOnly; SameSite=None; Secure`;
}

/** GET/POST /{tenant}/oauth2/v2.0/authorize: sign-in picker, consent pages and code issuance. */
export function handleAuthorize(state: EmulatorState, req: EmuRequest, segment: string): EmuReply {
  const q = req.query;
  const checked = checkSignInRequest(state, q, segment);
  if (!checked.ok) return checked.reply;
  const { tenant: tenantArg, redirectUri, app } = checked;
  const flow: Flow = {
    state,
    app,
    req,
    tenantArg,
    redirectUri,
    stateParam: q.get('state'),
    responseMode: q.get('response_mode') ?? 'query',
    rawScopes: (q.get('scope') ?? '').split(/\s+/).filter(Boolean),
    action: `${req.path}?${req.rawQuery}`,
  };
  const responseType = (q.get('response_type') ?? '').split(' ');
  if (!responseType.includes('code')) {
    return errorOut(
      flow,
      'unsupported_response_type',
      700054,
      "response_type 'id_token' is not enabled for the application.",
    );
  }
  if (flow.rawScopes.length === 0) {
    return errorOut(
      flow,
      'invalid_request',
      900144,
      "The request body must contain the following parameter: 'scope'.",
    );
  }
  const prompt = q.get('prompt');
  const form = req.method === 'POST' ? formBody(req) : undefined;
  const step = form?.get('action');

  if (!form) {
    const session = sessionUser(state, req.headers.cookie);
    const sessionFits = session && (!tenantArg || session.tenant.id === tenantArg.id);
    if (prompt === 'none') {
      if (!sessionFits)
        return errorOut(
          flow,
          'login_required',
          50058,
          'A silent sign-in request was sent but no user is signed in.',
        );
      return afterSignIn(flow, session.tenant, session.user, undefined, true);
    }
    if (sessionFits && prompt !== 'login' && prompt !== 'select_account' && prompt !== 'consent') {
      return afterSignIn(flow, session.tenant, session.user, undefined, false);
    }
    return html(
      200,
      signInPage(
        `Sign in to ${app.displayName}`,
        flow.action,
        pickerUsers(state, tenantArg),
        {},
        q.get('login_hint'),
      ),
    );
  }
  const upn = form.get('user') || form.get('login') || '';
  if (step === 'cancel') {
    return errorOut(
      flow,
      'access_denied',
      65004,
      'User declined to consent to access the app.',
      'cancel',
    );
  }
  const who = resolveSignIn(state, tenantArg, upn, app);
  if (!who.ok) return who.reply;
  const { tenant, user } = who.target;
  const cookie = newSessionCookie(state, tenant, user);
  switch (step) {
    case 'accept':
      return acceptConsent(flow, tenant, user, form.get('onBehalf') === 'on', cookie);
    case 'request':
      return fileConsentRequest(flow, tenant, user, form.get('justification') ?? '');
    default:
      return afterSignIn(flow, tenant, user, cookie, false, prompt === 'consent');
  }
}

function afterSignIn(
  flow: Flow,
  tenant: TenantState,
  user: UserRecord,
  cookie: string | undefined,
  silent: boolean,
  forceConsent = false,
): EmuReply {
  const { app } = flow;
  const requested = requestedScopeNames(app, flow.rawScopes).filter((s) => !OIDC_SCOPES.has(s));
  const granted = tenant.delegatedScopesFor(app.clientId, user.id);
  const missing = requested.filter((s) => !granted.has(s));
  if (missing.length === 0 && !forceConsent) return issueCode(flow, tenant, user, cookie);
  if (silent) {
    return errorOut(flow, 'consent_required', 65001, consentRequiredMessage(app));
  }
  const needsAdmin = needsAdminConsent(tenant, missing);
  const list = `<ul id="requested-permissions">${(forceConsent ? requested : missing).map((s) => `<li data-permission="${esc(s)}">${esc(s)}</li>`).join('')}</ul>`;
  const isConsentAdmin = canConsentForOrganization(user);
  if (!isConsentAdmin && needsAdmin) {
    if (tenant.consentPolicy.adminConsentWorkflow) {
      return html(
        200,
        page(
          'Approval required',
          `<h1 id="approval-required">Approval required</h1>
<p>${esc(app.displayName)} needs permission to access resources in your organization that only an admin can grant. Please ask an admin to grant permission to this app before you can use it.</p>${list}
<div class="banner" id="error-code">AADSTS90095</div>
<form method="post" action="${esc(flow.action)}">${hidden({ user: user.userPrincipalName, action: 'request' })}
<label for="justification">Enter justification for requesting this app</label><br><textarea id="justification" name="justification" rows="3" cols="60"></textarea><br>
<button type="submit" id="request-approval">Request approval</button></form>
<form method="post" action="${esc(flow.action)}">${hidden({ user: user.userPrincipalName, action: 'cancel' })}<button id="back-to-app" class="secondary" type="submit">Return to the application without granting consent</button></form>`,
        ),
        cookie ? { 'set-cookie': cookie } : {},
      );
    }
    return html(
      200,
      page(
        'Need admin approval',
        `<h1 id="need-admin-approval">Need admin approval</h1>
<p>${esc(app.displayName)} needs permission to access resources in your organization that only an admin can grant. Please ask an admin to grant permission to this app before you can use it.</p>${list}
<div class="banner" id="error-code">AADSTS90094</div>
<form method="post" action="${esc(flow.action)}">${hidden({ user: user.userPrincipalName, action: 'cancel' })}<button id="back-to-app" type="submit">Return to the application without granting consent</button></form>`,
      ),
      cookie ? { 'set-cookie': cookie } : {},
    );
  }
  const onBehalf = isConsentAdmin
    ? `<p><label><input type="checkbox" id="consent-on-behalf" name="onBehalf"> Consent on behalf of your organization</label></p>`
    : '';
  return html(
    200,
    consentPage(
      app,
      flow.action,
      user.userPrincipalName,
      '. This app would like to:',
      list,
      onBehalf,
    ),
    cookie ? { 'set-cookie': cookie } : {},
  );
}

function acceptConsent(
  flow: Flow,
  tenant: TenantState,
  user: UserRecord,
  onBehalf: boolean,
  cookie: string,
): EmuReply {
  const { app } = flow;
  const requested = requestedScopeNames(app, flow.rawScopes);
  const missing = requested.filter(
    (s) => !OIDC_SCOPES.has(s) && !tenant.delegatedScopesFor(app.clientId, user.id).has(s),
  );
  const needsAdmin = needsAdminConsent(tenant, missing);
  const isConsentAdmin = canConsentForOrganization(user);
  if (!isConsentAdmin && needsAdmin) {
    return html(
      403,
      errorPage(
        90094,
        'Admin consent is required for the permissions requested by this application.',
      ),
    );
  }
  // Any consent creates the enterprise app (service principal) in the tenant, roles or not.
  tenant.ensureServicePrincipal(app, flow.state.now());
  tenant.grantDelegated(
    app.clientId,
    isConsentAdmin && onBehalf ? 'AllPrincipals' : user.id,
    requested,
  );
  return issueCode(flow, tenant, user, cookie);
}

function fileConsentRequest(
  flow: Flow,
  tenant: TenantState,
  user: UserRecord,
  justification: string,
): EmuReply {
  const scopes = requestedScopeNames(flow.app, flow.rawScopes);
  tenant.consentRequests.push({
    id: randomUUID(),
    appId: flow.app.clientId,
    requestedBy: user.id,
    justification,
    scopes,
    createdDateTime: flow.state.now().toISOString(),
    status: 'InProgress',
  });
  return html(
    200,
    page(
      'Request sent',
      `<h1 id="request-sent">Request sent</h1><p>You'll get an email when an admin reviews your request.</p>
<form method="post" action="${esc(flow.action)}">${hidden({ user: user.userPrincipalName, action: 'cancel' })}<button id="back-to-app" type="submit">Return to the application</button></form>`,
    ),
  );
}
