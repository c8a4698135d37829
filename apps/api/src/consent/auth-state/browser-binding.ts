import { randomBytes, timingSafeEqual } from 'node:crypto';

import { parse, serialize } from 'cookie';

import { sha256Hex } from '@rox365/graph-client';

import { CONSENT_CALLBACK_PATH } from './consent.constants';

/**
 * Binds a connect to the browser that started it: POST /orgwide/connect sets an HttpOnly cookie
 * holding a random value, and Rox keeps only its hash with the attempt. A link completed in any
 * other browser (a phished admin, a forwarded URL) lacks the cookie and is refused.
 */
export const BROWSER_BINDING_COOKIE = 'rox365_orgwide_consent';

// The cookie only travels to the callback, never to the rest of the API.
const COOKIE_PATH = CONSENT_CALLBACK_PATH.slice(0, CONSENT_CALLBACK_PATH.lastIndexOf('/'));

export function newBrowserBinding(): { value: string; hash: string } {
  const value = randomBytes(32).toString('base64url');
  return { value, hash: sha256Hex(value) };
}

/** The Set-Cookie header value: HttpOnly, SameSite=Lax (sent on Microsoft's top-level redirect back). */
export function bindingCookie(value: string, publicApiUrl: string, ttlSeconds: number): string {
  return serialize(BROWSER_BINDING_COOKIE, value, {
    httpOnly: true,
    sameSite: 'lax',
    secure: publicApiUrl.startsWith('https:'),
    path: COOKIE_PATH,
    maxAge: ttlSeconds,
  });
}

/** Clears the cookie once the callback has used it. */
export function clearedBindingCookie(publicApiUrl: string): string {
  return serialize(BROWSER_BINDING_COOKIE, '', {
    httpOnly: true,
    sameSite: 'lax',
    secure: publicApiUrl.startsWith('https:'),
    path: COOKIE_PATH,
    maxAge: 0,
  });
}

/** The binding value a request's Cookie header carries, if any. */
export function bindingFrom(cookieHeader: string | undefined): string | null {
  if (!cookieHeader) return null;
  const value = parse(cookieHeader)[BROWSER_BINDING_COOKIE];
  return value && value.length <= 128 ? value : null;
}

/** Constant-time check of a presented binding against the stored hash. */
export function bindingMatches(value: string | null, expectedHash: string): boolean {
  if (!value || !/^[0-9a-f]{64}$/.test(expectedHash)) return false;
  return timingSafeEqual(Buffer.from(sha256Hex(value), 'hex'), Buffer.from(expectedHash, 'hex'));
}
