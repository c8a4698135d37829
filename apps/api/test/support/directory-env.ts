import { MikroORM } from '@mikro-orm/postgresql';
import { getQueueToken } from '@nestjs/bull';
import { type Queue } from 'bull';
import { expect } from 'vitest';

import { MAILBOXES_JOB } from '../../src/mailboxes/mailboxes.constants';
import { jobKey, QUEUE } from '../../src/platform/queue/queue-names';
import { type ApiWithEmulator } from './emulator';
import { connectOrg, seedMembers, type OrgTokens } from './orgwide';
import { queueQuiet } from './queue-quiet';
import { eventually } from './test-app';

export interface DirectorySummary {
  state: string;
  lastSyncAt: string | null;
  lastError: string | null;
  users: number;
  mappedMembers: number;
}

/** The directory part of GET /orgwide/status. */
export async function directorySummary(
  env: ApiWithEmulator,
  org: OrgTokens,
): Promise<DirectorySummary> {
  const res = await env.api
    .http()
    .get('/api/v1/orgwide/status')
    .set('authorization', `Bearer ${org.admin}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.directory as DirectorySummary;
}

/** Waits until a sync that finished after `since` is reported (ok or failed). */
export async function syncFinished(
  env: ApiWithEmulator,
  org: OrgTokens,
  since: string | null,
): Promise<DirectorySummary> {
  const summary = await eventually(
    async () => {
      const current = await directorySummary(env, org);
      if (current.state === 'failed') return current;
      return current.state === 'ok' && current.lastSyncAt !== since ? current : null;
    },
    { attempts: 600, intervalMs: 100 },
  );
  // A finished sync has queued the refresh of members' scope: wait for it too.
  await mailboxesSettled(env, org.orgId);
  return summary;
}

/** Waits until the org's mailbox rows refresh (a keyed job) is neither queued nor running. */
export async function mailboxesSettled(env: ApiWithEmulator, orgId: string): Promise<void> {
  const queue = env.api.app.get<Queue>(getQueueToken(QUEUE.mailboxes));
  const jobId = jobKey(MAILBOXES_JOB.refresh, orgId);
  await eventually(
    () =>
      queueQuiet(
        queue,
        (job) => String(job.id) === jobId,
        (flagged) => flagged === jobId,
      ),
    { attempts: 600, intervalMs: 50 },
  );
}

/** POST /orgwide/directory/sync, then waits for that run to finish. */
export async function syncNow(env: ApiWithEmulator, org: OrgTokens): Promise<DirectorySummary> {
  const before = await directorySummary(env, org);
  const res = await env.api
    .http()
    .post('/api/v1/orgwide/directory/sync')
    .set('authorization', `Bearer ${org.admin}`);
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  return syncFinished(env, org, before.lastSyncAt);
}

/** Rows the org holds in each directory table (straight from the database). */
export async function directoryRowCounts(
  env: ApiWithEmulator,
  orgId: string,
): Promise<Record<string, number>> {
  const connection = env.api.app.get(MikroORM).em.fork().getConnection();
  const counts: Record<string, number> = {};
  for (const table of ['directory_user', 'directory_sync_state', 'directory_probe']) {
    const rows = await connection.execute<{ n: string }[]>(
      `select count(*) as n from "${table}" where org_id = ?`,
      [orgId],
    );
    counts[table] = Number(rows[0]?.n ?? 0);
  }
  return counts;
}

/** Every page of GET /orgwide/directory/users. */
export async function allDirectoryUsers(
  env: ApiWithEmulator,
  org: OrgTokens,
  query: Record<string, string> = {},
): Promise<
  {
    id: string;
    userPrincipalName: string;
    accountEnabled: boolean | null;
    mappedRoxUserId: string | null;
    mailboxState: string;
  }[]
> {
  const out = [];
  let cursor: string | null = null;
  do {
    const res = await env.api
      .http()
      .get('/api/v1/orgwide/directory/users')
      .query({ ...query, limit: 200, ...(cursor ? { cursor } : {}) })
      .set('authorization', `Bearer ${org.admin}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    out.push(...res.body.items);
    cursor = res.body.nextCursor as string | null;
  } while (cursor);
  return out;
}

/**
 * Seeds these members, connects the org with `settings` and waits until the directory sync and
 * the mailbox rows it leads to are done (the connect's first mail and calendar rounds start then).
 */
export async function connectWithMembers(
  env: ApiWithEmulator,
  org: OrgTokens,
  members: readonly { roxUserId: string; email: string }[],
  settings: Record<string, unknown>,
): Promise<void> {
  await seedMembers(env, org, [...members]);
  expect(await connectOrg(env, org, { settings })).toBe('connected');
  await syncFinished(env, org, null);
  await mailboxesSettled(env, org.orgId);
}
