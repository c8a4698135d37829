import { CreateRequestContext, MikroORM } from '@mikro-orm/postgresql';
import { Injectable, Logger } from '@nestjs/common';
import { Cron } from '@nestjs/schedule';

import { ConnectionReader } from '../consent/connection-reader.service';
import { enqueuePerOrg } from '../platform/queue/enqueue-per-org';
import { DirectoryJobs } from './directory-jobs.service';
import { DIRECTORY_SYNC_CRON, STALE_SYNC_CRON } from './directory.constants';

/** Crons that only enqueue keyed jobs; the processor does the work. */
@Injectable()
export class DirectorySyncScheduler {
  private readonly logger = new Logger(DirectorySyncScheduler.name);

  constructor(
    // CreateRequestContext finds the ORM through this property.
    private readonly orm: MikroORM,
    private readonly connections: ConnectionReader,
    private readonly jobs: DirectoryJobs,
  ) {}

  /** One directory sync per connected org. */
  @Cron(DIRECTORY_SYNC_CRON, { name: 'directory.sync' })
  @CreateRequestContext()
  async enqueueSyncs(): Promise<number> {
    return enqueuePerOrg(
      await this.connections.connectedOrgs(),
      'a directory sync',
      async (orgId) => {
        await this.jobs.enqueueSync(orgId);
      },
    );
  }

  /** Syncs whose job died are queued again (platform/sync stale-job detection). */
  @Cron(STALE_SYNC_CRON, { name: 'directory.requeue-stale' })
  @CreateRequestContext()
  async requeueStaleSyncs(): Promise<number> {
    const orgIds = await this.jobs.requeueStaleSyncs();
    if (orgIds.length > 0) this.logger.warn({ orgIds }, 'stale directory syncs queued again');
    return orgIds.length;
  }
}
