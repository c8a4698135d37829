import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';

import { AuthGuard } from './auth.guard';
import { DevTokenIssuer } from './dev-token-issuer.service';
import { TokenVerifier } from './token-verifier.service';

@Global()
@Module({
  providers: [TokenVerifier, DevTokenIssuer, { provide: APP_GUARD, useClass: AuthGuard }],
  exports: [TokenVerifier, DevTokenIssuer],
})
export class AuthModule {}
