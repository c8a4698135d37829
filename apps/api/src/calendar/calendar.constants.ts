import { CronExpression } from '@nestjs/schedule';

export const CALENDAR_JOB = {
  syncMailbox: 'calendar.sync-mailbox',
  refreshOrg: 'calendar.refresh-org',
  write: 'calendar.write',
} as const;

export const CALENDAR_CHANNEL_KIND = 'calendar';

// The rolling calendarView window (default −90 d … +365 d).
export const WINDOW_PAST_DAYS = 90;
export const WINDOW_FUTURE_DAYS = 365;
// Re-base (new window, full round, reconcile) once less than this much future is covered
// (about weekly with the defaults).
export const WINDOW_MIN_FUTURE_DAYS = 358;

// `Prefer: odata.maxpagesize` on every calendar delta request.
export const DELTA_PAGE_SIZE = 100;

// Outlook delta tokens have no fixed lifetime; an old one is not worth resuming.
export const DELTA_LINK_MAX_AGE_MS = 30 * 24 * 60 * 60 * 1000;

// Every connected org's channels are looked at (scope purge + syncs queued) this often.
export const CALENDAR_CYCLE_CRON = CronExpression.EVERY_5_MINUTES;
// Busy channels and unfinished writes are checked this often; how old they must be to count as
// lost is STALE_JOB_MINUTES. Each check is an indexed query over busy rows only.
export const STALE_CHANNEL_CRON = CronExpression.EVERY_MINUTE;

// Bull backoff honouring Graph's Retry-After (per mailbox: only that mailbox's job waits).
export const RETRY_AFTER_BACKOFF = 'retryAfter';
export const FALLBACK_BACKOFF_BASE_MS = 2_000;
export const MAX_BACKOFF_MS = 5 * 60 * 1000;
export const SYNC_ATTEMPTS = 8;

// "My sync status": how many recent events it lists.
export const RECENT_EVENTS = 5;

// A Rox → Outlook write: retried on throttling and outages (creates are safe to repeat: transactionId).
export const WRITE_ATTEMPTS = 6;
