import { Logger } from '@nestjs/common';
import { type Job, type JobOptions, type Queue } from 'bull';

/** What a keyed enqueue did. */
export type KeyedEnqueueOutcome =
  /** A new job was added under the key. */
  | 'queued'
  /** A job with the key is already waiting (or delayed for a retry): it will do the work. */
  | 'already_queued'
  /** The key's job is running: a re-run flag makes it run once more when it finishes. */
  | 'rerun_requested';

export interface KeyedEnqueueResult {
  jobId: string;
  outcome: KeyedEnqueueOutcome;
}

// What a re-run flag holds: enough to add the job again.
interface RerunRequest {
  name: string;
  data: unknown;
  options: JobOptions;
}

// A flag outlives any job; the TTL only stops a crashed worker's flags from piling up.
const RERUN_FLAG_TTL_SECONDS = 24 * 60 * 60;
// A hand-over lasts a few round trips; the TTL covers a process that dies in the middle.
const HANDOVER_TTL_SECONDS = 60;
// Takes the flag (get + delete) and, when there was one, sets the hand-over marker, atomically.
const TAKE_FLAG_SCRIPT = `local v = redis.call('GET', KEYS[1])
if v then
  redis.call('DEL', KEYS[1])
  redis.call('SET', KEYS[2], '1', 'EX', ARGV[1])
end
return v`;

const logger = new Logger('jobs');
const byQueue = new WeakMap<Queue, KeyedJobs<never>>();

/**
 * Keyed enqueue over one Bull queue: the job id is the unit of work's key, so the same work is
 * queued at most once. A request made while the key's job is *running* is not dropped (the
 * running job may have read its input already): it sets a re-run flag in Redis, and the job is
 * added once more when the running one finishes (completed, or failed for good).
 *
 * Get it with `KeyedJobs.for(queue)`: one instance per queue, so the finish listeners that read
 * the flags are attached once.
 */
export class KeyedJobs<T> {
  // Re-run hand-overs started by finished jobs and not done yet (see drain).
  private readonly followUps = new Set<Promise<void>>();

  private constructor(private readonly queue: Queue<T>) {
    queue.on('completed', (job: Job<T>) => this.afterRun(job));
    queue.on('failed', (job: Job<T>) => this.afterRun(job));
  }

  static for<T>(queue: Queue<T>): KeyedJobs<T> {
    const known = KeyedJobs.existing(queue);
    if (known) return known;
    const created = new KeyedJobs<T>(queue);
    byQueue.set(queue as Queue, created as unknown as KeyedJobs<never>);
    return created;
  }

  /** The queue's KeyedJobs, when something made one. */
  static existing<T>(queue: Queue<T>): KeyedJobs<T> | undefined {
    return byQueue.get(queue as Queue);
  }

  /**
   * For shutdown, before the queue closes: this process takes no more jobs, lets its running
   * ones finish, then waits for their re-run hand-overs. Closing right after a job finished cut
   * its hand-over off mid-way (the flag stayed behind, the re-run waited for the next cycle).
   */
  async drain(): Promise<void> {
    await this.queue.pause(true);
    while (this.followUps.size > 0) await Promise.all([...this.followUps]);
  }

  /** Adds `name` under `jobId` unless that work is already waiting; see KeyedEnqueueOutcome. */
  async enqueue(
    name: string,
    data: T,
    jobId: string,
    options: JobOptions = {},
  ): Promise<KeyedEnqueueResult> {
    const existing = await this.queue.getJob(jobId);
    if (existing) {
      const state = await existing.getState();
      if (state === 'active') return this.requestRerun(jobId, { name, data, options });
      if (isPending(state)) return { jobId, outcome: 'already_queued' };
      // A finished job keeps its id while Redis holds it (failed ones are kept), and a job hash
      // can outlive its place in every list ('stuck': Redis restarted while it ran, then the
      // worker wrote its failure back). Either way nothing will run it: clear the key.
      await existing.remove();
    }
    await this.queue.add(name, data, { ...options, jobId });
    return { jobId, outcome: 'queued' };
  }

  /**
   * Removes the key's job unless it is running (a finished one too, so the key is free), and
   * any re-run flag. Returns 1 when a pending job was removed.
   */
  async cancel(jobId: string): Promise<number> {
    await this.queue.client.del(this.flagKey(jobId));
    const existing = await this.queue.getJob(jobId);
    if (!existing) return 0;
    const state = await existing.getState();
    if (state === 'active') return 0;
    await existing.remove();
    return isPending(state) ? 1 : 0;
  }

  /**
   * Removes every pending (waiting, delayed, paused) job whose data matches, and the re-run
   * flags of matching running jobs, so nothing of theirs runs again. Returns how many jobs went.
   */
  async stopWhere(matches: (data: T) => boolean): Promise<number> {
    let removed = 0;
    for (const job of await this.queue.getJobs(['waiting', 'delayed', 'paused'])) {
      if (!job || !matches(job.data)) continue;
      await this.queue.client.del(this.flagKey(String(job.id)));
      await job.remove();
      removed += 1;
    }
    for (const job of await this.queue.getJobs(['active'])) {
      if (job && matches(job.data)) await this.queue.client.del(this.flagKey(String(job.id)));
    }
    return removed;
  }

  /** True while the key's job waits, is delayed for a retry, or runs (a live worker holds it). */
  async isAlive(jobId: string): Promise<boolean> {
    const job = await this.queue.getJob(jobId);
    if (!job) return false;
    const state = await job.getState();
    return state === 'active' || isPending(state);
  }

  /**
   * True when a re-run is pending for the key, including while a taken flag's job is being
   * added again, so a watcher never sees the key idle between the run and its re-run.
   */
  async hasRerunFlag(jobId: string): Promise<boolean> {
    return (await this.queue.client.exists(this.flagKey(jobId), this.handoverKey(jobId))) > 0;
  }

  private async requestRerun(jobId: string, request: RerunRequest): Promise<KeyedEnqueueResult> {
    await this.queue.client.set(
      this.flagKey(jobId),
      JSON.stringify(request),
      'EX',
      RERUN_FLAG_TTL_SECONDS,
    );
    // The job may have finished between the state check and the flag, so that its finish
    // listener found no flag: look again and, if so, take the flag back and add the job now.
    const after = await this.queue.getJob(jobId);
    const state = after ? await after.getState() : null;
    if (state !== 'active' && (await this.takeFlag(jobId))) {
      return this.handOver(jobId, () =>
        this.enqueue(request.name, request.data as T, jobId, request.options),
      );
    }
    return { jobId, outcome: 'rerun_requested' };
  }

  private afterRun(job: Job<T>): void {
    const followUp: Promise<void> = this.rerunIfFlagged(job)
      .catch((error: unknown) =>
        logger.error(
          { queue: this.queue.name, jobId: job.id, err: error },
          'job re-run not queued',
        ),
      )
      .finally(() => this.followUps.delete(followUp));
    this.followUps.add(followUp);
  }

  private async rerunIfFlagged(job: Job<T>): Promise<void> {
    const jobId = String(job.id);
    // A failed attempt that Bull will retry runs the work again anyway: keep the flag for later.
    if (isPending(await job.getState())) return;
    const request = await this.takeFlag(jobId);
    if (request) {
      await this.handOver(jobId, () =>
        this.enqueue(request.name, request.data as T, jobId, request.options),
      );
    }
  }

  /**
   * Reads and deletes the flag atomically, so exactly one caller acts on it; a taken flag leaves
   * a hand-over marker that `handOver` clears once the job is back in the queue.
   */
  private async takeFlag(jobId: string): Promise<RerunRequest | null> {
    const raw = (await this.queue.client.eval(
      TAKE_FLAG_SCRIPT,
      2,
      this.flagKey(jobId),
      this.handoverKey(jobId),
      HANDOVER_TTL_SECONDS,
    )) as string | null;
    return typeof raw === 'string' ? (JSON.parse(raw) as RerunRequest) : null;
  }

  private async handOver<R>(jobId: string, add: () => Promise<R>): Promise<R> {
    try {
      return await add();
    } finally {
      await this.queue.client.del(this.handoverKey(jobId));
    }
  }

  private flagKey(jobId: string): string {
    // Under the queue's own prefix, so cleaning the queue's keys takes the flags too.
    return this.queue.toKey(`rerun:${jobId}`);
  }

  private handoverKey(jobId: string): string {
    return this.queue.toKey(`rerun-handover:${jobId}`);
  }
}

function isPending(state: string): boolean {
  return state === 'waiting' || state === 'delayed' || state === 'paused';
}
