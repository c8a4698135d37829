import { html, type EmuReply } from '../http/types';
import { esc, hidden, page, slug } from '../portal/layout';
import type { AppRegistration } from '../state/app';
import { canConsentForOrganization } from '../state/directory-roles';
import type { EmulatorState } from '../state/emulator-state';
import type { UserRecord } from '../state/model';
import { consentScreenScopes, scopeDescription } from '../state/permissions';
import type { TenantState } from '../state/tenant';

const GENERIC = new Set(['common', 'organizations']);

export interface SignInTarget {
  tenant: TenantState;
  user: UserRecord;
}

export type SignInRequestCheck =
  | { ok: true; tenant: TenantState | undefined; redirectUri: string; app: AppRegistration }
  | { ok: false; reply: EmuReply };

/**
 * Entra's first checks on a browser sign-in request (authorize, admin consent): a known tenant or a
 * generic segment, one of Rox's client ids, one of that app's redirect URIs. Failures show an
 * error page rather than redirect, since the redirect URI is not trusted yet.
 */
export function checkSignInRequest(
  state: EmulatorState,
  query: URLSearchParams,
  segment: string,
  fallbackRedirectUri: (app: AppRegistration) => string = () => '',
): SignInRequestCheck {
  const fail = (code: number, message: string): SignInRequestCheck => ({
    ok: false,
    reply: html(400, errorPage(code, message)),
  });
  const tenant = state.findTenant(segment);
  if (!tenant && !GENERIC.has(segment.toLowerCase())) {
    return fail(
      90002,
      `Tenant '${segment}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`,
    );
  }
  const clientId = query.get('client_id') ?? '';
  const app = state.findApp(clientId);
  if (!app) {
    return fail(
      700016,
      `Application with identifier '${clientId}' was not found in the directory '${segment}'.`,
    );
  }
  const redirectUri = query.get('redirect_uri') ?? fallbackRedirectUri(app);
  if (!app.redirectUris.includes(redirectUri)) {
    return fail(
      50011,
      `The redirect URI '${redirectUri}' specified in the request does not match the redirect URIs configured for the application '${clientId}'. Make sure the redirect URI sent in the request matches one added to your application in the Azure portal.`,
    );
  }
  return { ok: true, tenant, redirectUri, app };
}

/**
 * Users offered on the sign-in picker: the tenant's (guests included), or for common/organizations
 * every tenant's members, since a guest account is only reached through its resource tenant.
 */
export function pickerUsers(state: EmulatorState, tenant: TenantState | undefined): SignInTarget[] {
  const tenants = tenant ? [tenant] : [...state.tenants.values()];
  const out: SignInTarget[] = [];
  for (const t of tenants) {
    for (const { items } of [t.users.page(0, 40)]) {
      for (const user of items)
        if (tenant || user.userType === 'Member') out.push({ tenant: t, user });
    }
  }
  return out;
}

/** The tenant where this sign-in name is a member (its home directory), if any. */
function homeOf(state: EmulatorState, upn: string): SignInTarget | undefined {
  for (const t of state.tenants.values()) {
    const user = t.findUser(upn);
    if (user?.userType === 'Member') return { tenant: t, user };
  }
  return undefined;
}

/**
 * The account a sign-in form names, or Entra's error page. At a tenant's authority the name is
 * looked up in that tenant (a guest signs in there with their home address); a member of another
 * tenant gets AADSTS50020. At common/organizations the user lands in their home tenant.
 */
export function resolveSignIn(
  state: EmulatorState,
  tenant: TenantState | undefined,
  upn: string,
  app: AppRegistration,
): { ok: true; target: SignInTarget } | { ok: false; reply: EmuReply } {
  let target: SignInTarget | undefined;
  if (tenant) {
    const user = tenant.findUser(upn);
    if (user) target = { tenant, user };
  } else {
    target = homeOf(state, upn);
  }
  if (!target) {
    const home = tenant ? homeOf(state, upn) : undefined;
    if (home) {
      return {
        ok: false,
        reply: html(
          400,
          errorPage(
            50020,
            `User account '${upn}' from identity provider 'https://sts.windows.net/${home.tenant.id}/' does not exist in tenant '${tenant?.displayName ?? ''}' and cannot access the application '${app.clientId}'(${app.displayName}) in that tenant. The account needs to be added as an external user in the tenant first. Sign out and sign in again with a different Azure Active Directory user account.`,
          ),
        ),
      };
    }
    return {
      ok: false,
      reply: html(
        400,
        errorPage(50034, `The user account ${upn} does not exist in the directory.`),
      ),
    };
  }
  if (!target.user.accountEnabled)
    return { ok: false, reply: html(400, errorPage(50057, 'The user account is disabled.')) };
  return { ok: true, target };
}

/** The account picker: one button per seeded user plus a free-text field. */
export function signInPage(
  title: string,
  action: string,
  users: SignInTarget[],
  carry: Record<string, string>,
  loginHint: string | null,
): string {
  const buttons = users
    .map(
      ({ user }) =>
        `<li><button type="submit" name="user" value="${esc(user.userPrincipalName)}" id="signin-${slug(user.userPrincipalName)}" class="secondary">${esc(user.displayName)} &lt;${esc(user.userPrincipalName)}&gt;${canConsentForOrganization(user) ? ' (admin)' : ''}</button></li>`,
    )
    .join('');
  return page(
    title,
    `<h1>Sign in</h1><p class="muted">${esc(title)}</p>
<form method="post" action="${esc(action)}" id="signin-form">${hidden({ ...carry, action: 'signin' })}
<label for="login">Email or UPN</label> <input id="login" name="login" value="${esc(loginHint ?? '')}" autocomplete="off">
<button type="submit" id="signin-submit">Next</button>
<h2>Pick an account</h2><ul id="account-list">${buttons}</ul></form>`,
  );
}

/**
 * The consent prompt both authorize and admin consent show: the app, who is signed in, what the
 * grant covers (`asks` ends the signed-in sentence), the permissions, Accept and Cancel.
 */
export function consentPage(
  app: { displayName: string; publisherName: string; publisherVerified: boolean },
  action: string,
  upn: string,
  asks: string,
  permissions: string,
  extraFields = '',
): string {
  return page(
    'Permissions requested',
    `<h1 id="consent-title">Permissions requested</h1>
${appHeader(app)}
<p>Signed in as <span id="signed-in-user">${esc(upn)}</span>${asks}</p>${permissions}
<form method="post" action="${esc(action)}">${hidden({ user: upn })}${extraFields}
<button type="submit" name="action" value="accept" id="consent-accept">Accept</button>
<button type="submit" name="action" value="cancel" id="consent-cancel" class="secondary">Cancel</button></form>`,
  );
}

/** App name and publisher as Entra's prompts show them, with the verified-publisher badge. */
export function appHeader(app: {
  displayName: string;
  publisherName: string;
  publisherVerified: boolean;
}): string {
  const badge = app.publisherVerified
    ? ' <span id="publisher-verified" class="badge" title="Microsoft has verified this publisher">&#10004; Verified</span>'
    : ' <span id="publisher-unverified" class="muted">unverified</span>';
  return `<p><strong id="app-name">${esc(app.displayName)}</strong><br><span id="app-publisher" class="muted">${esc(app.publisherName)}</span>${badge}</p>`;
}

/**
 * The permission list of a consent screen: each scope's description (admin or user wording), the
 * scope name kept in `data-permission` for tests.
 */
export function permissionListHtml(scopes: string[], audience: 'admin' | 'user'): string {
  const items = consentScreenScopes(scopes)
    .map(
      (s) =>
        `<li data-permission="${esc(s)}"><span class="permission-description">${esc(scopeDescription(s, audience))}</span></li>`,
    )
    .join('');
  return `<ul id="requested-permissions">${items}</ul>`;
}

export function errorPage(code: number, message: string): string {
  return page(
    'Sign in error',
    `<h1>Sorry, but we're having trouble signing you in.</h1><div class="banner" id="error-code">AADSTS${code}: ${esc(message)}</div>`,
  );
}

/** Reads the emulated login session from the cookie header. */
export function sessionUser(
  state: EmulatorState,
  cookieHeader: string | undefined,
): SignInTarget | undefined {
  const match = /(?:^|;\s*)emu_session=([^;]+)/.exec(cookieHeader ?? '');
  if (!match?.[1]) return undefined;
  const session = state.sessions.get(match[1]);
  if (!session) return undefined;
  const tenant = state.tenants.get(session.tenantId);
  const user = tenant?.users.get(session.userId);
  return tenant && user ? { tenant, user } : undefined;
}
