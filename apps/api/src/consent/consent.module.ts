import { BullModule } from '@nestjs/bull';
import { Module } from '@nestjs/common';

import { QUEUE } from '../platform/queue/queue-names';
import { ConnectionReader } from './connection-reader.service';
import { ConsentStateRepository } from './consent-state.repository';
import { DirectoryHooks } from './directory-hooks';
import { IndividualConnectionRepository } from './individual-connection.repository';
import { OrgDataPurgers } from './org-data-purgers';
import { OrgwideConnectionRepository } from './orgwide-connection.repository';
import { OrgwideSettingsRepository } from './orgwide-settings.repository';
import { PermissionRecheck } from './permission-recheck.service';

/**
 * Org-wide connection via admin consent. Other features use only the exported providers:
 * ConnectionReader (tenant, grant, capabilities, settings), PermissionRecheck, OrgDataPurgers
 * (register purgers and job stoppers) and DirectoryHooks (directory registers into it).
 */
@Module({
  imports: [BullModule.registerQueue({ name: QUEUE.consent })],
  providers: [
    OrgwideSettingsRepository,
    OrgwideConnectionRepository,
    ConsentStateRepository,
    IndividualConnectionRepository,
    ConnectionReader,
    PermissionRecheck,
    OrgDataPurgers,
    DirectoryHooks,
  ],
  exports: [ConnectionReader, PermissionRecheck, OrgDataPurgers, DirectoryHooks],
})
export class ConsentModule {}
