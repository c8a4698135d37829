import { createHash } from 'node:crypto';

import { Injectable, Logger } from '@nestjs/common';

import { type GraphChangeNotification, type GraphLifecycleNotification } from '@rox365/contracts';

import { GraphSubscriptionRepository } from './graph-subscription.repository';
import { NotificationsJobs, type ReceiptJob } from './notifications-jobs.service';
import { LIFECYCLE_EVENTS } from './notifications.constants';

/** Hex SHA-256 of a clientState: what is stored, queued and compared, never the value itself. */
export function clientStateHash(clientState: string): string {
  return createHash('sha256').update(clientState, 'utf8').digest('hex');
}

/**
 * The receiver's only work: keep who each notification claims to come from (subscription id,
 * the clientState's hash) as a queued job, so Graph gets its 202 at once. Nothing in the payload
 * is trusted: the worker checks the subscription and runs a delta round, which is the data.
 */
@Injectable()
export class NotificationIntake {
  private readonly logger = new Logger('notifications');

  constructor(
    private readonly jobs: NotificationsJobs,
    private readonly subscriptions: GraphSubscriptionRepository,
  ) {}

  async changes(items: readonly GraphChangeNotification[]): Promise<number> {
    return this.enqueueAll(
      items.map((n) => ({
        type: 'change',
        subscriptionId: n.subscriptionId,
        clientStateHash: n.clientState ? clientStateHash(n.clientState) : null,
        lifecycleEvent: null,
        tenantId: n.tenantId ?? null,
      })),
    );
  }

  async lifecycle(items: readonly GraphLifecycleNotification[]): Promise<number> {
    const known = new Set<string>(LIFECYCLE_EVENTS);
    const kept = items.filter((n) => known.has(n.lifecycleEvent));
    if (kept.length < items.length) {
      this.logger.warn({ ignored: items.length - kept.length }, 'unknown lifecycle events ignored');
    }
    return this.enqueueAll(
      kept.map((n) => ({
        type: 'lifecycle',
        subscriptionId: n.subscriptionId,
        clientStateHash: n.clientState ? clientStateHash(n.clientState) : null,
        lifecycleEvent: n.lifecycleEvent,
        tenantId: n.tenantId ?? null,
      })),
    );
  }

  // One enqueue per distinct (event, subscription, clientState) of the batch. Ids no row holds
  // (forged, or orphans at Graph) cost one query for the whole batch, and only the first of them
  // goes on, for the worker to audit: a forged batch of 1,000 ids is one job, not 1,000 jobs and
  // lookups. A subscription Graph made whose row is not stored yet loses nothing: storing it
  // queues a catch-up round.
  private async enqueueAll(receipts: ReceiptJob[]): Promise<number> {
    const known = await this.subscriptions.knownSubscriptionIds([
      ...new Set(receipts.map((r) => r.subscriptionId)),
    ]);
    const seen = new Set<string>();
    let queued = 0;
    let unknownKept = false;
    for (const r of receipts) {
      const key = `${r.lifecycleEvent ?? r.type}|${r.subscriptionId}|${r.clientStateHash ?? ''}`;
      if (seen.has(key)) continue;
      seen.add(key);
      if (!known.has(r.subscriptionId)) {
        if (unknownKept) continue;
        unknownKept = true;
      }
      const { outcome } = await this.jobs.enqueueReceipt(r);
      if (outcome === 'queued') queued += 1;
    }
    return queued;
  }
}
