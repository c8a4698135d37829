import { MikroORM, RequestContext } from '@mikro-orm/postgresql';
import { getQueueToken } from '@nestjs/bull';
import { type INestApplicationContext } from '@nestjs/common';
import { type Queue } from 'bull';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { refreshJobId } from '../../src/calendar/calendar-jobs.service';
import { CalendarScopeService } from '../../src/calendar/calendar-scope.service';
import { MailCycleService } from '../../src/mail/mail-cycle.service';
import { cycleJobId, MailJobs } from '../../src/mail/mail-jobs.service';
import { QUEUE } from '../../src/platform/queue/queue-names';
import { calendarSettled } from '../support/calendar-env';
import { syncFinished } from '../support/directory-env';
import { startApiWithEmulator, tenantIdOf, type ApiWithEmulator } from '../support/emulator';
import { connectOrg, orgTokens, seedMembers, type OrgTokens } from '../support/orgwide';
import { eventually } from '../support/test-app';
import { newOrgId } from '../support/test-env';

const BIG = 60;
const SMALL = 2;
const SMALL_TENANTS = ['fairone', 'fairtwo', 'fairthree'];
// Mailbox syncs per org per priority band in this file (the default is larger).
const SHARE = 2;

interface Org {
  tokens: OrgTokens;
  domain: string;
  members: string[];
}

interface ChannelRow {
  org_id: string;
  rox_user_id: string;
  stage: string;
  last_sync_at: Date | string | null;
}

/**
 * Fairness between orgs on the shared calendar and mail queues: a big org's cycle queues its
 * whole backlog first, three small orgs' cycles come after it, and still the small orgs' first
 * rounds finish while most of the big org's mailboxes wait. Each cycle runs with its queue
 * paused, so Bull alone decides the order once it resumes (with QUEUE_FAIR_SHARE=0 the big
 * org's 60 syncs all run first and this fails).
 */
describe('fair share between orgs on the sync queues', () => {
  let env: ApiWithEmulator;
  let worker: INestApplicationContext;
  let big: Org;
  let smalls: Org[];

  const queueOf = (name: string) => env.api.app.get<Queue>(getQueueToken(name));
  const inContext = <T>(work: () => Promise<T>): Promise<T> =>
    RequestContext.create(worker.get(MikroORM).em, work);
  const channelRows = (table: 'calendar_channel' | 'mail_channel'): Promise<ChannelRow[]> =>
    env.api.app
      .get(MikroORM)
      .em.fork()
      .getConnection()
      .execute<ChannelRow[]>(
        `select org_id, rox_user_id, stage, last_sync_at from ${table} where org_id in (${[big, ...smalls].map(() => '?').join(', ')})`,
        [big, ...smalls].map((o) => o.tokens.orgId),
      );

  /** Adds the org's users to its tenant, creates its members and connects it. */
  async function connect(domain: string, count: number, label: string): Promise<Org> {
    const tokens = await orgTokens(env, newOrgId(label));
    const tenantId = tenantIdOf(env.emu, `${domain}.onmicrosoft.com`);
    const members: string[] = [];
    for (let i = 0; i < count; i++) {
      const upn = `${label}${i}.fair@${domain}.com`;
      await env.emu.control.addUser(tenantId, { userPrincipalName: upn });
      members.push(`${label}${i}`);
    }
    await seedMembers(
      env,
      tokens,
      members.map((roxUserId, i) => ({ roxUserId, email: `${label}${i}.fair@${domain}.com` })),
    );
    const outcome = await connectOrg(env, tokens, {
      user: `admin@${domain}.onmicrosoft.com`,
      settings: {
        calendarAccess: 'read',
        emailAccess: 'metadata',
        tenant: `${domain}.onmicrosoft.com`,
      },
    });
    expect(outcome).toBe('connected');
    await syncFinished(env, tokens, null);
    return { tokens, domain, members };
  }

  /**
   * With the queue still paused since before connect: drops the cycles connect queued (the ones
   * run here replace them), runs each org's cycle, the big one first, then resumes the queue and
   * waits until every org is done.
   */
  async function runCycles(
    queueName: string,
    cycleJob: (orgId: string) => string,
    cycle: (orgId: string) => Promise<number>,
    settled: (org: Org) => Promise<unknown>,
  ): Promise<void> {
    const queue = queueOf(queueName);
    try {
      for (const org of [big, ...smalls])
        await (await queue.getJob(cycleJob(org.tokens.orgId)))?.remove();
      // Nothing of these orgs ran yet: no first round happened before the ones measured here.
      expect(
        await channelRows(queueName === QUEUE.calendar ? 'calendar_channel' : 'mail_channel'),
      ).toEqual([]);
      expect(await cycle(big.tokens.orgId)).toBe(BIG);
      for (const org of smalls) expect(await cycle(org.tokens.orgId)).toBe(SMALL);
    } finally {
      await queue.resume();
    }
    for (const org of [big, ...smalls]) await settled(org);
  }

  /**
   * How many of the big org's mailboxes had finished their first round when the small orgs'
   * last one finished (a mailbox's latest folder for mail), from the channels' timestamps.
   */
  function bigDoneBeforeSmalls(rows: ChannelRow[]): { bigDone: number; smallRounds: number } {
    const doneAt = new Map<string, number>();
    for (const r of rows) {
      expect(r.stage).toBe('ok');
      const key = `${r.org_id}/${r.rox_user_id}`;
      const at = new Date(r.last_sync_at ?? 0).getTime();
      doneAt.set(key, Math.max(doneAt.get(key) ?? 0, at));
    }
    const of = (org: Org) =>
      org.members.map((m) => doneAt.get(`${org.tokens.orgId}/${m}`) ?? Number.NaN);
    const smallTimes = smalls.flatMap(of);
    const lastSmall = Math.max(...smallTimes);
    return {
      bigDone: of(big).filter((t) => t < lastSmall).length,
      smallRounds: smallTimes.filter((t) => !Number.isNaN(t)).length,
    };
  }

  beforeAll(async () => {
    env = await startApiWithEmulator({
      emulator: {
        seed: [
          { domain: 'contoso' },
          ...SMALL_TENANTS.map((domain) => ({ domain, people: 'contoso' as const })),
        ],
      },
      env: { QUEUE_FAIR_SHARE: String(SHARE) },
    });
    worker = await env.api.startWorker();
    // Paused (for every worker) until the cycles run: connecting queues cycles of its own.
    await queueOf(QUEUE.calendar).pause();
    await queueOf(QUEUE.mail).pause();
    big = await connect('contoso', BIG, 'big');
    smalls = [];
    for (const [i, domain] of SMALL_TENANTS.entries())
      smalls.push(await connect(domain, SMALL, `small${i}`));
  }, 300_000);
  afterAll(() => env.close());

  it(`calendar: the small orgs' first rounds finish before half of a ${BIG}-mailbox backlog queued ahead of them`, async () => {
    await runCycles(
      QUEUE.calendar,
      refreshJobId,
      async (orgId) =>
        (await inContext(() => worker.get(CalendarScopeService).refreshOrg(orgId))).queued,
      (org) => calendarSettled(env, org.tokens.orgId),
    );
    const { bigDone, smallRounds } = bigDoneBeforeSmalls(await channelRows('calendar_channel'));
    expect(smallRounds).toBe(SMALL_TENANTS.length * SMALL);
    // FIFO would run all 60 first; with bands of 2 the small orgs come after the big org's
    // first band (plus what the worker's slots had already taken).
    expect(bigDone).toBeLessThan(BIG / 2);
  }, 300_000);

  it(`mail: the same on the mail queue`, async () => {
    const jobs = worker.get(MailJobs);
    await runCycles(
      QUEUE.mail,
      cycleJobId,
      async (orgId) =>
        (await inContext(() => worker.get(MailCycleService).run(orgId))).queued.length,
      (org) =>
        eventually(async () => ((await jobs.isBusy(org.tokens.orgId, org.members)) ? null : true), {
          attempts: 3_000,
          intervalMs: 100,
        }),
    );
    const { bigDone, smallRounds } = bigDoneBeforeSmalls(await channelRows('mail_channel'));
    expect(smallRounds).toBe(SMALL_TENANTS.length * SMALL);
    expect(bigDone).toBeLessThan(BIG / 2);
  }, 300_000);
});
