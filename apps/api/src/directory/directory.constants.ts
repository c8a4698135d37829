import { CronExpression } from '@nestjs/schedule';

export const DIRECTORY_JOB = {
  sync: 'directory.sync',
} as const;

// The directory's sync channel kind (one channel per org, no mailbox).
export const DIRECTORY_CHANNEL_KIND = 'directory';

// The cron only enqueues one keyed sync per connected org.
export const DIRECTORY_SYNC_CRON = CronExpression.EVERY_HOUR;

// A sync running (or queued and never started) this long lost its job: queue it again.
export const STALE_SYNC_CRON = CronExpression.EVERY_10_MINUTES;
export const STALE_SYNC_AFTER_MS = 2 * 60 * 60 * 1000;

// Directory delta tokens live 7 days; start over a little before they die.
export const DELTA_LINK_MAX_AGE_MS = 6 * 24 * 60 * 60 * 1000;

// Name of the Bull backoff strategy that waits for Graph's Retry-After when it asked for one.
export const RETRY_AFTER_BACKOFF = 'retryAfter';
export const FALLBACK_BACKOFF_BASE_MS = 2_000;
export const MAX_BACKOFF_MS = 15 * 60 * 1000;
