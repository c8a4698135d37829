import { Injectable, type OnModuleInit } from '@nestjs/common';

import { NOTIFICATIONS_DEGRADED } from '@rox365/contracts';

import { AppConfig } from '../config/app-config';
import { LifecycleRegistry } from '../platform/lifecycle/lifecycle-registry.service';
import { Clock } from '../platform/time/clock';
import { GraphSubscriptionRepository } from './graph-subscription.repository';
import { NotificationsJobs } from './notifications-jobs.service';
import { isDelegatedResource, SubscriptionsService } from './subscriptions.service';

/**
 * Change notifications in the org's life: connect and scope changes compare subscriptions with
 * the channels in scope (a mailbox leaving scope, a folder taken out or a restricted user loses
 * its subscriptions); disconnect queues the deletions at Graph (the jobs carry the ids) before
 * the rows are purged, and a member's own connection (or a leaving member's, or those an
 * org-wide connect supersedes) has its subscriptions deleted with its token before that token is
 * purged; an extra folder found, lost or found under a new id moves its subscription; degraded
 * channels show `notifications_degraded` in their status; channels with a healthy subscription
 * are polled only every NOTIFICATIONS_SAFETY_POLL_MINUTES.
 */
@Injectable()
export class NotificationsLifecycle implements OnModuleInit {
  constructor(
    private readonly lifecycle: LifecycleRegistry,
    private readonly jobs: NotificationsJobs,
    private readonly repo: GraphSubscriptionRepository,
    private readonly subscriptions: SubscriptionsService,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  onModuleInit(): void {
    this.lifecycle.register({
      feature: 'notifications',
      stopJobs: async (orgId) => {
        const stopped = await this.jobs.stop(orgId);
        await this.subscriptions.queueDeletionOf(orgId);
        return stopped;
      },
      purgeOrg: { graph_subscription: (orgId) => this.repo.purgeOrg(orgId) },
      // A member's own connection going: what was subscribed with its token goes at Graph first.
      beforeConnectionPurge: async (orgId, connectionId) => {
        await this.subscriptions.releaseConnection(orgId, connectionId);
      },
      // A member leaving: likewise for every connection of theirs.
      beforeMemberPurge: async (orgId, roxUserId) => {
        await this.subscriptions.releaseMember(orgId, roxUserId);
      },
      onScopeChanged: async (orgId, change) => {
        // One member's row is refreshed inline before us; the org's by a job, which calls
        // onMailboxesRefreshed when the rows are rebuilt.
        if (change.roxUserId !== undefined) await this.jobs.enqueueMailbox(orgId, change.roxUserId);
      },
      // A connect or an org-level scope change: compared once the rows say who is in scope
      // (a fixed head start lost that race on a busy worker, leaving members unsubscribed
      // until the reconcile cron).
      onMailboxesRefreshed: async (orgId) => {
        await this.jobs.enqueueReconcile(orgId);
      },
      // An extra folder found, lost or re-created: its subscription follows.
      onMailFoldersMoved: async (orgId, roxUserId) => {
        await this.jobs.enqueueMailbox(orgId, roxUserId);
      },
      channelNotices: async (orgId, kind, roxUserIds) =>
        (await this.repo.degraded(orgId, kind, roxUserIds)).map((row) => ({
          roxUserId: row.roxUserId,
          folder: kind === 'mail' ? row.folder : null,
          code: NOTIFICATIONS_DEGRADED,
        })),
      coveredChannels: async (orgId, kind, roxUserIds) => {
        const { notificationUrl, safetyPollMinutes } = this.config.notifications;
        // Off (rows may linger until the next reconcile deletes them) or safety polling every
        // cycle: nothing is covered.
        if (notificationUrl === null || safetyPollMinutes === 0) return [];
        const rows = await this.repo.healthy(orgId, kind, roxUserIds, this.clock.now());
        return rows.map((row) => ({
          roxUserId: row.roxUserId,
          folder: kind === 'mail' ? row.folder : null,
          // A member's own connection watches the token's mailbox (channels read no directory user).
          directoryUserId: isDelegatedResource(row.resource) ? '' : row.directoryUserId,
          folderId: row.folderId,
          safetyPollMs: safetyPollMinutes * 60_000,
        }));
      },
    });
  }
}
