import { Injectable, Logger } from '@nestjs/common';

import { ConnectionReader } from '../consent/connection-reader.service';
import { AuditLog } from '../platform/audit/audit-log.service';
import { ChannelRounds } from './channel-rounds.service';
import { type GraphSubscription } from './entities/graph-subscription.entity';
import { GraphSubscriptionRepository } from './graph-subscription.repository';
import { sameClientStateHash } from './notification-intake.service';
import { NotificationTargets } from './notification-targets.service';
import { NotificationsJobs, type ReceiptJob } from './notifications-jobs.service';

export type RejectReason = 'unknown_subscription' | 'client_state_mismatch' | 'out_of_scope';

export type ReceiptOutcome =
  { status: 'rejected'; reason: RejectReason } | { status: 'accepted'; actions: string[] };

/**
 * A received notification, checked before anything happens: the subscription must be ours, the
 * clientState's hash must match the stored one (compared in constant time), and the channel
 * must still be in scope. Then it only queues work: a delta round for a change or `missed`, a
 * reauthorization or a new subscription for the lifecycle events that ask for one.
 */
@Injectable()
export class NotificationReceiptService {
  private readonly logger = new Logger('notifications');

  constructor(
    private readonly repo: GraphSubscriptionRepository,
    private readonly connections: ConnectionReader,
    private readonly targets: NotificationTargets,
    private readonly rounds: ChannelRounds,
    private readonly jobs: NotificationsJobs,
    private readonly audit: AuditLog,
  ) {}

  async handle(receipt: ReceiptJob): Promise<ReceiptOutcome> {
    const row = await this.repo.findBySubscriptionId(receipt.subscriptionId);
    if (!row) return this.reject(receipt, 'unknown_subscription', null);
    if (!sameClientStateHash(row.clientStateHash, receipt.clientStateHash)) {
      return this.reject(receipt, 'client_state_mismatch', row);
    }
    if (!(await this.targets.isCurrent(row))) {
      // The mailbox's job deletes the subscription it should no longer have.
      await this.jobs.enqueueMailbox(row.orgId, row.roxUserId);
      return this.reject(receipt, 'out_of_scope', row);
    }
    const actions: string[] = [];
    const channel = {
      orgId: row.orgId,
      roxUserId: row.roxUserId,
      kind: row.kind,
      folder: row.folder,
    };
    switch (receipt.lifecycleEvent) {
      case 'reauthorizationRequired':
        await this.jobs.enqueueMaintain({ ...channel, action: 'reauthorize' });
        actions.push('reauthorize');
        break;
      case 'subscriptionRemoved':
        await this.jobs.enqueueMaintain({ ...channel, action: 'recreate' });
        actions.push('recreate');
        break;
      default:
        // A change, or `missed`: the round fetches it.
        break;
    }
    // A round for the change itself, or for what the gap may have hidden; a removed
    // subscription's round runs once its replacement exists (the maintain job queues it).
    if (receipt.lifecycleEvent !== 'subscriptionRemoved') {
      await this.rounds.enqueue(row);
      actions.push('delta');
    }
    return { status: 'accepted', actions };
  }

  // Audited at most once a minute per subscription id (per org for unknown ids), so a flood of
  // forgeries cannot flood the log; every rejection is logged.
  private async reject(
    receipt: ReceiptJob,
    reason: RejectReason,
    row: GraphSubscription | null,
  ): Promise<ReceiptOutcome> {
    this.logger.warn(
      { subscriptionId: receipt.subscriptionId, type: receipt.type, reason },
      'notification rejected',
    );
    const orgId = row?.orgId ?? (await this.orgOfTenant(receipt.tenantId));
    const key = row ? receipt.subscriptionId : `unknown:${orgId ?? receipt.tenantId ?? '-'}`;
    if (orgId && (await this.jobs.claimRejectionAudit(key))) {
      await this.audit.record({
        orgId,
        action: 'notifications.rejected',
        // Anyone can post an unknown one naming this org's tenant: its id is kept only when it
        // looks like Graph's (a GUID), so no sender writes text of their choice into the log.
        target: {
          type: 'graph_subscription',
          id: row || GUID.test(receipt.subscriptionId) ? receipt.subscriptionId : null,
        },
        details: {
          reason,
          type: receipt.type,
          ...(receipt.lifecycleEvent ? { lifecycleEvent: receipt.lifecycleEvent } : {}),
          ...(row
            ? { roxUserId: row.roxUserId, kind: row.kind, folder: row.folder }
            : { orgNamedBySender: true }),
        },
      });
    }
    return { status: 'rejected', reason };
  }

  // The tenant an unknown notification names (unverified): whose audit log hears of it.
  private async orgOfTenant(tenantId: string | null): Promise<string | null> {
    return tenantId ? this.connections.orgOfTenant(tenantId) : null;
  }
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
