import { Logger } from '@nestjs/common';
import { type Job } from 'bull';

import { isDomainError, RETRYABLE_KINDS } from '../errors/domain-error';
import { requestContext } from '../http/request-context';

const logger = new Logger('jobs');

/**
 * Runs one job's work and maps coded errors to Bull's outcomes: retryable kinds are rethrown so
 * Bull backs off and tries again; every other domain error fails the job for good.
 */
export async function runJob<T>(job: Job, work: () => Promise<T>): Promise<T> {
  return requestContext.run({ requestId: `job:${job.queue.name}:${job.id}` }, async () => {
    try {
      return await work();
    } catch (error) {
      const retryable = !isDomainError(error) || RETRYABLE_KINDS.has(error.kind);
      logger.warn(
        {
          queue: job.queue.name,
          job: job.name,
          jobId: job.id,
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
