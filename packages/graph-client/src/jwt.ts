/** Claims of a Graph access token this package reads. */
export interface AccessTokenClaims {
  readonly aud?: string;
  readonly tid?: string;
  readonly oid?: string;
  readonly appid?: string;
  readonly idtyp?: string;
  /** App roles granted to the app (app-only tokens); absent when none were granted. */
  readonly roles?: readonly string[];
  /** Space-separated delegated scopes (delegated tokens). */
  readonly scp?: string;
  readonly exp?: number;
  readonly [claim: string]: unknown;
}

/**
 * Decodes a JWT payload without verifying it. Graph tokens are opaque to clients and cannot be
 * validated by them; this is only for reading what Entra granted (roles / scp).
 */
export function decodeJwtPayload(token: string): AccessTokenClaims {
  const payload = token.split('.')[1];
  if (!payload) throw new TypeError('Not a JWT');
  const parsed: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  if (typeof parsed !== 'object' || parsed === null)
    throw new TypeError('JWT payload is not an object');
  return parsed as AccessTokenClaims;
}

/** The `roles` claim of an app-only token (empty when the token carries none). */
export function rolesOf(token: string): string[] {
  const roles = decodeJwtPayload(token).roles;
  return Array.isArray(roles) ? roles.filter((r): r is string => typeof r === 'string') : [];
}
