import { MikroORM } from '@mikro-orm/postgresql';
import { getQueueToken } from '@nestjs/bull';
import { type Queue } from 'bull';
import { expect } from 'vitest';

import { MailJobs } from '../../src/mail/mail-jobs.service';
import { QUEUE } from '../../src/platform/queue/queue-names';
import { mailboxesSettled } from './directory-env';
import { type ApiWithEmulator } from './emulator';
import { type OrgTokens } from './orgwide';
import { eventually } from './test-app';

/** A connection to the run's database through the API's ORM (raw SQL for assertions). */
export function mailDb(env: ApiWithEmulator) {
  return env.api.app.get(MikroORM).em.fork().getConnection();
}

/**
 * POST /orgwide/mail/sync, then waits until the cycle and every mailbox sync it queued for
 * `roxUserIds` are done (a large backfill takes a while under load).
 */
export async function mailCycle(
  env: ApiWithEmulator,
  org: OrgTokens,
  roxUserIds: readonly string[],
  { attempts = 3_000, intervalMs = 100 } = {},
): Promise<void> {
  const res = await env.api
    .http()
    .post('/api/v1/orgwide/mail/sync')
    .set('authorization', `Bearer ${org.admin}`);
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  const jobs = env.api.app.get(MailJobs);
  await eventually(async () => !(await jobs.isBusy(org.orgId, roxUserIds)), {
    attempts,
    intervalMs,
  });
}

/** The Entra id of a user of the file's Contoso tenant in the emulator. */
export function emulatorUserId(env: ApiWithEmulator, upn: string): string {
  const id = env.emu.state.findTenant(env.tenantId)?.findUser(upn)?.id;
  if (!id) throw new Error(`no user ${upn}`);
  return id;
}

/**
 * Holds every worker's mail and calendar jobs in their queues until `release`: a connect starts
 * the first rounds by itself, so a spec that reads their requests clears the log while they wait.
 * `release` waits for the mailbox rows first, so no round the connect started comes later.
 */
export async function holdSyncRounds(
  env: ApiWithEmulator,
  orgId: string,
): Promise<() => Promise<void>> {
  const queues = [QUEUE.mail, QUEUE.calendar].map((name) =>
    env.api.app.get<Queue>(getQueueToken(name), { strict: false }),
  );
  await Promise.all(queues.map((q) => q.pause()));
  return async () => {
    await mailboxesSettled(env, orgId);
    await Promise.all(queues.map((q) => q.resume()));
  };
}

/** The subjects of a member's synced messages, read as the org's Rox service. */
export async function memberMailSubjects(
  env: ApiWithEmulator,
  orgId: string,
  roxUserId: string,
): Promise<string[]> {
  const service = await env.api.tokenFor({ roxUserId: 'svc', orgId, role: 'service' });
  const res = await env.api
    .http()
    .get('/api/v1/mail/messages')
    .query({ roxUserId, limit: 200 })
    .set('authorization', `Bearer ${service}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return (res.body.items as { subject: string }[]).map((m) => m.subject);
}
