import { Injectable, type OnModuleInit } from '@nestjs/common';

import { LifecycleRegistry } from '../platform/lifecycle/lifecycle-registry.service';
import { DirectoryJobs } from './directory-jobs.service';
import { DirectoryReader } from './directory-reader.service';
import { DirectoryRepository } from './directory.repository';

/** Directory's part of the lifecycle: first sync, status section, mapping upkeep, disconnect. */
@Injectable()
export class DirectoryLifecycle implements OnModuleInit {
  constructor(
    private readonly lifecycle: LifecycleRegistry,
    private readonly jobs: DirectoryJobs,
    private readonly reader: DirectoryReader,
    private readonly repo: DirectoryRepository,
  ) {}

  onModuleInit(): void {
    this.lifecycle.register({
      feature: 'directory',
      onConnected: async (orgId) => {
        await this.jobs.enqueueSync(orgId);
      },
      stopJobs: (orgId) => this.jobs.stop(orgId),
      purgeOrg: {
        directory_user: (orgId) => this.repo.purgeUsers(orgId),
        directory_member_map: (orgId) => this.repo.purgeMemberMap(orgId),
        directory_round_seen: (orgId) => this.repo.purgeRoundSeen(orgId),
        directory_sync_state: (orgId) => this.repo.purgeSyncState(orgId),
      },
      statusSections: { directory: (orgId) => this.reader.summary(orgId) },
      // A member's email changed, or they joined or left: re-match them before the mailboxes
      // feature (registered after directory) refreshes their row from the stored mapping.
      onScopeChanged: async (orgId, change) => {
        if (change.cause === 'member' && change.roxUserId !== undefined) {
          await this.repo.remap(orgId, { emails: [], roxUserIds: [change.roxUserId] });
        }
      },
    });
  }
}
