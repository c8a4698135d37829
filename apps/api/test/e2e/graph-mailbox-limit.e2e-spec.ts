import { type INestApplicationContext } from '@nestjs/common';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { MicrosoftGraph } from '@rox365/graph-client';
import { DEMO_TENANT } from '@rox365/m365-emulator';

import { OrgwideGraph } from '../../src/platform/graph/graph.module';
import { calendarChannels, calendarCycle } from '../support/calendar-env';
import { mailboxesSettled, syncFinished } from '../support/directory-env';
import { startApiWithEmulator, type ApiWithEmulator } from '../support/emulator';
import { connectOrg, orgTokens, seedMembers, type OrgTokens } from '../support/orgwide';
import { eventually } from '../support/test-app';
import { newOrgId } from '../support/test-env';

const MEGAN = DEMO_TENANT.users.member;
const ISAIAH = DEMO_TENANT.users.globalAdmin;

/**
 * The per-mailbox budget shared through Redis by every process: two worker
 * processes (two Nest contexts, each with its own Graph providers) run the calendar jobs while
 * both also call the same mailboxes directly, as the mail jobs would.
 */
describe('Graph per-mailbox limit across worker processes (X-1, X-2)', () => {
  let env: ApiWithEmulator;
  let org: OrgTokens;
  let workers: INestApplicationContext[];
  let megan: string;
  let isaiah: string;

  /** n parallel reads of a mailbox through a worker's own org-wide Graph provider. */
  const burst = (worker: INestApplicationContext, userId: string, n: number) => {
    const client = worker.get(OrgwideGraph).forTenant(env.tenantId);
    return Promise.allSettled(
      Array.from({ length: n }, () => client.get(`/users/${userId}/events?$top=1&$select=id`)),
    );
  };

  beforeAll(async () => {
    env = await startApiWithEmulator();
    workers = [await env.api.startWorker(), await env.api.startWorker()];
    org = await orgTokens(env, newOrgId());
    await seedMembers(env, org, [
      { roxUserId: 'megan', email: MEGAN },
      { roxUserId: 'isaiah', email: ISAIAH },
    ]);
    expect(
      await connectOrg(env, org, { settings: { calendarAccess: 'read', emailAccess: 'off' } }),
    ).toBe('connected');
    await syncFinished(env, org, null);
    await mailboxesSettled(env, org.orgId);
    const users = await env.emu.control.tenant(env.tenantId);
    expect(users.id).toBe(env.tenantId);
    const graph = workers[0]?.get(OrgwideGraph).forTenant(env.tenantId);
    megan = (await graph?.get<{ id: string }>(`/users/${MEGAN}?$select=id`))?.id ?? '';
    isaiah = (await graph?.get<{ id: string }>(`/users/${ISAIAH}?$select=id`))?.id ?? '';
  });
  afterAll(() => env.close());
  beforeEach(async () => {
    await env.emu.control.clearFaults();
    await env.emu.control.clearRequests(); // also clears throttle state and violations
  });

  it('never has more than 4 requests in flight per mailbox across both workers (X-1)', async () => {
    // Slow answers make requests overlap on the server, as a busy tenant's would.
    await env.emu.control.addFault({
      match: `GET /v1\\.0/users/(${megan}|${isaiah})/`,
      latencyMs: 120,
    });
    const [, ...bursts] = await Promise.all([
      calendarCycle(env, workers[0] as INestApplicationContext, org.orgId),
      ...workers.flatMap((w) => [burst(w, megan, 6), burst(w, isaiah, 6)]),
    ]);
    for (const results of bursts)
      for (const r of results)
        expect(r.status, String(r.status === 'rejected' && r.reason)).toBe('fulfilled');
    expect(await env.emu.control.throttleViolations()).toEqual([]);
    expect(
      (await env.emu.control.requests({ pathContains: '/calendarView/delta' })).length,
    ).toBeGreaterThan(0);
    const channels = await calendarChannels(env, org);
    expect(channels.get('megan')).toMatchObject({ status: 'ok' });
    expect(channels.get('isaiah')).toMatchObject({ status: 'ok' });
  });

  it('the same traffic from two processes each counting alone breaks the limit (the check above can fail)', async () => {
    await env.emu.control.addFault({ match: `GET /v1\\.0/users/${megan}/`, latencyMs: 120 });
    // Two graphs with the package's default in-process slots, as before the shared limiter.
    const alone = () =>
      new MicrosoftGraph({
        authorityHost: env.emu.authorityHost,
        graphBaseUrl: env.emu.graphBaseUrl,
        clientId: env.emu.apps.orgwide.clientId,
        credential: { kind: 'secret', secret: env.emu.apps.orgwide.clientSecret },
      }).forTenant(env.tenantId);
    const [a, b] = [alone(), alone()];
    await Promise.allSettled(
      [a, b].flatMap((c) =>
        Array.from({ length: 4 }, () => c.get(`/users/${megan}/events?$top=1&$select=id`)),
      ),
    );
    const violations = await env.emu.control.throttleViolations();
    expect(violations.filter((v) => v.kind === 'concurrency').length).toBeGreaterThan(0);
  });

  const throttleMegan = (count: number) =>
    env.emu.control.addFault({
      match: `GET /v1\\.0/users/${megan}/`,
      status: 429,
      errorCode: 'ApplicationThrottled',
      retryAfterSeconds: 2.5,
      count,
    });

  it('a fractional Retry-After delays the mailbox by at least that much per hit, does not fail the job and does not slow the others (X-2)', async () => {
    await throttleMegan(3);
    await calendarCycle(env, workers[0] as INestApplicationContext, org.orgId);
    expect(await env.emu.control.throttleViolations()).toEqual([]);
    const log = await env.emu.control.requests({ pathContains: '/users/' });
    const meganLog = log.filter((r) => r.mailbox === megan);
    const throttled = meganLog.filter((r) => r.status === 429);
    expect(throttled).toHaveLength(3);
    for (const hit of throttled) {
      const next = meganLog[meganLog.indexOf(hit) + 1];
      expect(next).toBeDefined();
      expect(Date.parse(next?.at ?? '') - Date.parse(hit.at)).toBeGreaterThanOrEqual(2500);
    }
    // Isaiah was not slowed: his round was over before Megan's mailbox was let through again.
    const isaiahTimes = log.filter((r) => r.mailbox === isaiah).map((r) => Date.parse(r.at));
    expect(isaiahTimes.length).toBeGreaterThan(0);
    const meganFirstOk = Math.min(
      ...meganLog.filter((r) => r.status === 200).map((r) => Date.parse(r.at)),
    );
    expect(Math.max(...isaiahTimes)).toBeLessThan(meganFirstOk);
    const channels = await calendarChannels(env, org);
    expect(channels.get('megan')).toMatchObject({ status: 'ok' });
    expect(channels.get('isaiah')).toMatchObject({ status: 'ok' });
  });

  it('a Retry-After one process received holds back the other process for that mailbox (X-2)', async () => {
    await throttleMegan(1);
    const cycle = calendarCycle(env, workers[0] as INestApplicationContext, org.orgId);
    await eventually(async () =>
      (await env.emu.control.requests({ pathContains: megan })).some((r) => r.status === 429),
    );
    // The second process never saw the 429; its reads of Megan's mailbox must wait too. The
    // emulator records any request before the Retry-After is over as a violation.
    const results = await burst(workers[1] as INestApplicationContext, megan, 3);
    await cycle;
    for (const r of results) expect(r.status).toBe('fulfilled');
    expect(await env.emu.control.throttleViolations()).toEqual([]);
    const meganLog = (await env.emu.control.requests({ pathContains: '/users/' })).filter(
      (r) => r.mailbox === megan,
    );
    const hit = meganLog.findIndex((r) => r.status === 429);
    expect(meganLog.length).toBeGreaterThanOrEqual(hit + 5);
    expect(
      Date.parse(meganLog[hit + 1]?.at ?? '') - Date.parse(meganLog[hit]?.at ?? ''),
    ).toBeGreaterThanOrEqual(2500);
  });
});
