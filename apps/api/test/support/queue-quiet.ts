import { type Job, type Queue } from 'bull';

/**
 * True when no job matching `concerns` waits, runs, is delayed or paused, and no re-run of one
 * is flagged or being handed over. The lists and flags are read in one MULTI: read one after
 * another, a job could finish between two reads after queuing its follow-up or its re-run, and
 * the queue would look quiet while work is still on its way. A listed job that is gone by the
 * time its data is read (finished and removed meanwhile) also counts as not quiet: it may have
 * queued something after the snapshot. `concerns` picks the jobs that matter,
 * `flagConcerns` the flagged job ids (see `jobKey`).
 */
export async function queueQuiet<T>(
  queue: Queue<T>,
  concerns: (job: Job<T>) => boolean = () => true,
  flagConcerns: (jobId: string) => boolean = () => true,
): Promise<boolean> {
  const replies = (await queue.client
    .multi()
    .lrange(queue.toKey('wait'), 0, -1)
    .lrange(queue.toKey('active'), 0, -1)
    .zrange(queue.toKey('delayed'), 0, -1)
    .lrange(queue.toKey('paused'), 0, -1)
    .keys(queue.toKey('rerun*'))
    .exec()) as [Error | null, string[]][];
  for (const [error] of replies) if (error) throw error;
  const flags = replies[4]?.[1] ?? [];
  const prefix = queue.toKey('');
  if (
    flags.some((key) => flagConcerns(key.slice(prefix.length).replace(/^rerun(-handover)?:/, '')))
  ) {
    return false;
  }
  const ids = replies.slice(0, 4).flatMap(([, list]) => list);
  const jobs: (Job<T> | null)[] = await Promise.all(ids.map((id) => queue.getJob(id)));
  return jobs.every((job) => job !== null && !concerns(job));
}

/** {@link queueQuiet} for one org's jobs (their data and their keys name the org). */
export function orgQueueQuiet(queue: Queue<{ orgId: string }>, orgId: string): Promise<boolean> {
  return queueQuiet(
    queue,
    (job) => job.data.orgId === orgId,
    (jobId) => decodeURIComponent(jobId).includes(orgId),
  );
}
