import { Logger } from '@nestjs/common';

const logger = new Logger('jobs');

/**
 * A cron's loop: `enqueue` for each org, one at a time. One org's failure is logged and does not
 * starve the others. `enqueue` returns how many jobs it queued (nothing counts as one); the sum
 * is returned.
 */
export async function enqueuePerOrg(
  orgs: readonly { orgId: string }[],
  what: string,
  enqueue: (orgId: string) => Promise<number | void>,
): Promise<number> {
  let queued = 0;
  for (const { orgId } of orgs) {
    try {
      const count = await enqueue(orgId);
      queued += typeof count === 'number' ? count : 1;
    } catch (error) {
      logger.error({ orgId, err: error }, `could not enqueue ${what}`);
    }
  }
  return queued;
}
