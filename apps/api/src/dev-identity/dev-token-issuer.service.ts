import { Injectable } from '@nestjs/common';
import { SignJWT } from 'jose';

import { type RoxRole } from '@rox365/contracts';

import { AppConfig } from '../config/app-config';

export const DEV_TOKEN_TTL_SECONDS = 8 * 60 * 60;

/** Mints HS256 tokens shaped like the Rox platform's, for dev mode and tests only. */
@Injectable()
export class DevTokenIssuer {
  constructor(private readonly config: AppConfig) {}

  get isEnabled(): boolean {
    return this.config.auth.mode === 'dev';
  }

  async issue(claims: {
    roxUserId: string;
    orgId: string;
    email?: string;
    role: RoxRole;
    ttlSeconds?: number;
  }): Promise<{ token: string; expiresAt: Date }> {
    const auth = this.config.auth;
    if (auth.mode !== 'dev') throw new Error('dev tokens are only minted when ROX_AUTH_MODE=dev');
    const ttl = claims.ttlSeconds ?? DEV_TOKEN_TTL_SECONDS;
    const expiresAt = new Date(Date.now() + ttl * 1000);
    const token = await new SignJWT({
      org: claims.orgId,
      role: claims.role,
      ...(claims.email ? { email: claims.email } : {}),
    })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(claims.roxUserId)
      .setIssuer(auth.issuer)
      .setAudience(auth.audience)
      .setIssuedAt()
      .setExpirationTime(Math.floor(expiresAt.getTime() / 1000))
      .sign(new TextEncoder().encode(auth.devSecret));
    return { token, expiresAt };
  }
}
