import { randomBytes, timingSafeEqual } from 'node:crypto';

import { parse, serialize } from 'cookie';

/**
 * The browser session of the settings SPA: the sign-in token lives in an HttpOnly cookie (script
 * cannot read it, every tab of the browser shares it), and cookie-authenticated writes must echo
 * a second, readable cookie in a header (double-submit CSRF token). Another site can make the
 * browser send cookies but cannot read ours to set the header; SameSite=Lax already keeps the
 * session cookie off cross-site POSTs, so this is the second lock.
 */
export const SESSION_COOKIE = 'rox365_session';
export const CSRF_COOKIE = 'rox365_csrf';
export const CSRF_HEADER = 'x-rox-csrf';

// The session cookie only travels to the API; the CSRF cookie must be readable by the SPA.
const SESSION_PATH = '/api';
const CSRF_PATH = '/';

/** Methods that change nothing: no CSRF token needed. */
export const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);

export function sessionCookies(token: string, maxAgeSeconds: number, isSecure: boolean): string[] {
  const csrf = randomBytes(24).toString('base64url');
  return [
    serialize(SESSION_COOKIE, token, {
      httpOnly: true,
      sameSite: 'lax',
      secure: isSecure,
      path: SESSION_PATH,
      maxAge: maxAgeSeconds,
    }),
    serialize(CSRF_COOKIE, csrf, {
      httpOnly: false,
      sameSite: 'strict',
      secure: isSecure,
      path: CSRF_PATH,
      maxAge: maxAgeSeconds,
    }),
  ];
}

export function clearedSessionCookies(isSecure: boolean): string[] {
  return [
    serialize(SESSION_COOKIE, '', {
      httpOnly: true,
      sameSite: 'lax',
      secure: isSecure,
      path: SESSION_PATH,
      maxAge: 0,
    }),
    serialize(CSRF_COOKIE, '', {
      sameSite: 'strict',
      secure: isSecure,
      path: CSRF_PATH,
      maxAge: 0,
    }),
  ];
}

function cookie(header: string | undefined, name: string): string | null {
  if (!header) return null;
  const value = parse(header)[name];
  return value && value.length <= 4096 ? value : null;
}

/** The session token a request's Cookie header carries, if any. */
export function sessionTokenFrom(cookieHeader: string | undefined): string | null {
  return cookie(cookieHeader, SESSION_COOKIE);
}

/** True when the CSRF header equals the CSRF cookie (constant time). */
export function csrfMatches(cookieHeader: string | undefined, headerValue: string | undefined) {
  const expected = cookie(cookieHeader, CSRF_COOKIE);
  if (!expected || !headerValue) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(headerValue);
  return a.length === b.length && timingSafeEqual(a, b);
}
