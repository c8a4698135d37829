import { Injectable, type OnModuleInit } from '@nestjs/common';

import {
  LifecycleRegistry,
  type ScopeChange,
} from '../platform/lifecycle/lifecycle-registry.service';
import { MailboxRefresh } from './mailbox-refresh.service';
import { MailboxRepository } from './mailbox.repository';
import { MailboxesJobs } from './mailboxes-jobs.service';

/**
 * The mailboxes feature in the lifecycle: every change to what scope derives from refreshes the
 * rows — one member's inline (cheap, and the next read sees it), the whole org in a keyed job.
 */
@Injectable()
export class MailboxesLifecycle implements OnModuleInit {
  constructor(
    private readonly lifecycle: LifecycleRegistry,
    private readonly jobs: MailboxesJobs,
    private readonly refresh: MailboxRefresh,
    private readonly rows: MailboxRepository,
  ) {}

  onModuleInit(): void {
    this.lifecycle.register({
      feature: 'mailboxes',
      onConnected: async (orgId) => {
        await this.jobs.enqueueRefresh(orgId);
      },
      stopJobs: (orgId) => this.jobs.stop(orgId),
      // The rows each sync page checks before it writes (see LifecycleParticipant.purgesFirst).
      purgesFirst: true,
      purgeOrg: {
        mailbox: (orgId) => this.rows.deleteForOrg(orgId),
        directory_probe: (orgId) => this.rows.purgeProbes(orgId),
      },
      purgeMember: {
        mailbox: (orgId, roxUserId) => this.rows.deleteMember(orgId, roxUserId),
        directory_probe: (orgId, roxUserId) => this.rows.purgeMemberProbe(orgId, roxUserId),
      },
      onScopeChanged: (orgId, change) => this.onScopeChanged(orgId, change),
    });
  }

  private async onScopeChanged(orgId: string, change: ScopeChange): Promise<void> {
    if (change.roxUserId !== undefined) {
      await this.refresh.refresh({ orgId, roxUserId: change.roxUserId });
    } else {
      await this.jobs.enqueueRefresh(orgId);
    }
  }
}
