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
import { ApprovalHelp } from './individual/approval-help';
import { DelegatedTokenProvider } from './individual/delegated-token.provider';
import { IndividualConnectService } from './individual/individual-connect.service';
import { IndividualConnectionsController } from './individual/individual-connections.controller';
import { IndividualConnectionsService } from './individual/individual-connections.service';
import { IndividualTokenRepository } from './individual/individual-token.repository';
import { REFRESH_TOKEN_COLUMN } from './individual/individual.constants';
import { MailboxAccess } from './mailbox-access.service';
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
// Members' refresh tokens, keyed by their connection.
ENCRYPTED_COLUMNS.push(columnOf(REFRESH_TOKEN_COLUMN, 'connection_id'));

/**
 * Org-wide connection via admin consent, and members' own (individual) connections. Other
 * features use only the exported providers: ConnectionReader (tenant, grant, capabilities,
 * settings), PermissionRecheck and DelegatedTokenProvider (a member's delegated Graph access);
 * they plug into connect, disconnect, member removal and status through platform/lifecycle.
 */
@Module({
  imports: [BullModule.registerQueue({ name: QUEUE.consent }), MembersModule],
  controllers: [OrgwideController, IndividualConnectionsController],
  providers: [
    OrgwideSettingsRepository,
    OrgwideConnectionRepository,
    AuthStateRepository,
    IndividualConnectionRepository,
    IndividualTokenRepository,
    MemberLookup,
    OrgwideSettingsService,
    ConsentFlowService,
    IndividualConnectionsService,
    IndividualConnectService,
    DelegatedTokenProvider,
    ApprovalHelp,
    PermissionCheckService,
    OrgwideStatusService,
    DisconnectService,
    ConnectionReader,
    PermissionRecheck,
    ConsentLifecycle,
    MailboxAccess,
  ],
  // PermissionCheckService is exported for the consent worker module only.
  exports: [
    ConnectionReader,
    PermissionRecheck,
    PermissionCheckService,
    DelegatedTokenProvider,
    MailboxAccess,
  ],
})
export class ConsentModule {}
