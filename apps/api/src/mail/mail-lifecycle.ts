import { Injectable, type OnModuleInit } from '@nestjs/common';

import { LifecycleRegistry } from '../platform/lifecycle/lifecycle-registry.service';
import { Clock } from '../platform/time/clock';
import { MailJobs } from './mail-jobs.service';
import { MailReader } from './mail-reader.service';
import { MailRepository } from './mail.repository';

/**
 * Mail in the org's life: once a connect or a scope change has rebuilt the mailbox rows, a cycle
 * runs (purging what left scope), disconnect and member removal purge every mail table; the org status gets its mail
 * section.
 */
@Injectable()
export class MailLifecycle implements OnModuleInit {
  constructor(
    private readonly lifecycle: LifecycleRegistry,
    private readonly jobs: MailJobs,
    private readonly repo: MailRepository,
    private readonly reader: MailReader,
    private readonly clock: Clock,
  ) {}

  onModuleInit(): void {
    this.lifecycle.register({
      feature: 'mail',
      stopJobs: (orgId) => this.jobs.stop(orgId),
      purgeOrg: {
        // Before the links, whose delete trigger would otherwise empty it uncounted.
        mail_link_count: (orgId) => this.repo.purgeOrgLinkCounts(orgId),
        mail_message_link: (orgId) => this.repo.purgeOrgLinks(orgId),
        // One range of its key; the messages' delete trigger then finds nothing left to remove.
        mail_message_participant: (orgId) => this.repo.purgeOrgParticipants(orgId),
        mail_message: (orgId) => this.repo.purgeOrgMessages(orgId),
        // After the messages: their delete trigger only ever decrements an existing row.
        mail_org_count: (orgId) => this.repo.purgeOrgCount(orgId),
        mail_channel: (orgId) => this.repo.purgeOrgChannels(orgId),
        mail_change: (orgId) => this.repo.purgeOrgChanges(orgId),
        mail_org_state: (orgId) => this.repo.purgeOrgState(orgId),
        mail_restricted_message: (orgId) => this.repo.forgetRestrictedMessages(orgId),
        mail_send: (orgId) => this.repo.purgeOrgSends(orgId),
      },
      purgeMember: {
        // Links, the messages no other mailbox holds, and the member's channels; one receipt line.
        mail_message: async (orgId, roxUserId) => {
          const removed = await this.repo.purgeMailbox(orgId, roxUserId, this.clock.now());
          return removed.messages;
        },
        mail_send: (orgId, roxUserId) => this.repo.purgeMemberSends(orgId, roxUserId),
      },
      // One member's row is refreshed inline before this runs; the org's rows by a job, which
      // calls onMailboxesRefreshed when done.
      onScopeChanged: async (orgId, change) => {
        if (change.roxUserId !== undefined) await this.jobs.enqueueCycle(orgId);
      },
      onMailboxesRefreshed: async (orgId) => {
        await this.jobs.enqueueCycle(orgId);
      },
      statusSections: { mail: (orgId) => this.reader.orgSummary(orgId) },
      changeFeeds: { mail: (orgId) => this.repo.feedHead(orgId) },
    });
  }
}
