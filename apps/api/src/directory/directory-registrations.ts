import { Injectable, type OnModuleInit } from '@nestjs/common';

import { DirectoryHooks } from '../consent/directory-hooks';
import { OrgDataPurgers } from '../consent/org-data-purgers';
import { MemberDataPurgers } from '../members/member-data-purger';
import { DirectoryJobs } from './directory-jobs.service';
import { DirectoryReader } from './directory-reader.service';
import { DirectoryRepository } from './directory.repository';

/** Plugs directory into consent (first sync, status, disconnect purge) and into member removal. */
@Injectable()
export class DirectoryRegistrations implements OnModuleInit {
  constructor(
    private readonly hooks: DirectoryHooks,
    private readonly purgers: OrgDataPurgers,
    private readonly memberPurgers: MemberDataPurgers,
    private readonly jobs: DirectoryJobs,
    private readonly reader: DirectoryReader,
    private readonly repo: DirectoryRepository,
  ) {}

  onModuleInit(): void {
    this.hooks.register({
      onConnected: async (orgId) => {
        await this.jobs.enqueueSync(orgId);
      },
      summary: (orgId) => this.reader.summary(orgId),
    });
    this.purgers.registerJobStopper({ name: 'directory', stop: (orgId) => this.jobs.stop(orgId) });
    this.purgers.register({
      name: 'directory_user',
      purge: (orgId) => this.repo.purgeUsers(orgId),
    });
    this.purgers.register({
      name: 'directory_probe',
      purge: (orgId) => this.repo.purgeProbes(orgId),
    });
    this.purgers.register({
      name: 'directory_sync_state',
      purge: (orgId) => this.repo.purgeSyncState(orgId),
    });
    this.memberPurgers.register({
      name: 'directory_probe',
      purge: (orgId, roxUserId) => this.repo.purgeMemberProbe(orgId, roxUserId),
    });
  }
}
