/** Every Bull queue, in one map. Job names are `<module>.<verb>`. */
export const QUEUE = {
  members: 'members',
  consent: 'consent',
  directory: 'directory',
  mailboxes: 'mailboxes',
  calendar: 'calendar',
  mail: 'mail',
  push: 'push',
  notifications: 'notifications',
} as const;

export type QueueName = (typeof QUEUE)[keyof typeof QUEUE];

/**
 * Builds the job id that makes a unit of work unique: Bull refuses a second job with an id that
 * is still waiting or running, so the same work is never queued twice.
 */
export function jobKey(...parts: [string, ...string[]]): string {
  return parts.map((p) => encodeURIComponent(p)).join(':');
}

/** Defaults for every job: bounded retries with backoff, nothing kept once done. */
export const DEFAULT_JOB_OPTIONS = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 2_000 },
  removeOnComplete: true,
  removeOnFail: 1000,
} as const;
