import { Controller, Get, HttpCode, Post } from '@nestjs/common';

import {
  DevIdentityListSchema,
  DevSignInRequestSchema,
  SessionSchema,
  type DevSignInRequest,
} from '@rox365/contracts';

import { Public } from '../platform/auth/access.decorators';
import { Contract, ValidBody } from '../platform/http/contract.decorators';
import { DevIdentityService } from './dev-identity.service';

/** Only mounted when ROX_AUTH_MODE=dev, which boot refuses in production. */
@Controller('dev')
export class DevIdentityController {
  constructor(private readonly identities: DevIdentityService) {}

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
  signIn(@ValidBody(DevSignInRequestSchema) body: DevSignInRequest) {
    return this.identities.signIn(body.roxUserId);
  }
}
