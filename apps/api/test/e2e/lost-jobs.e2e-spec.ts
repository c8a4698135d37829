import { getQueueToken } from '@nestjs/bull';
import { type INestApplicationContext } from '@nestjs/common';
import { type Queue } from 'bull';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

import { DEMO_TENANT } from '@rox365/m365-emulator';

import { CalendarJobs } from '../../src/calendar/calendar-jobs.service';
import { CALENDAR_JOB } from '../../src/calendar/calendar.constants';
import { MailJobs } from '../../src/mail/mail-jobs.service';
import { MAIL_JOB } from '../../src/mail/mail.constants';
import { jobKey, QUEUE } from '../../src/platform/queue/queue-names';
import { Clock } from '../../src/platform/time/clock';
import { mailboxesSettled, syncFinished } from '../support/directory-env';
import { startApiWithEmulator, type ApiWithEmulator } from '../support/emulator';
import { mailCycle } from '../support/mail-env';
import { connectOrg, orgTokens, seedMembers, type OrgTokens } from '../support/orgwide';
import { eventually } from '../support/test-app';
import { newOrgId } from '../support/test-env';

const MEGAN = DEMO_TENANT.users.member;
const ZOE = DEMO_TENANT.users.unicode;
const HOUR = 3_600_000;

/**
 * A send or a calendar write whose job Redis lost (a restart without persistence) is not lost:
 * the stale-job sweep finds the row still queued with no live job and queues it again, and the
 * job's own idempotency makes it happen exactly once.
 */
describe('sends and writes whose job was lost', () => {
  let env: ApiWithEmulator;
  let org: OrgTokens;
  let worker: INestApplicationContext;
  const queue = (name: string) => env.api.app.get<Queue>(getQueueToken(name), { strict: false });
  const status = async (path: string) => {
    const res = await env.api.http().get(path).set('authorization', `Bearer ${org.service}`);
    expect(res.status).toBe(200);
    return res.body as { status: string };
  };
  // Holds the queue, accepts the request, then drops its job as a Redis restart would.
  const acceptedThenLost = async (
    name: string,
    request: () => Promise<{ status: number; body: { id: string } }>,
    key: (id: string) => string,
  ) => {
    await queue(name).pause();
    try {
      const res = await request();
      expect(res.status, JSON.stringify(res.body)).toBe(202);
      const job = await queue(name).getJob(key(res.body.id));
      expect(job).not.toBeNull();
      await job?.remove();
      return res.body.id;
    } finally {
      await queue(name).resume();
    }
  };
  // The sweep runs as its cron would, half an hour later on the worker's clock.
  const sweepLater = async <T>(sweep: () => Promise<T>): Promise<T> => {
    const later = new Date(Date.now() + HOUR);
    const clock = vi.spyOn(worker.get(Clock), 'now').mockReturnValue(later);
    try {
      return await sweep();
    } finally {
      clock.mockRestore();
    }
  };

  beforeAll(async () => {
    env = await startApiWithEmulator();
    worker = await env.api.startWorker();
    org = await orgTokens(env, newOrgId());
    await seedMembers(env, org, [
      { roxUserId: 'megan', email: MEGAN },
      { roxUserId: 'zoe', email: ZOE },
    ]);
    const settings = { calendarAccess: 'read_write', emailAccess: 'read_send' };
    expect(await connectOrg(env, org, { settings })).toBe('connected');
    await syncFinished(env, org, null);
    await mailboxesSettled(env, org.orgId);
    await mailCycle(env, org, ['megan', 'zoe']);
  }, 120_000);
  afterAll(() => env.close());

  it('a send queued again by the sweep is delivered once', async () => {
    const subject = `Lost job ${Date.now()}`;
    const id = await acceptedThenLost(
      QUEUE.mail,
      () =>
        env.api
          .http()
          .post('/api/v1/mail/sends')
          .set('authorization', `Bearer ${org.service}`)
          .send({
            idempotencyKey: `lost-${Date.now()}`,
            roxUserId: 'megan',
            to: [ZOE],
            subject,
            body: { contentType: 'text', content: 'Still arrives' },
          }),
      (sendId) => jobKey(MAIL_JOB.send, org.orgId, sendId),
    );
    // Nothing runs it: without a job the row stays queued.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect((await status(`/api/v1/mail/sends/${id}`)).status).toBe('queued');

    // Sweeps an hour ahead look at this org only: other orgs' busy sends are no business of
    // this check.
    const sweepSends = () =>
      sweepLater(() =>
        worker
          .get(MailJobs)
          .requeueUnfinishedSends(org.orgId)
          .then((r) => r.length),
      );
    expect(await sweepSends()).toBe(1);
    await eventually(async () => (await status(`/api/v1/mail/sends/${id}`)).status === 'sent', {
      attempts: 400,
      intervalMs: 50,
    });
    const tenant = env.emu.state.findTenant('contoso.com');
    const zoe = tenant?.findUser(ZOE);
    const inbox = zoe ? [...(tenant?.mailbox(zoe)?.folder('inbox')?.messages.values() ?? [])] : [];
    expect(inbox.filter((m) => m.subject === subject)).toHaveLength(1);
    // A second sweep finds no send left to do.
    expect(await sweepSends()).toBe(0);
  });

  it('a calendar write queued again by the sweep makes one event', async () => {
    await env.emu.control.clearRequests();
    const subject = `Lost write ${Date.now()}`;
    const start = new Date(Date.now() + 26 * HOUR).toISOString();
    const end = new Date(Date.now() + 27 * HOUR).toISOString();
    const id = await acceptedThenLost(
      QUEUE.calendar,
      () =>
        env.api
          .http()
          .post('/api/v1/calendar/members/megan/events')
          .set('authorization', `Bearer ${org.service}`)
          .send({ idempotencyKey: `lost-${Date.now()}`, subject, start, end }),
      (writeId) => jobKey(CALENDAR_JOB.write, writeId),
    );
    expect((await status(`/api/v1/calendar/writes/${id}`)).status).toBe('queued');

    const swept = await sweepLater(() =>
      worker.get(CalendarJobs).requeueUnfinishedWrites(org.orgId),
    );
    expect(swept).toEqual([`${org.orgId}:${id}`]);
    await eventually(
      async () => (await status(`/api/v1/calendar/writes/${id}`)).status === 'succeeded',
      { attempts: 400, intervalMs: 50 },
    );
    const events = await env.emu.control.requests({ pathContains: '/events' });
    const creates = events.filter((r) => r.method === 'POST' && !r.path.includes('/_emulator'));
    expect(creates.map((r) => r.status)).toEqual([201]);
  });
});
