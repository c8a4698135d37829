import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { type Request } from 'express';

import { AppConfig } from '../../config/app-config';
import { requestContext } from '../http/request-context';
import { ACCESS_METADATA, type AccessRule } from './access.decorators';
import { AuthError, AuthErrorCode } from './auth.errors';
import { CALLER_KEY } from './caller';
import { checkOperatorToken, operatorToken } from './operator-token';
import {
  CSRF_COOKIE,
  CSRF_HEADER,
  csrfMatches,
  SAFE_METHODS,
  sessionTokenFrom,
} from './session-cookie';
import { TokenVerifier } from './token-verifier.service';

/** Global guard: default deny. A route is reachable only through its own declaration. */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly verifier: TokenVerifier,
    private readonly config: AppConfig,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const rule = this.reflector.getAllAndOverride<AccessRule | undefined>(ACCESS_METADATA, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (!rule) {
      throw new AuthError(
        AuthErrorCode.ROUTE_ACCESS_UNDECLARED,
        'forbidden',
        'This route declares no access rule, so it is closed.',
      );
    }
    if (rule.kind === 'public') return true;

    const req = context.switchToHttp().getRequest<Request & Record<string, unknown>>();
    if (rule.kind === 'operator') {
      checkOperatorToken(req.header('authorization'), operatorToken(this.config, rule.token));
      return true;
    }
    const header = req.header('authorization');
    const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
    // Rox backends send a bearer token; the settings SPA's browser sends the session cookie.
    const cookieToken = match?.[1] ? null : sessionTokenFrom(req.header('cookie'));
    const token = match?.[1] ?? cookieToken;
    if (!token) {
      throw new AuthError(
        AuthErrorCode.TOKEN_MISSING,
        'unauthenticated',
        'Sign in, or send a Rox platform token as "Authorization: Bearer <token>".',
      );
    }
    if (cookieToken && !SAFE_METHODS.has(req.method)) {
      if (!csrfMatches(req.header('cookie'), req.header(CSRF_HEADER))) {
        throw new AuthError(
          AuthErrorCode.CSRF_TOKEN_INVALID,
          'forbidden',
          `A change made with the session cookie must repeat the ${CSRF_COOKIE} cookie in the ${CSRF_HEADER} header.`,
        );
      }
    }
    const caller = await this.verifier.verify(token);
    if (!rule.roles.includes(caller.role)) {
      throw new AuthError(
        AuthErrorCode.ROLE_NOT_ALLOWED,
        'forbidden',
        `This action needs one of the roles: ${rule.roles.join(', ')}.`,
      );
    }
    req[CALLER_KEY] = caller;
    requestContext.setCaller(caller);
    return true;
  }
}
