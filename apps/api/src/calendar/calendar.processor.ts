import { CreateRequestContext, MikroORM } from '@mikro-orm/postgresql';
import { Process, Processor } from '@nestjs/bull';
import { type Job } from 'bull';

import { LifecycleRegistry } from '../platform/lifecycle/lifecycle-registry.service';
import { runJob } from '../platform/queue/job-runner';
import { QUEUE } from '../platform/queue/queue-names';
import {
  type CalendarRefreshJob,
  type CalendarSyncJob,
  type CalendarWriteJob,
} from './calendar-jobs.service';
import { CalendarScopeService } from './calendar-scope.service';
import { CalendarSyncService } from './calendar-sync.service';
import { CalendarWriteService } from './calendar-write.service';
import { CALENDAR_JOB } from './calendar.constants';

@Processor(QUEUE.calendar)
export class CalendarProcessor {
  constructor(
    // CreateRequestContext finds the ORM through this property.
    private readonly orm: MikroORM,
    private readonly sync: CalendarSyncService,
    private readonly scope: CalendarScopeService,
    private readonly writes: CalendarWriteService,
    // Jobs that may append to the change feed announce it (push to Rox backends).
    private readonly lifecycle: LifecycleRegistry,
  ) {}

  @Process({ name: CALENDAR_JOB.syncMailbox, concurrency: 4 })
  @CreateRequestContext()
  async syncMailbox(job: Job<CalendarSyncJob>) {
    return runJob(job, () =>
      this.lifecycle.watchFeed(job.data.orgId, 'calendar', () =>
        this.sync.sync(job.data.orgId, job.data.roxUserId, {
          isFinalAttempt: job.attemptsMade + 1 >= (job.opts.attempts ?? 1),
        }),
      ),
    );
  }

  @Process(CALENDAR_JOB.refreshOrg)
  @CreateRequestContext()
  async refreshOrg(job: Job<CalendarRefreshJob>) {
    return runJob(job, () =>
      this.lifecycle.watchFeed(job.data.orgId, 'calendar', () =>
        this.scope.refreshOrg(job.data.orgId),
      ),
    );
  }

  @Process({ name: CALENDAR_JOB.write, concurrency: 4 })
  @CreateRequestContext()
  async write(job: Job<CalendarWriteJob>) {
    const isFinalAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    return runJob(job, async () => {
      try {
        await this.lifecycle.watchFeed(job.data.orgId, 'calendar', () =>
          this.writes.execute(job.data.writeId),
        );
      } catch (error) {
        // Out of attempts: the status resource says failed, not queued forever.
        if (isFinalAttempt)
          await this.writes.giveUp(
            job.data.writeId,
            (error as { code?: string }).code ?? 'CALENDAR_GRAPH_FAILED',
          );
        throw error;
      }
    });
  }
}
