import { Controller, Get, HttpCode, Post, Req, Res } from '@nestjs/common';
import { type Request, type Response } from 'express';

import {
  CurrentSessionSchema,
  DevIdentityListSchema,
  DevSignInRequestSchema,
  SessionSchema,
  type DevSignInRequest,
} from '@rox365/contracts';

import { AppConfig } from '../config/app-config';
import { Public } from '../platform/auth/access.decorators';
import { AuthError, AuthErrorCode } from '../platform/auth/auth.errors';
import {
  clearedSessionCookies,
  sessionCookies,
  sessionTokenFrom,
} from '../platform/auth/session-cookie';
import { TokenVerifier } from '../platform/auth/token-verifier.service';
import { Contract, ValidBody } from '../platform/http/contract.decorators';
import { DevIdentityService } from './dev-identity.service';

/** Only mounted when ROX_AUTH_MODE=dev, which boot refuses in production. */
@Controller('dev')
export class DevIdentityController {
  constructor(
    private readonly identities: DevIdentityService,
    private readonly config: AppConfig,
    private readonly verifier: TokenVerifier,
  ) {}

  private get isSecure(): boolean {
    return this.config.http.publicApiUrl.startsWith('https:');
  }

  @Get('identities')
  @Public('demo sign-in picker; dev mode only')
  @Contract({
    summary: 'Demo members you can sign in as (dev mode only)',
    response: DevIdentityListSchema,
    tags: ['dev'],
  })
  list() {
    return this.identities.identities();
  }

  @Post('sign-in')
  @HttpCode(200)
  @Public('demo sign-in; dev mode only')
  @Contract({
    summary: 'Sign in as a demo member (dev mode only)',
    response: SessionSchema,
    tags: ['dev'],
  })
  async signIn(
    @ValidBody(DevSignInRequestSchema) body: DevSignInRequest,
    @Res({ passthrough: true }) res: Response,
  ) {
    const session = await this.identities.signIn(body.roxUserId);
    // The browser keeps the token in an HttpOnly cookie shared by its tabs; API clients may
    // still use the accessToken from the body as a bearer token.
    const maxAge = Math.max(0, Math.floor((Date.parse(session.expiresAt) - Date.now()) / 1000));
    res.setHeader('set-cookie', sessionCookies(session.accessToken, maxAge, this.isSecure));
    res.setHeader('cache-control', 'no-store');
    return session;
  }

  @Get('session')
  @Public('reads the session cookie itself; answers 401 without one')
  @Contract({
    summary: 'Who is signed in in this browser (dev mode only)',
    response: CurrentSessionSchema,
    tags: ['dev'],
  })
  async session(@Req() req: Request, @Res({ passthrough: true }) res: Response) {
    res.setHeader('cache-control', 'no-store');
    const token = sessionTokenFrom(req.header('cookie'));
    if (!token) {
      throw new AuthError(AuthErrorCode.TOKEN_MISSING, 'unauthenticated', 'Not signed in.');
    }
    return this.identities.current(await this.verifier.verify(token), token);
  }

  @Post('sign-out')
  @HttpCode(204)
  @Public('only clears the session cookies of the calling browser')
  @Contract({ summary: 'Sign this browser out (dev mode only)', status: 204, tags: ['dev'] })
  signOut(@Res({ passthrough: true }) res: Response): void {
    res.setHeader('set-cookie', clearedSessionCookies(this.isSecure));
  }
}
