import { CreateRequestContext, MikroORM } from '@mikro-orm/postgresql';
import { Injectable, Logger } from '@nestjs/common';
import { Cron } from '@nestjs/schedule';

import { ConnectionReader } from '../consent/connection-reader.service';
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
    let queued = 0;
    for (const { orgId } of await this.connections.connectedOrgs()) {
      try {
        await this.jobs.enqueueSync(orgId);
        queued += 1;
      } catch (error) {
        // One org's failure must not starve the others.
        this.logger.error({ orgId, err: error }, 'could not enqueue directory sync');
      }
    }
    return queued;
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
