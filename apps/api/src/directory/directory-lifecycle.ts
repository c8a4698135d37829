import { Injectable, type OnModuleInit } from '@nestjs/common';

import { LifecycleRegistry } from '../platform/lifecycle/lifecycle-registry.service';
import { DirectoryJobs } from './directory-jobs.service';
import { DirectoryReader } from './directory-reader.service';
import { DirectoryRepository } from './directory.repository';

/** Directory's part of the lifecycle: first sync, status section and disconnect. */
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
        directory_sync_state: (orgId) => this.repo.purgeSyncState(orgId),
      },
      statusSections: { directory: (orgId) => this.reader.summary(orgId) },
    });
  }
}
