import { CronExpression } from '@nestjs/schedule';

export const NOTIFICATIONS_JOB = {
  /** A notification or lifecycle event received: verify it, then act (debounced per channel). */
  receive: 'notifications.receive',
  /** Compare the org's subscriptions with its in-scope channels; queue per-mailbox work. */
  reconcileOrg: 'notifications.reconcile-org',
  /** Create what a mailbox lacks, delete what it no longer needs. */
  syncMailbox: 'notifications.sync-mailbox',
  /** Renew (PATCH), reauthorize or recreate one channel's subscription. */
  maintain: 'notifications.maintain',
  /** Delete subscriptions at Graph by id (after the org's rows are gone: disconnect). */
  deleteSubscriptions: 'notifications.delete-subscriptions',
  /** Delete the tenant's subscriptions to our receiver that no row knows (start, then 6-hourly). */
  sweepOrphans: 'notifications.sweep-orphans',
} as const;

/** Subscriptions are renewed from half their lifetime on; the cron looks this often. */
export const RENEWAL_CRON = CronExpression.EVERY_5_MINUTES;
/** Missing subscriptions are created (and degraded channels retried) on this cycle. */
export const RECONCILE_CRON = CronExpression.EVERY_30_MINUTES;
/**
 * Orphans (a create whose answer was lost, then retried) are looked for this often besides at
 * start: one paged list of the tenant's subscriptions, so not on every reconcile.
 */
export const SWEEP_CRON = CronExpression.EVERY_6_HOURS;
/**
 * A subscription made less than this long ago is never an orphan: another worker may have it
 * from Graph and not yet have committed its row.
 */
export const SWEEP_GRACE_MINUTES = 10;
/** A channel whose subscription could not be created waits this long before the next try. */
export const DEGRADED_RETRY_MS = 60 * 60_000;
/** At most one audit entry per subscription id (or per org, for unknown ids) per window. */
export const REJECTION_AUDIT_WINDOW_SECONDS = 60;
/** Subscriptions created per sync-mailbox job run one after another; Graph validates each. */
export const CHANGE_TYPES = 'created,updated,deleted';
/** Random bytes behind each clientState (base64url: 43 characters, Graph allows 128). */
export const CLIENT_STATE_BYTES = 32;
/** Graph's lifecycle events the receiver acts on. */
export const LIFECYCLE_EVENTS = [
  'reauthorizationRequired',
  'subscriptionRemoved',
  'missed',
] as const;
export type LifecycleEvent = (typeof LIFECYCLE_EVENTS)[number];
