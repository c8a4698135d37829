import { CreateRequestContext, MikroORM } from '@mikro-orm/postgresql';
import { Injectable, Logger } from '@nestjs/common';
import { Cron } from '@nestjs/schedule';

import { ConnectionReader } from '../consent/connection-reader.service';
import { enqueuePerOrg } from '../platform/queue/enqueue-per-org';
import { CalendarJobs } from './calendar-jobs.service';
import { CALENDAR_CYCLE_CRON, STALE_CHANNEL_CRON } from './calendar.constants';

/** Crons that only enqueue keyed jobs; the processor does the work. */
@Injectable()
export class CalendarSyncScheduler {
  private readonly logger = new Logger(CalendarSyncScheduler.name);

  constructor(
    // CreateRequestContext finds the ORM through this property.
    private readonly orm: MikroORM,
    private readonly connections: ConnectionReader,
    private readonly jobs: CalendarJobs,
  ) {}

  /**
   * One cycle per org Rox reaches mailboxes of, org-wide or through members' own connections
   * (scope purge, then a sync per in-scope mailbox).
   */
  @Cron(CALENDAR_CYCLE_CRON, { name: 'calendar.cycle' })
  @CreateRequestContext()
  async enqueueCycles(): Promise<number> {
    return enqueuePerOrg(
      await this.connections.orgsWithMailboxes(),
      'the calendar cycle',
      (orgId) => this.jobs.enqueueRefresh(orgId).then(() => undefined),
    );
  }

  @Cron(STALE_CHANNEL_CRON, { name: 'calendar.requeue-stale' })
  @CreateRequestContext()
  async requeueStale(): Promise<number> {
    const requeued = await this.jobs.requeueStale();
    if (requeued.length > 0) this.logger.warn({ requeued }, 'stale calendar channels queued again');
    // Writes whose job was lost (Redis lost its data) run again.
    const writes = await this.jobs.requeueUnfinishedWrites();
    if (writes.length > 0) this.logger.warn({ writes }, 'calendar writes queued again');
    return requeued.length + writes.length;
  }
}
