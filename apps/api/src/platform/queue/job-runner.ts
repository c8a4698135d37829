import { Logger } from '@nestjs/common';
import { type Job } from 'bull';

import { isDomainError, RETRYABLE_KINDS } from '../errors/domain-error';
import { requestContext, type LogFields } from '../http/request-context';

const logger = new Logger('jobs');

/**
 * The ids a job's log lines carry: the job, its queue, and the org and mailbox (a mailbox is a
 * member's: its id is the member's roxUserId) when the job's data names them. Nothing else of
 * the data is copied, so no address or content reaches the logs this way.
 */
export function jobLogFields(job: Job): LogFields {
  const data = (job.data ?? {}) as Record<string, unknown>;
  const fields: Record<string, string> = {
    jobId: String(job.id),
    queue: job.queue.name,
    job: job.name,
  };
  if (typeof data.orgId === 'string') fields.orgId = data.orgId;
  if (typeof data.roxUserId === 'string') fields.mailboxId = data.roxUserId;
  return fields;
}

/**
 * Runs one job's work and maps coded errors to Bull's outcomes: retryable kinds are rethrown so
 * Bull backs off and tries again; every other domain error fails the job for good.
 */
export async function runJob<T>(job: Job, work: () => Promise<T>): Promise<T> {
  const scope = { requestId: `job:${job.queue.name}:${job.id}`, log: jobLogFields(job) };
  return requestContext.run(scope, async () => {
    const startedAt = Date.now();
    try {
      const result = await work();
      logger.debug(
        { attempt: job.attemptsMade + 1, durationMs: Date.now() - startedAt },
        'job done',
      );
      return result;
    } catch (error) {
      const retryable = !isDomainError(error) || RETRYABLE_KINDS.has(error.kind);
      logger.warn(
        {
          attempt: job.attemptsMade + 1,
          code: isDomainError(error) ? error.code : undefined,
          err: error,
          retryable,
        },
        'job failed',
      );
      if (!retryable) await job.discard();
      throw error;
    }
  });
}
