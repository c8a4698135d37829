import { Injectable } from '@nestjs/common';
import { decodeJwt } from 'jose';

import { type CurrentSession, type DevIdentityList, type Session } from '@rox365/contracts';

import { AppConfig } from '../config/app-config';
import { MembersService } from '../members/members.service';
import { AuthError, AuthErrorCode } from '../platform/auth/auth.errors';
import { type Caller } from '../platform/auth/caller';
import { DEMO_MEMBERS } from './demo-org';
import { DevTokenIssuer } from './dev-token-issuer.service';

/** Demo sign-in: mints tokens for members of the seeded demo org. Dev mode only. */
@Injectable()
export class DevIdentityService {
  constructor(
    private readonly config: AppConfig,
    private readonly members: MembersService,
    private readonly issuer: DevTokenIssuer,
  ) {}

  private get orgId(): string {
    const auth = this.config.auth;
    if (auth.mode !== 'dev') throw new Error('dev identity is only wired when ROX_AUTH_MODE=dev');
    return auth.devOrgId;
  }

  async identities(): Promise<DevIdentityList> {
    const page = await this.members.list(this.orgId, { limit: 200 });
    return {
      orgId: this.orgId,
      items: page.items.map(({ roxUserId, email, displayName, role }) => ({
        roxUserId,
        email,
        displayName,
        role,
      })),
    };
  }

  async signIn(roxUserId: string): Promise<Session> {
    const member = await this.members.find(this.orgId, roxUserId);
    if (!member) {
      throw new AuthError(
        AuthErrorCode.DEV_SIGN_IN_UNKNOWN_MEMBER,
        'not_found',
        `No demo member ${roxUserId}. Run the demo seed first.`,
      );
    }
    const { token, expiresAt } = await this.issuer.issue({
      roxUserId: member.roxUserId,
      orgId: this.orgId,
      email: member.email,
      role: member.role,
    });
    return {
      accessToken: token,
      expiresAt: expiresAt.toISOString(),
      caller: {
        roxUserId: member.roxUserId,
        orgId: this.orgId,
        email: member.email,
        role: member.role,
        displayName: member.displayName,
      },
    };
  }

  /** The browser's session for a verified cookie token: 401 once its member is gone. */
  async current(caller: Caller, token: string): Promise<CurrentSession> {
    const member = await this.members.find(caller.orgId, caller.roxUserId);
    if (!member || caller.role === 'service') {
      throw new AuthError(AuthErrorCode.TOKEN_INVALID, 'unauthenticated', 'Sign in again.');
    }
    const exp = decodeJwt(token).exp ?? 0;
    return {
      expiresAt: new Date(exp * 1000).toISOString(),
      caller: {
        roxUserId: member.roxUserId,
        orgId: caller.orgId,
        email: member.email,
        role: member.role,
        displayName: member.displayName,
      },
    };
  }

  /** Idempotent: upserts the demo members through the same path Rox backends use. */
  async seed(): Promise<number> {
    for (const member of DEMO_MEMBERS) {
      const { roxUserId, ...input } = member;
      await this.members.put(this.orgId, roxUserId, input);
    }
    return DEMO_MEMBERS.length;
  }
}
