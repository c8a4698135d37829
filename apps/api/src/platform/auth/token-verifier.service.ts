import { Injectable } from '@nestjs/common';
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import { z } from 'zod';

import { RoxRoleSchema } from '@rox365/contracts';

import { AppConfig } from '../../config/app-config';
import { AuthError, AuthErrorCode } from './auth.errors';
import { type Caller } from './caller';

const ClaimsSchema = z.object({
  sub: z.string().min(1).max(128),
  org: z.string().min(1).max(128),
  email: z.string().max(320).optional(),
  role: RoxRoleSchema,
});

/** Verifies Rox platform bearer tokens: RS256 through JWKS in production, HS256 in dev mode. */
@Injectable()
export class TokenVerifier {
  private readonly verifyKey: Parameters<typeof jwtVerify>[1];
  private readonly algorithms: string[];

  constructor(private readonly config: AppConfig) {
    const auth = config.auth;
    if (auth.mode === 'jwks') {
      this.verifyKey = createRemoteJWKSet(new URL(auth.jwksUrl));
      this.algorithms = ['RS256'];
    } else {
      this.verifyKey = new TextEncoder().encode(auth.devSecret);
      this.algorithms = ['HS256'];
    }
  }

  async verify(token: string): Promise<Caller> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.verifyKey, {
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
    return { roxUserId: sub, orgId: org, email: email ?? null, role };
  }
}
