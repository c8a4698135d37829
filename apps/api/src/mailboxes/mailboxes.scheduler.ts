import { CreateRequestContext, MikroORM } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { Cron } from '@nestjs/schedule';

import { ConnectionReader } from '../consent/connection-reader.service';
import { enqueuePerOrg } from '../platform/queue/enqueue-per-org';
import { Clock } from '../platform/time/clock';
import { MailboxReader } from './mailbox-reader.service';
import { MailboxesJobs } from './mailboxes-jobs.service';
import { REFRESH_ALL_CRON, REPROBE_AFTER_MS, REPROBE_CRON } from './mailboxes.constants';

/** Crons that only enqueue keyed jobs; the processor does the work. */
@Injectable()
export class MailboxesScheduler {
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
    return enqueuePerOrg(await this.connections.connectedOrgs(), 're-probes', async (orgId) => {
      const due = await this.reader.probesDue(orgId, olderThan);
      for (const roxUserId of due) await this.jobs.enqueueProbe(orgId, roxUserId);
      return due.length;
    });
  }

  /**
   * The safety net: the rows of every org with a route to a mailbox (org-wide, or members' own
   * connections) are recomputed now and then.
   */
  @Cron(REFRESH_ALL_CRON, { name: 'mailboxes.refresh-all' })
  @CreateRequestContext()
  async enqueueRefreshes(): Promise<number> {
    return enqueuePerOrg(
      await this.connections.orgsWithMailboxes(),
      'a mailbox refresh',
      async (orgId) => {
        await this.jobs.enqueueRefresh(orgId);
      },
    );
  }
}
