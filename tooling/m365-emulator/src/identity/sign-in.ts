import { esc, hidden, page, slug } from '../portal/layout';
import type { EmulatorState } from '../state/emulator-state';
import type { UserRecord } from '../state/model';
import type { TenantState } from '../state/tenant';

export interface SignInTarget {
  tenant: TenantState;
  user: UserRecord;
}

/** Users offered on the sign-in picker: the tenant's, or every tenant's for common/organizations. */
export function pickerUsers(state: EmulatorState, tenant: TenantState | undefined): SignInTarget[] {
  const tenants = tenant ? [tenant] : [...state.tenants.values()];
  const out: SignInTarget[] = [];
  for (const t of tenants) {
    for (const { items } of [t.users.page(0, 40)]) {
      for (const user of items) out.push({ tenant: t, user });
    }
  }
  return out;
}

/** Resolves a signed-in user by UPN within the tenant (or any tenant for generic segments). */
export function resolveSignIn(
  state: EmulatorState,
  tenant: TenantState | undefined,
  upn: string,
): SignInTarget | undefined {
  const tenants = tenant ? [tenant] : [...state.tenants.values()];
  for (const t of tenants) {
    const user = t.findUser(upn);
    if (user) return { tenant: t, user };
  }
  return undefined;
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
        `<li><button type="submit" name="user" value="${esc(user.userPrincipalName)}" id="signin-${slug(user.userPrincipalName)}" class="secondary">${esc(user.displayName)} &lt;${esc(user.userPrincipalName)}&gt;${user.isAdmin ? ' (admin)' : ''}</button></li>`,
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
