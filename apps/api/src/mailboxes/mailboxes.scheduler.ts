import { CreateRequestContext, MikroORM } from '@mikro-orm/postgresql';
import { Injectable, Logger } from '@nestjs/common';
import { Cron } from '@nestjs/schedule';

import { ConnectionReader } from '../consent/connection-reader.service';
import { Clock } from '../platform/time/clock';
import { MailboxReader } from './mailbox-reader.service';
import { MailboxesJobs } from './mailboxes-jobs.service';
import { REFRESH_ALL_CRON, REPROBE_AFTER_MS, REPROBE_CRON } from './mailboxes.constants';

/** Crons that only enqueue keyed jobs; the processor does the work. */
@Injectable()
export class MailboxesScheduler {
  private readonly logger = new Logger(MailboxesScheduler.name);

  constructor(
    // CreateRequestContext finds the ORM through this property.
    private readonly orm: MikroORM,
    private readonly connections: ConnectionReader,
    private readonly jobs: MailboxesJobs,
    private readonly reader: MailboxReader,
    private readonly clock: Clock,
  ) {}

  /** One probe per in-scope member whose last probe is missing or old. */
  @Cron(REPROBE_CRON, { name: 'mailboxes.reprobe' })
  @CreateRequestContext()
  async enqueueDueProbes(): Promise<number> {
    const olderThan = new Date(this.clock.now().getTime() - REPROBE_AFTER_MS);
    let queued = 0;
    for (const { orgId } of await this.connections.connectedOrgs()) {
      try {
        for (const roxUserId of await this.reader.probesDue(orgId, olderThan)) {
          await this.jobs.enqueueProbe(orgId, roxUserId);
          queued += 1;
        }
      } catch (error) {
        // One org's failure must not starve the others.
        this.logger.error({ orgId, err: error }, 'could not enqueue re-probes');
      }
    }
    return queued;
  }

  /** The safety net: every connected org's rows are recomputed now and then. */
  @Cron(REFRESH_ALL_CRON, { name: 'mailboxes.refresh-all' })
  @CreateRequestContext()
  async enqueueRefreshes(): Promise<number> {
    let queued = 0;
    for (const { orgId } of await this.connections.connectedOrgs()) {
      try {
        await this.jobs.enqueueRefresh(orgId);
        queued += 1;
      } catch (error) {
        this.logger.error({ orgId, err: error }, 'could not enqueue a mailbox refresh');
      }
    }
    return queued;
  }
}
