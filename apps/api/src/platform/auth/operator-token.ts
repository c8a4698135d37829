import { createHash, timingSafeEqual } from 'node:crypto';

import { type AppConfig } from '../../config/app-config';
import { AuthError, AuthErrorCode } from './auth.errors';

/**
 * Operators' static tokens, one per purpose: `metrics` (the Prometheus scrape, read only) and
 * `ops` (the queue dashboard, which can retry and remove jobs). They stand apart from Rox caller
 * JWTs on purpose: an operator is no member of a customer org, and a scraper cannot renew a JWT.
 */
export type OperatorTokenName = 'metrics' | 'ops';

export function operatorToken(config: AppConfig, name: OperatorTokenName): string {
  return name === 'metrics' ? config.metrics.token : config.ops.token;
}

/**
 * The token an Authorization header carries: `Bearer <token>`, or `Basic` with the token as the
 * password (any user name), so a browser's own sign-in prompt can open the dashboard.
 */
export function presentedToken(header: string | undefined): string | null {
  if (!header) return null;
  const bearer = /^Bearer\s+(\S+)$/i.exec(header);
  if (bearer?.[1]) return bearer[1];
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header);
  if (!basic?.[1]) return null;
  const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon >= 0 ? decoded.slice(colon + 1) || null : null;
}

/** Throws 401 unless the header carries the expected token (compared in constant time). */
export function checkOperatorToken(header: string | undefined, expected: string): void {
  const token = presentedToken(header);
  if (!token) {
    throw new AuthError(
      AuthErrorCode.TOKEN_MISSING,
      'unauthenticated',
      'Send the operator token as "Authorization: Bearer <token>".',
    );
  }
  // Digests first: equal lengths for timingSafeEqual, and the length of the secret stays hidden.
  const a = createHash('sha256').update(token).digest();
  const b = createHash('sha256').update(expected).digest();
  if (expected.length === 0 || !timingSafeEqual(a, b)) {
    throw new AuthError(AuthErrorCode.TOKEN_INVALID, 'unauthenticated', 'The token is not valid.');
  }
}
