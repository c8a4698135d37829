import { CronExpression } from '@nestjs/schedule';

export const MAILBOXES_JOB = {
  refresh: 'mailboxes.refresh',
  probeMember: 'mailboxes.probe-member',
} as const;

export const PROBE_ATTEMPTS = 3;
export const REFRESH_ATTEMPTS = 3;

// Access policies take up to hours to apply and new licences minutes to hours: re-probe then.
export const REPROBE_CRON = CronExpression.EVERY_HOUR;
export const REPROBE_AFTER_MS = 6 * 60 * 60 * 1000;

// A safety net under the change-driven refreshes (a lost trigger, a crashed job): every org's
// rows are recomputed this often. The cron only enqueues keyed jobs.
export const REFRESH_ALL_CRON = CronExpression.EVERY_6_HOURS;
