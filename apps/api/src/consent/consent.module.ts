import { BullModule } from '@nestjs/bull';
import { Module } from '@nestjs/common';

import { MembersModule } from '../members/members.module';
import { columnOf, ENCRYPTED_COLUMNS } from '../platform/crypto/encrypted-columns';
import { QUEUE } from '../platform/queue/queue-names';
import { AuthStateRepository } from './auth-state/auth-state.repository';
import { ConnectionReader } from './connection-reader.service';
import { ConsentFlowService } from './consent-flow.service';
import { ConsentLifecycle } from './consent-lifecycle';
import { CODE_VERIFIER_COLUMN } from './consent.constants';
import { DisconnectService } from './disconnect.service';
import { IndividualConnectionRepository } from './individual-connection.repository';
import { IndividualConnectionsController } from './individual-connections.controller';
import { IndividualConnectionsService } from './individual-connections.service';
import { MemberLookup } from './member-lookup';
import { OrgwideConnectionRepository } from './orgwide-connection.repository';
import { OrgwideSettingsRepository } from './orgwide-settings.repository';
import { OrgwideSettingsService } from './orgwide-settings.service';
import { OrgwideStatusService } from './orgwide-status.service';
import { OrgwideController } from './orgwide.controller';
import { PermissionCheckService } from './permission-check.service';
import { PermissionRecheck } from './permission-recheck.service';

// The sign-in leg's PKCE verifier is sealed with the key ring; re-encryption must find it.
ENCRYPTED_COLUMNS.push(columnOf(CODE_VERIFIER_COLUMN));

/**
 * Org-wide connection via admin consent. Other features use only the exported providers:
 * ConnectionReader (tenant, grant, capabilities, settings) and PermissionRecheck; they plug into
 * connect, disconnect and status through platform/lifecycle.
 */
@Module({
  imports: [BullModule.registerQueue({ name: QUEUE.consent }), MembersModule],
  controllers: [OrgwideController, IndividualConnectionsController],
  providers: [
    OrgwideSettingsRepository,
    OrgwideConnectionRepository,
    AuthStateRepository,
    IndividualConnectionRepository,
    MemberLookup,
    OrgwideSettingsService,
    ConsentFlowService,
    IndividualConnectionsService,
    PermissionCheckService,
    OrgwideStatusService,
    DisconnectService,
    ConnectionReader,
    PermissionRecheck,
    ConsentLifecycle,
  ],
  // PermissionCheckService is exported for the consent worker module only.
  exports: [ConnectionReader, PermissionRecheck, PermissionCheckService],
})
export class ConsentModule {}
