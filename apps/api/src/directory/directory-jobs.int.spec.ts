import { randomBytes } from 'node:crypto';

import { type MikroORM } from '@mikro-orm/postgresql';
import Bull, { type Queue } from 'bull';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

import { openTestOrm } from '../../test/factories/test-orm';
import { newOrgId } from '../../test/support/test-env';
import { markRunning, NO_COUNTS, succeed } from '../platform/sync/sync-channel';
import { SyncErrorCode } from '../platform/sync/sync.errors';
import { type Clock } from '../platform/time/clock';
import { DirectoryJobs, syncJobId, type DirectoryJobData } from './directory-jobs.service';
import { DIRECTORY_JOB, STALE_SYNC_AFTER_MS } from './directory.constants';
import { DirectoryRepository } from './directory.repository';

// Redis (Bull) and Postgres, no worker: the queue only holds jobs, so what is alive is known.
describe('DirectoryJobs: keyed syncs and stale-job detection (Redis + Postgres)', () => {
  let orm: MikroORM;
  let queue: Queue<DirectoryJobData>;
  const now = new Date('2026-11-22T12:00:00Z');
  const clock: Clock = { now: () => now };
  const jobs = () => new DirectoryJobs(queue, new DirectoryRepository(orm.em.fork()), clock);
  const repo = () => new DirectoryRepository(orm.em.fork());

  beforeAll(async () => {
    orm = await openTestOrm();
    queue = new Bull<DirectoryJobData>('directory', inject('redisUrl'), {
      prefix: `test_dirjobs_${randomBytes(4).toString('hex')}`,
    });
  });
  afterAll(async () => {
    await queue.obliterate({ force: true });
    await queue.close();
    await orm.close(true);
  });

  async function runningSince(orgId: string, startedAt: Date): Promise<void> {
    const state = await repo().syncState(orgId);
    markRunning(state, startedAt);
    await repo().saveSyncState(state);
  }

  it('one sync job per org; enqueueing marks the channel queued', async () => {
    const orgId = newOrgId();
    expect(await jobs().enqueueSync(orgId)).toBe(syncJobId(orgId));
    expect(await jobs().enqueueSync(orgId)).toBe(syncJobId(orgId));
    const waiting = (await queue.getWaiting()).filter((j) => j.data.orgId === orgId);
    expect(waiting).toHaveLength(1);
    expect(await repo().findSyncState(orgId)).toMatchObject({ stage: 'queued', queuedAt: now });
  });

  it('re-queues a sync that says running with no job behind it, and only that one', async () => {
    const lost = newOrgId();
    const alive = newOrgId();
    const recent = newOrgId();
    const longAgo = new Date(now.getTime() - STALE_SYNC_AFTER_MS - 60_000);
    await runningSince(lost, longAgo);
    await runningSince(alive, longAgo);
    await queue.add('directory.sync', { orgId: alive }, { jobId: syncJobId(alive) });
    await runningSince(recent, new Date(now.getTime() - 60_000));

    const requeued = await jobs().requeueStaleSyncs();
    expect(requeued).toContain(lost);
    expect(requeued).not.toContain(alive);
    expect(requeued).not.toContain(recent);
    expect(await queue.getJob(syncJobId(lost))).not.toBeNull();
    expect(await repo().findSyncState(lost)).toMatchObject({
      stage: 'queued',
      lastErrorCode: SyncErrorCode.SYNC_JOB_STALE,
    });
    expect((await repo().findSyncState(recent))?.stage).toBe('running');
    // Once queued again it has a live job: the next sweep leaves it alone.
    expect(await jobs().requeueStaleSyncs()).not.toContain(lost);
  });

  it('a sync that finishes before enqueueSync returns leaves "ok", never a late "queued"', async () => {
    // A second queue on the same Redis keys, with a real processor that runs the channel through
    // running → ok the moment it gets the job, and an add() that returns only once that job has
    // finished: the fastest possible sync, finishing inside enqueueSync.
    const fast = new Bull<DirectoryJobData>('directory-fast', inject('redisUrl'), {
      prefix: `test_dirjobs_fast_${randomBytes(4).toString('hex')}`,
    });
    try {
      void fast.process(DIRECTORY_JOB.sync, async (job) => {
        const state = await repo().syncState(job.data.orgId);
        markRunning(state, now);
        await repo().saveSyncState(state);
        succeed(state, { cursor: 'https://graph/delta', isFull: true, counts: NO_COUNTS }, now);
        await repo().saveSyncState(state);
      });
      const add = fast.add.bind(fast) as (
        ...args: unknown[]
      ) => Promise<Bull.Job<DirectoryJobData>>;
      (fast as { add: unknown }).add = async (...args: unknown[]) => {
        const job = await add(...args);
        await job.finished();
        return job;
      };
      const orgId = newOrgId();
      await new DirectoryJobs(fast, new DirectoryRepository(orm.em.fork()), clock).enqueueSync(
        orgId,
      );
      expect((await repo().findSyncState(orgId))?.stage).toBe('ok');
    } finally {
      await fast.obliterate({ force: true });
      await fast.close();
    }
  });

  it('marking queued keeps a running sync running and moves any other stage to queued', async () => {
    const running = newOrgId();
    await runningSince(running, now);
    await repo().markSyncQueued(running, now);
    expect((await repo().findSyncState(running))?.stage).toBe('running');
    const fresh = newOrgId();
    await repo().markSyncQueued(fresh, now);
    expect(await repo().findSyncState(fresh)).toMatchObject({ stage: 'queued', queuedAt: now });
  });

  it('stopping an org removes its pending jobs only', async () => {
    const orgA = newOrgId();
    const orgB = newOrgId();
    await jobs().enqueueSync(orgA);
    await jobs().enqueueSync(orgB);
    expect(await jobs().stop(orgA)).toBe(1);
    expect(await queue.getJob(syncJobId(orgA))).toBeNull();
    expect(await queue.getJob(syncJobId(orgB))).not.toBeNull();
  });
});
