import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { DEMO_TENANT, type FaultSpec } from '@rox365/m365-emulator';

import { mailboxesSettled, syncFinished } from '../support/directory-env';
import { startApiWithEmulator, type ApiWithEmulator } from '../support/emulator';
import { emulatorUserId } from '../support/mail-env';
import { connectOrg, orgTokens, seedMembers, type OrgTokens } from '../support/orgwide';
import { eventually } from '../support/test-app';
import { newOrgId } from '../support/test-env';
import { type WorkerProcess } from '../support/worker-process';

const MEGAN = DEMO_TENANT.users.member;
const ZOE = DEMO_TENANT.users.unicode;
const ADELE = 'adele.vance@contoso.com';
const PARTNER = 'partner@customer.example';

interface SendStatus {
  id: string;
  status: string;
  mode: string;
  reason: string | null;
  internetMessageId: string;
}

/**
 * Sending under chaos, with workers as separate OS processes (SEND-3, SEND-5, X-4): answers
 * lost after Graph executed a draft create, a /send or a sendMail, 429s and 503s that Graph
 * refused, and a worker killed with SIGKILL while its /send or sendMail is in flight. The
 * emulator's delivery counters prove each recipient (two colleagues and an external partner)
 * got exactly one copy; with Mail.Send alone, an outcome Rox cannot know is reported as
 * `unknown_delivery`, never resent.
 */
describe('mail send under chaos: exactly one copy per recipient', () => {
  let env: ApiWithEmulator;
  let org: OrgTokens;
  let worker: WorkerProcess;
  let megan: string;
  let n = 0;

  const send = async (subject: string): Promise<SendStatus> => {
    const res = await env.api
      .http()
      .post('/api/v1/mail/sends')
      .set('authorization', `Bearer ${org.service}`)
      .send({
        idempotencyKey: `chaos-${(n += 1)}-${Date.now()}`,
        roxUserId: 'megan',
        to: [ZOE],
        cc: [ADELE],
        bcc: [PARTNER],
        subject,
        body: { contentType: 'text', content: `Body of ${subject}` },
      });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    return res.body as SendStatus;
  };
  // A killed worker's job comes back once its lock expires (Bull's stalled check, ≤ 1 min).
  const settled = (id: string): Promise<SendStatus> =>
    eventually(
      async () => {
        const res = await env.api
          .http()
          .get(`/api/v1/mail/sends/${id}`)
          .set('authorization', `Bearer ${org.service}`);
        const s = res.body as SendStatus;
        return ['sent', 'unknown_delivery', 'failed'].includes(s.status) ? s : null;
      },
      { attempts: 1_500, intervalMs: 100 },
    );
  const copies = async (internetMessageId: string) =>
    Object.fromEntries(
      (await env.emu.control.deliveries(env.tenantId, { internetMessageId })).map((d) => [
        d.recipient,
        d.count,
      ]),
    );
  const ONE_EACH = { [ZOE]: 1, [ADELE]: 1, [PARTNER]: 1 };
  const fault = (path: string, spec: Omit<FaultSpec, 'match'>) =>
    env.emu.control.addFault({ match: `POST /v1\\.0/users/${megan}${path}`, ...spec });
  const posts = async (suffix: RegExp) =>
    (await env.emu.control.requests({ pathContains: `/users/${megan}/` })).filter(
      (r) => r.method === 'POST' && suffix.test(r.path),
    );
  // Waits until Graph ran the send (a copy was delivered), then kills the worker mid-request.
  const killWhenDelivered = async (internetMessageId: string) => {
    await eventually(async () => (await copies(internetMessageId))[ZOE] === 1, {
      attempts: 600,
      intervalMs: 50,
    });
    await worker.kill();
    expect(worker.child.signalCode).toBe('SIGKILL');
    await env.emu.control.clearFaults();
    worker = env.api.spawnWorker();
  };

  beforeAll(async () => {
    env = await startApiWithEmulator();
    worker = env.api.spawnWorker();
    org = await orgTokens(env, newOrgId());
    await seedMembers(env, org, [
      { roxUserId: 'megan', email: MEGAN },
      { roxUserId: 'zoe', email: ZOE },
    ]);
    expect(
      await connectOrg(env, org, { settings: { calendarAccess: 'off', emailAccess: 'read_send' } }),
    ).toBe('connected');
    await syncFinished(env, org, null);
    megan = emulatorUserId(env, MEGAN);
  }, 300_000);
  afterEach(() => env.emu.control.clearFaults());
  afterAll(() => env.close());

  it('draft mode: lost answers of the draft create and of /send are looked up, never sent twice', async () => {
    await fault('/messages$', { afterExecute: true, status: 504, count: 1 });
    const lostCreate = await send('C1 lost create');
    expect(await settled(lostCreate.id)).toMatchObject({ status: 'sent', mode: 'draft' });
    expect(await copies(lostCreate.internetMessageId)).toEqual(ONE_EACH);

    await fault('/messages/[^/]+/send$', { afterExecute: true, resetConnection: true, count: 1 });
    const lostSend = await send('C2 lost send');
    expect(await settled(lostSend.id)).toMatchObject({ status: 'sent', mode: 'draft' });
    expect(await copies(lostSend.internetMessageId)).toEqual(ONE_EACH);
    // The draft was sent once: the lost answer was resolved by a lookup, not a second /send.
    expect(await posts(/\/send$/)).toHaveLength(2);
  });

  it('draft mode: 429s and a 503 Graph refused are retried, one copy each', async () => {
    await env.emu.control.clearRequests();
    const throttled = { status: 429, errorCode: 'ApplicationThrottled', retryAfterSeconds: 0.2 };
    await fault('/messages$', { ...throttled, count: 2 });
    await fault('/messages/[^/]+/send$', { ...throttled, count: 2 });
    await fault('/messages/[^/]+/send$', { status: 503, count: 1 });
    const done = await send('C3 throttled');
    expect(await settled(done.id)).toMatchObject({ status: 'sent', mode: 'draft' });
    expect(await copies(done.internetMessageId)).toEqual(ONE_EACH);
    expect((await posts(/\/send$/)).map((r) => r.status)).toEqual([429, 429, 503, 202]);
    expect(await env.emu.control.throttleViolations()).toEqual([]);
  });

  it('draft mode: a worker killed (SIGKILL) while /send is in flight; the next worker finds it sent', async () => {
    // Graph runs the /send at once and holds the answer: the worker dies waiting for it.
    await fault('/messages/[^/]+/send$', {
      afterExecute: true,
      latencyMs: 60_000,
      resetConnection: true,
      count: 1,
    });
    const killed = await send('C4 killed mid-send');
    await killWhenDelivered(killed.internetMessageId);
    expect(await settled(killed.id)).toMatchObject({ status: 'sent', mode: 'draft' });
    expect(await copies(killed.internetMessageId)).toEqual(ONE_EACH);
  }, 240_000);

  it('sendMail only: refusals are retried (sent); a lost answer and a killed worker end unknown_delivery, never resent', async () => {
    await env.emu.control.revokeRole(env.tenantId, 'Mail.ReadWrite');
    const recheck = await env.api
      .http()
      .post('/api/v1/orgwide/permissions/recheck')
      .set('authorization', `Bearer ${org.admin}`);
    expect(recheck.status).toBe(202);
    await mailboxesSettled(env, org.orgId);
    // The mode is fixed at request time from the stored grant, which the recheck updates.
    const probe = await eventually(
      async () => {
        const s = await send('C5 throttled sendMail');
        return s.mode === 'send_mail' ? s : null;
      },
      { attempts: 100, intervalMs: 200 },
    );
    // The probe went through cleanly; now with faults.
    await settled(probe.id);

    await env.emu.control.clearRequests();
    await fault('/sendMail$', {
      status: 429,
      errorCode: 'ApplicationThrottled',
      retryAfterSeconds: 0.2,
      count: 2,
    });
    const throttled = await send('C6 throttled sendMail');
    expect(await settled(throttled.id)).toMatchObject({ status: 'sent', mode: 'send_mail' });
    expect(await copies(throttled.internetMessageId)).toEqual(ONE_EACH);
    expect((await posts(/\/sendMail$/)).map((r) => r.status)).toEqual([429, 429, 202]);

    // A 503 may come after Exchange ran the send, and without read access Rox cannot look:
    // it is not sent again, and the send says so.
    await env.emu.control.clearRequests();
    await fault('/sendMail$', { status: 503, count: 1 });
    const unavailable = await send('C6b unavailable sendMail');
    expect(await settled(unavailable.id)).toMatchObject({
      status: 'unknown_delivery',
      mode: 'send_mail',
      reason: 'MAIL_SEND_ANSWER_LOST',
    });
    expect((await posts(/\/sendMail$/)).map((r) => r.status)).toEqual([503]);

    await fault('/sendMail$', { afterExecute: true, status: 504, count: 1 });
    const lost = await send('C7 lost sendMail');
    expect(await settled(lost.id)).toMatchObject({
      status: 'unknown_delivery',
      mode: 'send_mail',
      reason: 'MAIL_SEND_ANSWER_LOST',
    });
    expect(await copies(lost.internetMessageId)).toEqual(ONE_EACH);

    await env.emu.control.clearRequests();
    await fault('/sendMail$', {
      afterExecute: true,
      latencyMs: 60_000,
      resetConnection: true,
      count: 1,
    });
    const killed = await send('C8 killed mid-sendMail');
    await killWhenDelivered(killed.internetMessageId);
    expect(await settled(killed.id)).toMatchObject({
      status: 'unknown_delivery',
      mode: 'send_mail',
      reason: 'MAIL_SEND_INTERRUPTED',
    });
    expect(await copies(killed.internetMessageId)).toEqual(ONE_EACH);
    // Not resent by the worker that took the job over.
    expect(await posts(/\/sendMail$/)).toHaveLength(1);
  }, 300_000);
});
