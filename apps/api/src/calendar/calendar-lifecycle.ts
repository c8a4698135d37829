import { Injectable, type OnModuleInit } from '@nestjs/common';

import { LifecycleRegistry } from '../platform/lifecycle/lifecycle-registry.service';
import { Clock } from '../platform/time/clock';
import { CalendarJobs } from './calendar-jobs.service';
import { CalendarRepository } from './calendar.repository';

/**
 * The calendar in the org's lifecycle: once a connect or scope change has rebuilt the mailbox
 * rows, the org's cycle runs (leaving scope purges), disconnect purges every table, a removed member loses their mailbox's data.
 */
@Injectable()
export class CalendarLifecycle implements OnModuleInit {
  // purgeMember runs table by table: the link purge also deletes orphaned events; the
  // calendar_event line reports them.
  private readonly orphansPurged = new Map<string, number>();

  constructor(
    private readonly lifecycle: LifecycleRegistry,
    private readonly jobs: CalendarJobs,
    private readonly repo: CalendarRepository,
    private readonly clock: Clock,
  ) {}

  onModuleInit(): void {
    this.lifecycle.register({
      feature: 'calendar',
      stopJobs: (orgId) => this.jobs.stop(orgId),
      purgeOrg: {
        // Before the links, whose delete trigger would otherwise empty it uncounted.
        calendar_link_count: (orgId) => this.repo.purgeOrgLinkCounts(orgId),
        calendar_event_link: (orgId) => this.repo.purgeOrgTable(orgId, 'calendar_event_link'),
        calendar_event: (orgId) => this.repo.purgeOrgTable(orgId, 'calendar_event'),
        calendar_series: (orgId) => this.repo.purgeOrgTable(orgId, 'calendar_series'),
        calendar_channel: (orgId) => this.repo.purgeOrgTable(orgId, 'calendar_channel'),
        calendar_change: (orgId) => this.repo.purgeOrgTable(orgId, 'calendar_change'),
        calendar_write: (orgId) => this.repo.purgeOrgTable(orgId, 'calendar_write'),
        calendar_org_state: (orgId) => this.repo.purgeOrgTable(orgId, 'calendar_org_state'),
      },
      purgeMember: {
        calendar_event_link: async (orgId, roxUserId) => {
          const removed = await this.repo.purgeMailbox(orgId, roxUserId, this.clock.now());
          this.orphansPurged.set(`${orgId}|${roxUserId}`, removed.events);
          return removed.links;
        },
        calendar_event: (orgId, roxUserId) => {
          const key = `${orgId}|${roxUserId}`;
          const n = this.orphansPurged.get(key) ?? 0;
          this.orphansPurged.delete(key);
          return Promise.resolve(n);
        },
        calendar_write: (orgId, roxUserId) => this.repo.purgeMemberWrites(orgId, roxUserId),
      },
      // One member's row is refreshed inline before this runs; the org's rows by a job, which
      // calls onMailboxesRefreshed when done.
      onScopeChanged: async (orgId, change) => {
        if (change.roxUserId !== undefined) await this.jobs.enqueueRefresh(orgId);
      },
      onMailboxesRefreshed: async (orgId) => {
        await this.jobs.enqueueRefresh(orgId);
      },
      changeFeeds: { calendar: (orgId) => this.repo.feedHead(orgId) },
    });
  }
}
