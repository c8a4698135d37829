import { Module } from '@nestjs/common';

import { MembersModule } from '../members/members.module';
import { DevIdentityController } from './dev-identity.controller';
import { DevIdentityService } from './dev-identity.service';
import { DevTokenIssuer } from './dev-token-issuer.service';

@Module({
  imports: [MembersModule],
  controllers: [DevIdentityController],
  providers: [DevIdentityService, DevTokenIssuer],
  exports: [DevIdentityService],
})
export class DevIdentityModule {}
