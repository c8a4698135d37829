import { getQueueToken } from '@nestjs/bull';
import { type INestApplicationContext } from '@nestjs/common';
import { type Queue } from 'bull';
import { expect } from 'vitest';

import { type CalendarWrite } from '@rox365/contracts';
import { MicrosoftGraph, type BoundGraphClient } from '@rox365/graph-client';

import { CalendarJobs, type CalendarJobData } from '../../src/calendar/calendar-jobs.service';
import { QUEUE } from '../../src/platform/queue/queue-names';
import { type ApiWithEmulator } from './emulator';
import { type OrgTokens } from './orgwide';
import { orgQueueQuiet } from './queue-quiet';
import { eventually } from './test-app';

/** Runs the org's calendar cycle now (as the cron would) and waits until its jobs are done. */
export async function calendarCycle(
  env: ApiWithEmulator,
  worker: INestApplicationContext,
  orgId: string,
): Promise<void> {
  await worker.get(CalendarJobs).enqueueRefresh(orgId);
  await calendarSettled(env, orgId);
}

/** Waits until no calendar job of the org waits, runs or is delayed, and no re-run is flagged. */
export async function calendarSettled(env: ApiWithEmulator, orgId: string): Promise<void> {
  const queue = env.api.app.get<Queue<CalendarJobData>>(getQueueToken(QUEUE.calendar));
  await eventually(() => orgQueueQuiet(queue, orgId), { attempts: 1200, intervalMs: 50 });
}

export async function calendarChannels(env: ApiWithEmulator, org: OrgTokens) {
  const res = await env.api
    .http()
    .get('/api/v1/calendar/channels?limit=200')
    .set('authorization', `Bearer ${org.admin}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return new Map(
    (res.body.items as { roxUserId: string; status: string; eventCount: number }[]).map((c) => [
      c.roxUserId,
      c as Record<string, unknown> & { status: string; eventCount: number },
    ]),
  );
}

/** Each mapped member's Entra user id, read from the console's member list. */
export async function memberDirectoryIds(
  env: ApiWithEmulator,
  org: OrgTokens,
): Promise<Map<string, string>> {
  const res = await env.api
    .http()
    .get('/api/v1/orgwide/members?limit=200')
    .set('authorization', `Bearer ${org.admin}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  const ids = new Map<string, string>();
  for (const m of res.body.items as { roxUserId: string; directoryUserId: string | null }[])
    if (m.directoryUserId) ids.set(m.roxUserId, m.directoryUserId);
  return ids;
}

/** Outlook's side for assertions: an app-only client of the org-wide app on the file's tenant. */
export function tenantGraph(env: ApiWithEmulator): BoundGraphClient {
  return new MicrosoftGraph({
    authorityHost: env.emu.authorityHost,
    graphBaseUrl: env.emu.graphBaseUrl,
    clientId: env.emu.apps.orgwide.clientId,
    credential: { kind: 'secret', secret: env.emu.apps.orgwide.clientSecret },
  }).forTenant(env.tenantId);
}

/** Polls a Rox calendar write (as the caller holding `token`) until it succeeded or failed. */
export function calendarWriteFinished(
  env: ApiWithEmulator,
  token: string,
  writeId: string,
): Promise<CalendarWrite> {
  return eventually<CalendarWrite>(
    async () => {
      const res = await env.api
        .http()
        .get(`/api/v1/calendar/writes/${writeId}`)
        .set('authorization', `Bearer ${token}`);
      expect(res.status).toBe(200);
      const write = res.body as CalendarWrite;
      return write.status === 'succeeded' || write.status === 'failed' ? write : null;
    },
    { attempts: 300, intervalMs: 50 },
  );
}

/** Every write Rox made to Outlook events, from the emulator's request log. */
export async function outlookEventWrites(env: ApiWithEmulator) {
  return (await env.emu.control.requests({ pathContains: '/events' })).filter(
    (r) => r.method !== 'GET' && !r.path.includes('/_emulator'),
  );
}

/** A mailbox's Outlook id of a Rox event, from its link ('missing' without one). */
export async function outlookIdOf(
  env: ApiWithEmulator,
  orgId: string,
  roxUserId: string,
  eventId: string,
): Promise<string> {
  const rows = await env.api.sql<{ graph_id: string }>(
    `select graph_id from calendar_event_link where org_id = ? and rox_user_id = ? and event_id = ?`,
    [orgId, roxUserId, eventId],
  );
  return rows[0]?.graph_id ?? 'missing';
}
