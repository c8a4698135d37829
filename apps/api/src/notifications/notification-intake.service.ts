import { createHash, timingSafeEqual } from 'node:crypto';

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
 * Whether a presented clientState hash is the stored one. Both are hex SHA-256 digests (equal
 * lengths, so timingSafeEqual never throws), compared in constant time.
 */
export function sameClientStateHash(stored: string | null, presented: string | null): boolean {
  if (!stored || !presented || !/^[0-9a-f]{64}$/.test(presented)) return false;
  return timingSafeEqual(Buffer.from(stored, 'hex'), Buffer.from(presented, 'hex'));
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

  // One enqueue per distinct (event, subscription) of the batch whose clientState is the stored
  // one. Everything else (ids no row holds: forged, or orphans at Graph; a known id with a wrong
  // or missing clientState) costs one query for the whole batch, and only the first of it goes
  // on, for the worker to audit: a forged batch of 1,000 items is one job, not 1,000 jobs and
  // lookups, whether it names unknown ids or one real id with 1,000 guesses. A subscription Graph
  // made whose row is not stored yet loses nothing: storing it queues a catch-up round.
  private async enqueueAll(receipts: ReceiptJob[]): Promise<number> {
    const stored = await this.subscriptions.clientStateHashes([
      ...new Set(receipts.map((r) => r.subscriptionId)),
    ]);
    const seen = new Set<string>();
    let queued = 0;
    let suspectKept = false;
    for (const r of receipts) {
      const key = `${r.lifecycleEvent ?? r.type}|${r.subscriptionId}`;
      const isProven = sameClientStateHash(stored.get(r.subscriptionId) ?? null, r.clientStateHash);
      if (isProven) {
        if (seen.has(key)) continue;
        seen.add(key);
      } else {
        if (suspectKept) continue;
        suspectKept = true;
      }
      const { outcome } = await this.jobs.enqueueReceipt(r);
      if (outcome === 'queued') queued += 1;
    }
    return queued;
  }
}
