import { Module } from '@nestjs/common';

import { MembersModule } from '../members/members.module';
import { TokenVerifier } from '../platform/auth/token-verifier.service';
import { DevIdentityController } from './dev-identity.controller';
import { DevIdentityService } from './dev-identity.service';
import { DevTokenIssuer } from './dev-token-issuer.service';

@Module({
  imports: [MembersModule],
  controllers: [DevIdentityController],
  // Its own TokenVerifier (the session route reads the cookie), so contexts without the global
  // auth module (CLI seed) still resolve the controller.
  providers: [DevIdentityService, DevTokenIssuer, TokenVerifier],
  exports: [DevIdentityService],
})
export class DevIdentityModule {}
