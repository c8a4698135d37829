import { randomBytes } from 'node:crypto';

import Bull, { type Job, type Queue } from 'bull';
import { afterEach, describe, expect, inject, it } from 'vitest';

import { eventually } from '../../../test/support/test-app';
import { KeyedJobs } from './keyed-jobs';

interface Work {
  orgId: string;
  n: number;
}

function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe('KeyedJobs on Redis (Bull)', () => {
  const queues: Queue<Work>[] = [];

  function newQueue(): Queue<Work> {
    const queue = new Bull<Work>('keyed', inject('redisUrl'), {
      prefix: `test_keyed_${randomBytes(4).toString('hex')}`,
      defaultJobOptions: { removeOnComplete: true, removeOnFail: 100 },
    });
    queues.push(queue);
    return queue;
  }

  afterEach(async () => {
    for (const queue of queues.splice(0)) {
      await queue.obliterate({ force: true });
      await queue.close();
    }
  });

  it('queues the same key once while it waits', async () => {
    const queue = newQueue();
    const jobs = KeyedJobs.for(queue);
    expect(KeyedJobs.for(queue)).toBe(jobs);
    expect(await jobs.enqueue('work', { orgId: 'a', n: 1 }, 'k1')).toEqual({
      jobId: 'k1',
      outcome: 'queued',
    });
    expect((await jobs.enqueue('work', { orgId: 'a', n: 2 }, 'k1')).outcome).toBe('already_queued');
    expect((await jobs.enqueue('work', { orgId: 'a', n: 3 }, 'k2')).outcome).toBe('queued');
    expect(await queue.getWaitingCount()).toBe(2);
    expect((await queue.getJob('k1'))?.data.n).toBe(1);
  });

  it('drains for shutdown: the running job finishes and hands its re-run over before the queue closes', async () => {
    const queue = newQueue();
    const jobs = KeyedJobs.for(queue);
    expect(KeyedJobs.existing(queue)).toBe(jobs);
    expect(KeyedJobs.existing(newQueue())).toBeUndefined();
    const started = deferred();
    const release = deferred();
    const runs: number[] = [];
    void queue.process('work', async (job: Job<Work>) => {
      runs.push(job.data.n);
      started.resolve();
      await release.promise;
    });
    await jobs.enqueue('work', { orgId: 'a', n: 1 }, 'sync');
    await started.promise;
    expect((await jobs.enqueue('work', { orgId: 'a', n: 2 }, 'sync')).outcome).toBe(
      'rerun_requested',
    );

    const drained = jobs.drain();
    release.resolve();
    await drained;
    // The hand-over is done: the re-run waits in Redis for any worker, this one took no more.
    expect(await jobs.hasRerunFlag('sync')).toBe(false);
    expect(await (await queue.getJob('sync'))?.getState()).toBe('waiting');
    expect((await queue.getJob('sync'))?.data.n).toBe(2);
    expect(runs).toEqual([1]);
  });

  it('runs the key once more when a request arrives while it runs, however many arrive', async () => {
    const queue = newQueue();
    const jobs = KeyedJobs.for(queue);
    const firstStarted = deferred();
    const releaseFirst = deferred();
    const secondDone = deferred();
    const runs: number[] = [];
    void queue.process('work', async (job: Job<Work>) => {
      runs.push(job.data.n);
      if (runs.length === 1) {
        firstStarted.resolve();
        await releaseFirst.promise;
      } else {
        secondDone.resolve();
      }
    });

    expect((await jobs.enqueue('work', { orgId: 'a', n: 1 }, 'sync')).outcome).toBe('queued');
    await firstStarted.promise;
    expect((await jobs.enqueue('work', { orgId: 'a', n: 2 }, 'sync')).outcome).toBe(
      'rerun_requested',
    );
    expect((await jobs.enqueue('work', { orgId: 'a', n: 3 }, 'sync')).outcome).toBe(
      'rerun_requested',
    );
    expect(await jobs.hasRerunFlag('sync')).toBe(true);

    releaseFirst.resolve();
    await secondDone.promise;
    // The re-run carries the latest request; the flag is consumed, so there is no third run.
    expect(runs).toEqual([1, 3]);
    await eventually(async () => (await queue.getJob('sync')) === null);
    expect(await jobs.hasRerunFlag('sync')).toBe(false);
    expect(runs).toEqual([1, 3]);
  });

  it('never shows the key idle while a re-run is handed over (the run finished, its re-run not yet added)', async () => {
    const queue = newQueue();
    const jobs = KeyedJobs.for(queue);
    const firstStarted = deferred();
    const releaseFirst = deferred();
    const secondDone = deferred();
    let runs = 0;
    void queue.process('work', async () => {
      runs += 1;
      if (runs === 1) {
        firstStarted.resolve();
        await releaseFirst.promise;
      } else {
        secondDone.resolve();
      }
    });
    // What a watcher (a test's "is the org busy?") sees at the moment the re-run is added.
    const seenWhileAdding: boolean[] = [];
    const add = queue.add.bind(queue) as (...args: unknown[]) => Promise<Job<Work>>;
    (queue as unknown as { add: (...args: unknown[]) => Promise<Job<Work>> }).add = async (
      ...args: unknown[]
    ) => {
      seenWhileAdding.push((await jobs.isAlive('sync')) || (await jobs.hasRerunFlag('sync')));
      return add(...args);
    };

    await jobs.enqueue('work', { orgId: 'a', n: 1 }, 'sync');
    await firstStarted.promise;
    expect((await jobs.enqueue('work', { orgId: 'a', n: 2 }, 'sync')).outcome).toBe(
      'rerun_requested',
    );
    releaseFirst.resolve();
    await secondDone.promise;
    expect(seenWhileAdding).toEqual([false, true]);
    // Once the re-run is in the queue the marker is gone.
    await eventually(async () => !(await jobs.hasRerunFlag('sync')));
  });

  it('re-runs after a run that failed for good, and re-queues a failed key on request', async () => {
    const queue = newQueue();
    const jobs = KeyedJobs.for(queue);
    const firstStarted = deferred();
    const releaseFirst = deferred();
    const secondDone = deferred();
    const runs: number[] = [];
    void queue.process('work', async (job: Job<Work>) => {
      runs.push(job.data.n);
      if (runs.length === 1) {
        firstStarted.resolve();
        await releaseFirst.promise;
        throw new Error('first run fails');
      }
      secondDone.resolve();
    });

    await jobs.enqueue('work', { orgId: 'a', n: 1 }, 'probe', { attempts: 1 });
    await firstStarted.promise;
    expect((await jobs.enqueue('work', { orgId: 'a', n: 2 }, 'probe')).outcome).toBe(
      'rerun_requested',
    );
    releaseFirst.resolve();
    await secondDone.promise;
    await eventually(async () => (await queue.getJob('probe')) === null);
    expect(runs).toEqual([1, 2]);
  });

  it('adds a fresh job when the key’s last run failed and was kept', async () => {
    const queue = newQueue();
    const jobs = KeyedJobs.for(queue);
    const failed = deferred();
    queue.on('failed', () => failed.resolve());
    void queue.process('work', () => Promise.reject(new Error('always fails')));
    await jobs.enqueue('work', { orgId: 'a', n: 1 }, 'purge', { attempts: 1 });
    await failed.promise;
    expect(await (await queue.getJob('purge'))?.getState()).toBe('failed');
    await queue.pause(true, true);
    expect((await jobs.enqueue('work', { orgId: 'a', n: 2 }, 'purge')).outcome).toBe('queued');
    expect((await queue.getJob('purge'))?.data.n).toBe(2);
  });

  it('adds a fresh job when the key’s hash outlived its place in every list', async () => {
    const queue = newQueue();
    const jobs = KeyedJobs.for(queue);
    // What a worker leaves when Redis restarted under a running job: its failure written back
    // onto a hash that no list holds any more.
    await queue.client.hset(queue.toKey('orphan'), {
      failedReason: 'Missing process handler for job type __default__',
      attemptsMade: '1',
    });
    expect(await (await queue.getJob('orphan'))?.getState()).toBe('stuck');
    expect(await jobs.isAlive('orphan')).toBe(false);
    expect((await jobs.enqueue('work', { orgId: 'a', n: 1 }, 'orphan')).outcome).toBe('queued');
    expect(await (await queue.getJob('orphan'))?.getState()).toBe('waiting');
    expect((await queue.getJob('orphan'))?.data.n).toBe(1);
  });

  it('stops one org’s pending jobs and its re-run flags, and cancels one key', async () => {
    const queue = newQueue();
    const jobs = KeyedJobs.for(queue);
    const started = deferred();
    const release = deferred();
    const runs: string[] = [];
    void queue.process('work', async (job: Job<Work>) => {
      runs.push(`${job.data.orgId}:${job.data.n}`);
      if (job.data.n === 1) {
        started.resolve();
        await release.promise;
      }
    });
    await jobs.enqueue('work', { orgId: 'a', n: 1 }, 'running-a');
    await started.promise;
    await queue.pause(true, true);
    expect((await jobs.enqueue('work', { orgId: 'a', n: 2 }, 'running-a')).outcome).toBe(
      'rerun_requested',
    );
    await jobs.enqueue('work', { orgId: 'a', n: 3 }, 'waiting-a', { delay: 60_000 });
    await jobs.enqueue('work', { orgId: 'b', n: 4 }, 'waiting-b');
    await jobs.enqueue('work', { orgId: 'b', n: 5 }, 'cancel-b');

    expect(await jobs.stopWhere((data) => data.orgId === 'a')).toBe(1);
    expect(await jobs.hasRerunFlag('running-a')).toBe(false);
    expect(await queue.getJob('waiting-a')).toBeNull();
    expect(await jobs.cancel('cancel-b')).toBe(1);
    expect(await jobs.cancel('cancel-b')).toBe(0);
    expect(await jobs.cancel('running-a')).toBe(0);

    release.resolve();
    await eventually(async () => (await queue.getJob('running-a')) === null);
    expect(await queue.getJob('waiting-b')).not.toBeNull();
    expect(runs).toEqual(['a:1']);
  });
});
