import { randomBytes, timingSafeEqual } from 'node:crypto';

import { parse, serialize } from 'cookie';

import { sha256Hex } from '@rox365/graph-client';

/**
 * Binds a sign-in to the browser that started it: the start request sets an HttpOnly cookie
 * holding a random value, and Rox keeps only its hash with the state. A link completed in any
 * other browser (a phished admin, a forwarded URL) lacks the cookie and is refused.
 */
export interface BindingCookie {
  readonly name: string;
  /** Only the callback's path, so the cookie never travels to the rest of the API. */
  readonly path: string;
}

/** The org-wide connect's binding (callback under /api/v1/orgwide/consent). */
export const ORGWIDE_BINDING: BindingCookie = {
  name: 'rox365_orgwide_consent',
  path: '/api/v1/orgwide/consent',
};

/** An individual connection's binding (callback under /api/v1/individual-connections). */
export const INDIVIDUAL_BINDING: BindingCookie = {
  name: 'rox365_individual_connect',
  path: '/api/v1/individual-connections',
};

export function newBrowserBinding(): { value: string; hash: string } {
  const value = randomBytes(32).toString('base64url');
  return { value, hash: sha256Hex(value) };
}

/** The Set-Cookie header value: HttpOnly, SameSite=Lax (sent on Microsoft's top-level redirect back). */
export function bindingCookie(
  binding: BindingCookie,
  value: string,
  publicApiUrl: string,
  ttlSeconds: number,
): string {
  return serialize(binding.name, value, {
    httpOnly: true,
    sameSite: 'lax',
    secure: publicApiUrl.startsWith('https:'),
    path: binding.path,
    maxAge: ttlSeconds,
  });
}

// Outcomes of a callback whose state was not this browser's live sign-in: anyone can send a
// browser there with garbage, an old state, a live state of their own sign-in (which ends as
// browser_mismatch here) or the admin-consent link's fixed state, so this browser's cookie stays.
const NOT_THIS_BROWSERS = new Set([
  'state_invalid',
  'state_reused',
  'state_expired',
  'browser_mismatch',
  'admin_consent_granted',
  'admin_consent_not_granted',
]);

/**
 * Whether a callback's outcome ends the sign-in its cookie binds (every outcome past the binding
 * check): only then is the cookie cleared. Clearing it on any callback let a link to
 * `…/callback?state=…` break a sign-in under way (its real callback then failed as
 * `browser_mismatch`).
 */
export function endsBoundSignIn(outcome: string | null): boolean {
  return outcome !== null && !NOT_THIS_BROWSERS.has(outcome);
}

/** Clears the cookie once the callback has used it. */
export function clearedBindingCookie(binding: BindingCookie, publicApiUrl: string): string {
  return bindingCookie(binding, '', publicApiUrl, 0);
}

/** The binding value a request's Cookie header carries, if any. */
export function bindingFrom(binding: BindingCookie, cookieHeader: string | undefined) {
  if (!cookieHeader) return null;
  const value = parse(cookieHeader)[binding.name];
  return value && value.length <= 128 ? value : null;
}

/** Constant-time check of a presented binding against the stored hash. */
export function bindingMatches(value: string | null, expectedHash: string): boolean {
  if (!value || !/^[0-9a-f]{64}$/.test(expectedHash)) return false;
  return timingSafeEqual(Buffer.from(sha256Hex(value), 'hex'), Buffer.from(expectedHash, 'hex'));
}
