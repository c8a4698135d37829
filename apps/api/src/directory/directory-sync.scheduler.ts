import { CreateRequestContext, MikroORM } from '@mikro-orm/postgresql';
import { Injectable, Logger } from '@nestjs/common';
import { Cron } from '@nestjs/schedule';

import { ConnectionReader } from '../consent/connection-reader.service';
import { DIRECTORY_SYNC_CRON } from './directory.constants';
import { DirectoryJobs } from './directory-jobs.service';

/** Enqueues one keyed directory sync per connected org; the processor does the work. */
@Injectable()
export class DirectorySyncScheduler {
  private readonly logger = new Logger(DirectorySyncScheduler.name);

  constructor(
    private readonly orm: MikroORM,
    private readonly connections: ConnectionReader,
    private readonly jobs: DirectoryJobs,
  ) {}

  @Cron(DIRECTORY_SYNC_CRON, { name: 'directory.sync' })
  @CreateRequestContext()
  async enqueueAll(): Promise<number> {
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
}
