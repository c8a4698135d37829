import { createHash } from 'node:crypto';

import { Injectable, Logger } from '@nestjs/common';

import { type GraphChangeNotification, type GraphLifecycleNotification } from '@rox365/contracts';

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

  constructor(private readonly jobs: NotificationsJobs) {}

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

  // One enqueue per distinct (event, subscription, clientState) of the batch.
  private async enqueueAll(receipts: ReceiptJob[]): Promise<number> {
    const seen = new Set<string>();
    let queued = 0;
    for (const r of receipts) {
      const key = `${r.lifecycleEvent ?? r.type}|${r.subscriptionId}|${r.clientStateHash ?? ''}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const { outcome } = await this.jobs.enqueueReceipt(r);
      if (outcome === 'queued') queued += 1;
    }
    return queued;
  }
}
