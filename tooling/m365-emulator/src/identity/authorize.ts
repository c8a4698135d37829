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
import {
  ADMIN_APPROVAL_REQUIRED,
  ADMIN_CONSENT_REQUIRED,
  appendQuery,
  CONSENT_DECLINED,
  consentRequiredMessage,
  errorRedirectUrl,
} from './aad-errors';
import { fileConsentRequest, pendingRequestOf } from './consent-requests';
import {
  appHeader,
  checkSignInRequest,
  consentPage,
  errorPage,
  permissionListHtml,
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
      CONSENT_DECLINED.code,
      CONSENT_DECLINED.message,
      'cancel',
    );
  }
  // "Return to the application without granting consent" from the admin-approval pages.
  if (step === 'back-approval-required') {
    return errorOut(
      flow,
      'access_denied',
      ADMIN_APPROVAL_REQUIRED.code,
      ADMIN_APPROVAL_REQUIRED.message,
    );
  }
  if (step === 'back-need-admin') {
    return errorOut(
      flow,
      'access_denied',
      ADMIN_CONSENT_REQUIRED.code,
      ADMIN_CONSENT_REQUIRED.message,
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
      return requestApproval(flow, tenant, user, form.get('justification') ?? '');
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
  const isConsentAdmin = canConsentForOrganization(user);
  const setCookie: Record<string, string> = cookie ? { 'set-cookie': cookie } : {};
  if (!isConsentAdmin && needsAdmin) {
    const allRequested = requestedScopeNames(app, flow.rawScopes);
    return html(
      200,
      tenant.consentPolicy.adminConsentWorkflow
        ? approvalRequiredPage(flow, tenant, user, allRequested)
        : needAdminApprovalPage(flow, user, allRequested),
      setCookie,
    );
  }
  // The user's own prompt lists what is new to them, OIDC scopes included, in the user's wording.
  const shown = forceConsent
    ? requestedScopeNames(app, flow.rawScopes)
    : requestedScopeNames(app, flow.rawScopes).filter((s) => !granted.has(s));
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
      permissionListHtml(shown, 'user'),
      onBehalf,
    ),
    setCookie,
  );
}

/** "Return to the application without granting consent", posting the given action. */
function backToApp(flow: Flow, user: UserRecord, action: string, label: string): string {
  return `<form method="post" action="${esc(flow.action)}">${hidden({ user: user.userPrincipalName, action })}<button id="back-to-app" class="secondary" type="submit">${esc(label)}</button></form>`;
}

/** Workflow off: AADSTS90094, and no way to ask. */
function needAdminApprovalPage(flow: Flow, user: UserRecord, scopes: string[]): string {
  const { app } = flow;
  return page(
    'Need admin approval',
    `<h1 id="need-admin-approval">Need admin approval</h1>${appHeader(app)}
<p>${esc(app.displayName)} needs permission to access resources in your organization that only an admin can grant. Please ask an admin to grant permission to this app before you can use it.</p>${permissionListHtml(scopes, 'admin')}
<div class="banner" id="error-code">AADSTS90094</div>
${backToApp(flow, user, 'back-need-admin', 'Return to the application without granting consent')}`,
  );
}

/**
 * Workflow on: "Approval required" with a justification and "Request approval" (AADSTS90095), or,
 * while the user's earlier request is pending, a note that it is.
 */
function approvalRequiredPage(
  flow: Flow,
  tenant: TenantState,
  user: UserRecord,
  scopes: string[],
): string {
  const { app } = flow;
  const pending = pendingRequestOf(tenant, app.clientId, user.id);
  const ask = pending
    ? `<p id="request-pending">You already requested approval on ${esc(pending.createdDateTime.slice(0, 10))}. You'll get an email when an admin reviews your request.</p>`
    : `<form method="post" action="${esc(flow.action)}">${hidden({ user: user.userPrincipalName, action: 'request' })}
<label for="justification">Enter justification for requesting this app</label><br><textarea id="justification" name="justification" rows="3" maxlength="250"></textarea><br>
<button type="submit" id="request-approval">Request approval</button></form>`;
  return page(
    'Approval required',
    `<h1 id="approval-required">Approval required</h1>${appHeader(app)}
<p>This app requires your admin's approval to:</p>${permissionListHtml(scopes, 'admin')}
<p class="muted">${esc(app.displayName)} needs permission to access resources in your organization that only an admin can grant. Signed in as <span id="signed-in-user">${esc(user.userPrincipalName)}</span>.</p>
<div class="banner" id="error-code">AADSTS90095</div>
${ask}
${backToApp(flow, user, 'back-approval-required', 'Return to the application without granting consent')}`,
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

function requestApproval(
  flow: Flow,
  tenant: TenantState,
  user: UserRecord,
  justification: string,
): EmuReply {
  const { app } = flow;
  fileConsentRequest(
    flow.state,
    tenant,
    app,
    user,
    requestedScopeNames(app, flow.rawScopes),
    justification.slice(0, 250),
  );
  return html(
    200,
    page(
      'Request sent',
      `<h1 id="request-sent">Request sent</h1>${appHeader(app)}
<p>Your request has been sent to your admin for approval. You'll get an email when an admin reviews your request. You can close this window.</p>
${backToApp(flow, user, 'back-approval-required', 'Return to the application')}`,
    ),
  );
}
