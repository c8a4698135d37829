import { Injectable } from '@nestjs/common';
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import { z } from 'zod';

import { RoxRoleSchema } from '@rox365/contracts';

import { AppConfig } from '../../config/app-config';
import { AuthError, AuthErrorCode } from './auth.errors';
import { type Caller } from './caller';

type VerifyKey = Parameters<typeof jwtVerify>[1];

// Verified tokens are kept by their full text (signature included) until they expire, at most
// this long and this many: a caller reuses its token for every request, and checking the
// signature each time was about 6 % of a list read's CPU under load.
const VERIFIED_TTL_MS = 60_000;
const VERIFIED_ENTRIES = 1_000;

const ClaimsSchema = z.object({
  sub: z.string().min(1).max(128),
  org: z.string().min(1).max(128),
  email: z.string().max(320).optional(),
  role: RoxRoleSchema,
});

/** Verifies Rox platform bearer tokens: RS256 through JWKS in production, HS256 in dev mode. */
@Injectable()
export class TokenVerifier {
  private readonly verifyKey: VerifyKey | Promise<VerifyKey>;
  private readonly algorithms: string[];
  private readonly verified = new Map<string, { caller: Caller; until: number }>();

  constructor(private readonly config: AppConfig) {
    const auth = config.auth;
    if (auth.mode === 'jwks') {
      this.verifyKey = createRemoteJWKSet(new URL(auth.jwksUrl));
      this.algorithms = ['RS256'];
    } else {
      // Imported once: handed the raw bytes, jose imports the key again on every request.
      this.verifyKey = crypto.subtle.importKey(
        'raw',
        new TextEncoder().encode(auth.devSecret),
        { name: 'HMAC', hash: 'SHA-256' },
        false,
        ['verify'],
      );
      this.algorithms = ['HS256'];
    }
  }

  async verify(token: string): Promise<Caller> {
    const known = this.verified.get(token);
    if (known && known.until > Date.now()) return { ...known.caller };
    if (known) this.verified.delete(token);
    const { caller, expiresAt } = await this.check(token);
    if (this.verified.size >= VERIFIED_ENTRIES) {
      // The oldest entry (a Map keeps insertion order).
      const oldest = this.verified.keys().next();
      if (!oldest.done) this.verified.delete(oldest.value);
    }
    this.verified.set(token, { caller, until: Math.min(expiresAt, Date.now() + VERIFIED_TTL_MS) });
    return { ...caller };
  }

  private async check(token: string): Promise<{ caller: Caller; expiresAt: number }> {
    let payload: JWTPayload;
    try {
      const key = await this.verifyKey;
      ({ payload } = await jwtVerify(token, key, {
        algorithms: this.algorithms,
        issuer: this.config.auth.issuer,
        audience: this.config.auth.audience,
        requiredClaims: ['exp', 'sub'],
      }));
    } catch (error) {
      const reason =
        error instanceof joseErrors.JWTExpired
          ? 'The token has expired.'
          : 'The token is not valid.';
      throw new AuthError(AuthErrorCode.TOKEN_INVALID, 'unauthenticated', reason, { cause: error });
    }
    const claims = ClaimsSchema.safeParse(payload);
    if (!claims.success) {
      throw new AuthError(
        AuthErrorCode.TOKEN_INVALID,
        'unauthenticated',
        'The token lacks the sub, org or role claim.',
      );
    }
    const { sub, org, email, role } = claims.data;
    return {
      caller: { roxUserId: sub, orgId: org, email: email ?? null, role },
      // `exp` is required above.
      expiresAt: (payload.exp ?? 0) * 1000,
    };
  }
}
