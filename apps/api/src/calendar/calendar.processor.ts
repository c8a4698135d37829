import { CreateRequestContext, MikroORM } from '@mikro-orm/postgresql';
import { Process, Processor } from '@nestjs/bull';
import { type Job } from 'bull';

import { runJob } from '../platform/queue/job-runner';
import { QUEUE } from '../platform/queue/queue-names';
import { type CalendarRefreshJob, type CalendarSyncJob } from './calendar-jobs.service';
import { CalendarScopeService } from './calendar-scope.service';
import { CalendarSyncService } from './calendar-sync.service';
import { CALENDAR_JOB } from './calendar.constants';

@Processor(QUEUE.calendar)
export class CalendarProcessor {
  constructor(
    // CreateRequestContext finds the ORM through this property.
    private readonly orm: MikroORM,
    private readonly sync: CalendarSyncService,
    private readonly scope: CalendarScopeService,
  ) {}

  @Process({ name: CALENDAR_JOB.syncMailbox, concurrency: 4 })
  @CreateRequestContext()
  async syncMailbox(job: Job<CalendarSyncJob>) {
    return runJob(job, () =>
      this.sync.sync(job.data.orgId, job.data.roxUserId, {
        isFinalAttempt: job.attemptsMade + 1 >= (job.opts.attempts ?? 1),
      }),
    );
  }

  @Process(CALENDAR_JOB.refreshOrg)
  @CreateRequestContext()
  async refreshOrg(job: Job<CalendarRefreshJob>) {
    return runJob(job, () => this.scope.refreshOrg(job.data.orgId));
  }
}
