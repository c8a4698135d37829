import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { DEMO_TENANT } from '@rox365/m365-emulator';

import { mailboxesSettled, syncFinished } from '../support/directory-env';
import { startApiWithEmulator, type ApiWithEmulator } from '../support/emulator';
import { mailCycle, mailDb } from '../support/mail-env';
import { connectOrg, orgTokens, seedMembers, type OrgTokens } from '../support/orgwide';
import { eventually } from '../support/test-app';
import { newOrgId } from '../support/test-env';

const MEGAN = DEMO_TENANT.users.member;
const ZOE = DEMO_TENANT.users.unicode;
const MB = 1024 * 1024;
// The suite's cap on a send's files: room for the 4 MB file, and a limit to cross.
const MAX_BYTES = 6 * MB;

function fileOf(size: number, seed: number): Buffer {
  const bytes = Buffer.alloc(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 13 + seed) % 241;
  return bytes;
}

/**
 * SEND-1 with files: small ones through POST …/attachments, from 3 MB through an upload session,
 * before /send; a retried attempt attaches nothing twice; limits answered with problem+json.
 */
describe('mail send with attachments', () => {
  let env: ApiWithEmulator;
  let org: OrgTokens;
  let key = 0;

  const userOf = (upn: string) => {
    const tenant = env.emu.state.findTenant('contoso.com');
    const user = tenant?.findUser(upn);
    if (!tenant || !user) throw new Error(`no user ${upn}`);
    return { tenant, user };
  };
  const copies = (upn: string, folder: string, subject: string) => {
    const { tenant, user } = userOf(upn);
    const messages = tenant.mailbox(user)?.folder(folder)?.messages.values() ?? [];
    return [...messages].filter((m) => m.subject === subject);
  };
  // Each file of the one copy as name → decoded size.
  const filesOf = (upn: string, folder: string, subject: string) => {
    const [copy, ...more] = copies(upn, folder, subject);
    expect(more).toHaveLength(0);
    return (copy?.attachments ?? [])
      .map((a) => ({ name: a.name, size: Buffer.from(a.contentBase64, 'base64').length }))
      .sort((a, b) => a.name.localeCompare(b.name));
  };
  const post = (body: Record<string, unknown>) =>
    env.api
      .http()
      .post('/api/v1/mail/sends')
      .set('authorization', `Bearer ${org.service}`)
      .send({ idempotencyKey: `att-${(key += 1)}-${Date.now()}`, ...body });
  const settled = async (id: string): Promise<{ status: string; reason: string | null }> =>
    eventually(
      async () => {
        const res = await env.api
          .http()
          .get(`/api/v1/mail/sends/${id}`)
          .set('authorization', `Bearer ${org.service}`);
        const s = res.body as { status: string; reason: string | null };
        return ['sent', 'unknown_delivery', 'failed'].includes(s.status) ? s : null;
      },
      { attempts: 600, intervalMs: 50 },
    );
  const big = fileOf(4 * MB, 1);
  const small = fileOf(70_000, 2);
  const withFiles = (subject: string) => ({
    roxUserId: 'megan',
    to: [ZOE],
    subject,
    body: { contentType: 'text', content: `Body of ${subject}` },
    attachments: [
      { name: 'deck.pdf', contentType: 'application/pdf', contentBase64: big.toString('base64') },
      { name: 'notes.txt', contentType: 'text/plain', contentBase64: small.toString('base64') },
    ],
  });
  const expected = [
    { name: 'deck.pdf', size: big.length },
    { name: 'notes.txt', size: small.length },
  ];

  beforeAll(async () => {
    env = await startApiWithEmulator({
      env: { MAIL_SEND_ATTACHMENTS_MAX_BYTES: String(MAX_BYTES) },
    });
    await env.api.startWorker();
    org = await orgTokens(env, newOrgId());
    await seedMembers(env, org, [
      { roxUserId: 'megan', email: MEGAN },
      { roxUserId: 'zoe', email: ZOE },
    ]);
    const settings = { calendarAccess: 'off', emailAccess: 'read_send' };
    expect(await connectOrg(env, org, { settings })).toBe('connected');
    await syncFinished(env, org, null);
    await mailboxesSettled(env, org.orgId);
    await mailCycle(env, org, ['megan', 'zoe']);
  }, 120_000);
  afterAll(() => env.close());

  it('SEND-1: a 4 MB file through an upload session and a small one through POST, then /send; both reach the recipient whole', async () => {
    await env.emu.control.clearRequests();
    const megan = userOf(MEGAN).user.id;
    // Slows the session's creation so the queued send can be read at rest meanwhile.
    await env.emu.control.addFault({
      match: `POST /v1.0/users/${megan}/messages/[^/]+/attachments/createUploadSession`,
      latencyMs: 1_000,
      count: 1,
    });
    const res = await post(withFiles('A1 files'));
    expect(res.status, JSON.stringify(res.body).slice(0, 500)).toBe(202);
    const id = res.body.id as string;
    const [row] = await mailDb(env).execute<{ content_sealed: string | null }[]>(
      'select content_sealed from mail_send where id = ?',
      [id],
    );
    expect(row?.content_sealed).toEqual(expect.any(String));
    const sealed = row?.content_sealed ?? '';
    expect(sealed).not.toContain(small.toString('base64').slice(0, 64));
    expect(sealed).not.toContain('notes.txt');

    expect(await settled(id)).toMatchObject({ status: 'sent' });
    expect(filesOf(ZOE, 'inbox', 'A1 files')).toEqual(expected);
    expect(filesOf(MEGAN, 'sentitems', 'A1 files')).toEqual(expected);
    const [draft] = copies(MEGAN, 'sentitems', 'A1 files');
    const deck = draft?.attachments.find((a) => a.name === 'deck.pdf');
    expect(Buffer.from(deck?.contentBase64 ?? '', 'base64').equals(big)).toBe(true);

    const calls = (await env.emu.control.requests()).filter(
      (r) => r.path.includes('/outlook-upload/') || r.path.includes(`/users/${megan}/messages`),
    );
    const steps = calls
      .filter((r) => r.method !== 'GET')
      .map((r) =>
        r.path.includes('/outlook-upload/')
          ? `${r.method} upload ${r.status}`
          : `${r.method} ${r.path.split('/').pop() ?? ''}`,
      );
    expect(steps).toEqual([
      'POST messages',
      'POST createUploadSession',
      'PUT upload 200',
      'PUT upload 201',
      'POST attachments',
      expect.stringMatching(/^POST send$/),
    ]);
    const [after] = await mailDb(env).execute<{ content_sealed: string | null }[]>(
      'select content_sealed from mail_send where id = ?',
      [id],
    );
    expect(after?.content_sealed).toBeNull();
  });

  it('a range whose answer is lost resumes from the session; a lost attachment answer retries the job without attaching twice', async () => {
    const megan = userOf(MEGAN).user.id;
    await env.emu.control.clearRequests();
    await env.emu.control.addFault({
      match: 'PUT /outlook-upload/',
      status: 504,
      afterExecute: true,
      count: 1,
    });
    await env.emu.control.addFault({
      match: `POST /v1.0/users/${megan}/messages/[^/]+/attachments$`,
      status: 504,
      afterExecute: true,
      count: 1,
    });
    const res = await post(withFiles('A2 faults'));
    expect(res.status).toBe(202);
    expect(await settled(res.body.id as string)).toMatchObject({ status: 'sent' });
    expect(filesOf(ZOE, 'inbox', 'A2 faults')).toEqual(expected);
    expect(filesOf(MEGAN, 'sentitems', 'A2 faults')).toEqual(expected);
    expect(copies(ZOE, 'inbox', 'A2 faults')).toHaveLength(1);
    const [copy] = copies(ZOE, 'inbox', 'A2 faults');
    const deck = copy?.attachments.find((a) => a.name === 'deck.pdf');
    expect(Buffer.from(deck?.contentBase64 ?? '', 'base64').equals(big)).toBe(true);
    const uploads = await env.emu.control.requests({ pathContains: '/outlook-upload/' });
    // The lost range was asked about (GET), never re-sent: 504, then the last range.
    expect(uploads.map((r) => `${r.method} ${r.status}`)).toEqual([
      'PUT 504',
      'GET 200',
      'PUT 201',
    ]);
    await env.emu.control.clearFaults();
  });

  it('X-4: a 503 after Exchange added an attachment is not repeated by the client; the retried job finds it, one copy', async () => {
    const megan = userOf(MEGAN).user.id;
    await env.emu.control.clearRequests();
    await env.emu.control.addFault({
      match: `POST /v1.0/users/${megan}/messages/[^/]+/attachments$`,
      status: 503,
      afterExecute: true,
      count: 1,
    });
    const res = await post({
      ...withFiles('A2b 503'),
      attachments: [
        { name: 'notes.txt', contentType: 'text/plain', contentBase64: small.toString('base64') },
      ],
    });
    expect(res.status).toBe(202);
    expect(await settled(res.body.id as string)).toMatchObject({ status: 'sent' });
    expect(filesOf(ZOE, 'inbox', 'A2b 503')).toEqual([{ name: 'notes.txt', size: small.length }]);
    // The 503 went back to the job, which listed the draft's attachments instead of adding again.
    const adds = (await env.emu.control.requests({ pathContains: `/users/${megan}/messages/` }))
      .filter((r) => r.method === 'POST' && r.path.endsWith('/attachments'))
      .map((r) => r.status);
    expect(adds).toEqual([503]);
    await env.emu.control.clearFaults();
  });

  it('answers problem+json to bad base64, to files over the limit and to a body over the parser limit', async () => {
    const bad = await post({
      ...withFiles('A3 bad'),
      attachments: [{ name: 'x.bin', contentBase64: 'not base64!' }],
    });
    expect(bad.status).toBe(400);
    expect(bad.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(bad.body.code).toBe('VALIDATION_FAILED');

    const seven = fileOf(7 * MB, 3).toString('base64');
    const tooBig = await post({
      ...withFiles('A3 big'),
      attachments: [{ name: 'x.bin', contentBase64: seven }],
    });
    expect(tooBig.status).toBe(400);
    expect(tooBig.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(tooBig.body.code).toBe('MAIL_SEND_ATTACHMENTS_TOO_LARGE');

    const huge = await post({
      ...withFiles('A3 huge'),
      attachments: [{ name: 'x.bin', contentBase64: fileOf(8 * MB, 4).toString('base64') }],
    });
    expect(huge.status).toBe(413);
    expect(huge.body.code).toBe('PAYLOAD_TOO_LARGE');
    expect(copies(ZOE, 'inbox', 'A3 big')).toHaveLength(0);
  });

  it('reads more than 1 MB only from a service caller: anyone else is refused before the body is read', async () => {
    const body = JSON.stringify({
      ...withFiles('A4 not yours'),
      idempotencyKey: `att-${(key += 1)}-${Date.now()}`,
    });
    expect(body.length).toBeGreaterThan(2 * MB);
    const as = (authorization: string | undefined) => {
      const req = env.api.http().post('/api/v1/mail/sends').set('content-type', 'application/json');
      return (authorization ? req.set('authorization', authorization) : req).send(body);
    };
    // Before, the send route's large parser read these whole and the guard answered 401 and 403.
    for (const authorization of [undefined, `Bearer ${org.admin}`]) {
      const res = await as(authorization);
      expect(res.status).toBe(413);
      expect(res.body.code).toBe('PAYLOAD_TOO_LARGE');
    }
    // A token that does not verify is the guard's answer, given before the body is read.
    const forged = await as('Bearer not-a-token');
    expect(forged.status).toBe(401);
    expect(forged.body.code).toBe('TOKEN_INVALID');
    // Under 1 MB the guard answers as for any route.
    const small = await env.api.http().post('/api/v1/mail/sends').send({ roxUserId: 'megan' });
    expect(small.status).toBe(401);
    expect(copies(ZOE, 'inbox', 'A4 not yours')).toHaveLength(0);
  });
});
