import { CreateRequestContext, MikroORM } from '@mikro-orm/postgresql';
import { Injectable, Logger } from '@nestjs/common';
import { Cron } from '@nestjs/schedule';

import { ConnectionReader } from '../consent/connection-reader.service';
import { MailJobs } from './mail-jobs.service';
import { MAIL_CYCLE_CRON, STALE_MAIL_SYNC_CRON } from './mail.constants';

/** The cron only enqueues one keyed cycle per connected org. */
@Injectable()
export class MailScheduler {
  private readonly logger = new Logger(MailScheduler.name);

  constructor(
    // CreateRequestContext finds the ORM through this property.
    private readonly orm: MikroORM,
    private readonly connections: ConnectionReader,
    private readonly jobs: MailJobs,
  ) {}

  @Cron(MAIL_CYCLE_CRON, { name: 'mail.cycle' })
  @CreateRequestContext()
  async enqueueCycles(): Promise<number> {
    let queued = 0;
    for (const { orgId } of await this.connections.connectedOrgs()) {
      try {
        await this.jobs.enqueueCycle(orgId);
        queued += 1;
      } catch (error) {
        this.logger.error({ orgId, err: error }, 'could not enqueue the mail cycle');
      }
    }
    return queued;
  }

  /** Mailbox syncs whose job died are queued again, with the reason on their channels. */
  @Cron(STALE_MAIL_SYNC_CRON, { name: 'mail.requeue-stale' })
  @CreateRequestContext()
  async requeueStale(): Promise<number> {
    return (await this.jobs.requeueStale()).length;
  }
}
