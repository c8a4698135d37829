import { CreateRequestContext, MikroORM } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { Cron } from '@nestjs/schedule';

import { ConnectionReader } from '../consent/connection-reader.service';
import { enqueuePerOrg } from '../platform/queue/enqueue-per-org';
import { MailJobs } from './mail-jobs.service';
import { MAIL_CYCLE_CRON, STALE_MAIL_SYNC_CRON } from './mail.constants';

/** The cron only enqueues one keyed cycle per connected org. */
@Injectable()
export class MailScheduler {
  constructor(
    // CreateRequestContext finds the ORM through this property.
    private readonly orm: MikroORM,
    private readonly connections: ConnectionReader,
    private readonly jobs: MailJobs,
  ) {}

  // Every org Rox reaches mailboxes of: org-wide, or through members' own connections.
  @Cron(MAIL_CYCLE_CRON, { name: 'mail.cycle' })
  @CreateRequestContext()
  async enqueueCycles(): Promise<number> {
    return enqueuePerOrg(
      await this.connections.orgsWithMailboxes(),
      'the mail cycle',
      async (orgId) => {
        await this.jobs.enqueueCycle(orgId);
      },
    );
  }

  /**
   * Mailbox syncs whose job died are queued again, with the reason on their channels; so are
   * sends whose job was lost.
   */
  @Cron(STALE_MAIL_SYNC_CRON, { name: 'mail.requeue-stale' })
  @CreateRequestContext()
  async requeueStale(): Promise<number> {
    const syncs = await this.jobs.requeueStale();
    const sends = await this.jobs.requeueUnfinishedSends();
    return syncs.length + sends.length;
  }
}
