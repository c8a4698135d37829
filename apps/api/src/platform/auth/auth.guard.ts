import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { type Request } from 'express';

import { requestContext } from '../http/request-context';
import { ACCESS_METADATA, type AccessRule } from './access.decorators';
import { AuthError, AuthErrorCode } from './auth.errors';
import { CALLER_KEY } from './caller';
import { TokenVerifier } from './token-verifier.service';

/** Global guard: default deny. A route is reachable only through its own declaration. */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly verifier: TokenVerifier,
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
    const header = req.header('authorization');
    const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
    if (!match?.[1]) {
      throw new AuthError(
        AuthErrorCode.TOKEN_MISSING,
        'unauthenticated',
        'Send a Rox platform token as "Authorization: Bearer <token>".',
      );
    }
    const caller = await this.verifier.verify(match[1]);
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
