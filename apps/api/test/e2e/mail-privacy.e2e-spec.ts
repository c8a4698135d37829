import { randomBytes, randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { DEMO_TENANT } from '@rox365/m365-emulator';

import { createRootLogger } from '../../src/platform/logging/logger';
import { syncFinished } from '../support/directory-env';
import { startApiWithEmulator, type ApiWithEmulator } from '../support/emulator';
import { emulatorUserId, holdSyncRounds, mailCycle, mailDb } from '../support/mail-env';
import {
  connectOrg,
  orgTokens,
  saveSettings,
  seedMembers,
  type OrgTokens,
} from '../support/orgwide';
import { eventually } from '../support/test-app';
import { newOrgId } from '../support/test-env';
import { type WorkerProcess } from '../support/worker-process';

const MEGAN = DEMO_TENANT.users.member;
const ZOE = DEMO_TENANT.users.unicode;
// A restricted user with a mailbox of their own.
const RITA = DEMO_TENANT.users.globalAdmin;
const RESTRICTED_DOMAIN = 'restricted.example';
// Unique per run: a body marker found anywhere is this run's leak, not another file's data.
const BODY = `BODYMARK${randomBytes(6).toString('hex')}`;
const SUBJECT = `SUBJMARK${randomBytes(6).toString('hex')}`;

interface MessageRow {
  id: string;
  subject: string;
  body_available: boolean;
  body_sealed: string | null;
  body_content_type: string | null;
}

/**
 * The privacy promise at the full level, end to end: an API (its logs captured at trace level)
 * and a worker as a separate OS process (its whole stdout and stderr captured, logging at trace).
 * Message bodies, the content of a send and the subjects flow through both, yet no plaintext body
 * lands in any column of any table, and neither process writes a body or a subject to its log.
 * Restricted users' mailboxes get not one request; lowering the level empties every body column.
 */
describe('mail privacy at the full level', () => {
  let env: ApiWithEmulator;
  let org: OrgTokens;
  let worker: WorkerProcess;
  const apiLog: string[] = [];
  const restrictedIds: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      apiLog.push(chunk.toString('utf8'));
      done();
    },
  });
  const body = (n: number) => `${BODY}-${n} the quarterly numbers, confidential`;
  const subject = (n: number) => `${SUBJECT}-${n} privacy`;

  const cycle = () => mailCycle(env, org, ['megan', 'zoe', 'rita']);
  const messages = async (): Promise<MessageRow[]> =>
    mailDb(env).execute<MessageRow[]>(
      `select id, subject, body_available, body_sealed, body_content_type from mail_message
       where org_id = ? order by subject`,
      [org.orgId],
    );

  beforeAll(async () => {
    env = await startApiWithEmulator({
      logger: createRootLogger({ level: 'trace', destination: sink }),
      env: { LOG_LEVEL: 'trace', MAIL_PAGE_SIZE: '5' },
    });
    worker = env.api.spawnWorker();
    org = await orgTokens(env, newOrgId());
    await seedMembers(env, org, [
      { roxUserId: 'megan', email: MEGAN },
      { roxUserId: 'zoe', email: ZOE },
      { roxUserId: 'rita', email: RITA },
    ]);
    const deliver = (user: string, n: number, extra: Record<string, unknown> = {}) =>
      env.emu.control.deliverMail(env.tenantId, user, {
        subject: subject(n),
        body: body(n),
        from: { name: 'Ann', address: 'ann@customer.example' },
        ...extra,
      });
    await deliver(MEGAN, 1);
    await deliver(MEGAN, 2, {
      attachments: [
        {
          name: 'numbers.txt',
          contentType: 'text/plain',
          contentBase64: Buffer.from(`${body(2)} in an attachment`).toString('base64'),
        },
      ],
    });
    restrictedIds.push((await deliver(MEGAN, 3, { cc: [`cfo@sub.${RESTRICTED_DOMAIN}`] })).id);
    restrictedIds.push((await deliver(MEGAN, 4, { cc: [RITA] })).id);
    await deliver(RITA, 5);
    await deliver(ZOE, 6, { from: { name: 'Megan', address: MEGAN }, to: [ZOE] });
    // The connect's first rounds wait until the request log is cleared.
    const release = await holdSyncRounds(env, org.orgId);
    expect(
      await connectOrg(env, org, {
        settings: {
          calendarAccess: 'off',
          emailAccess: 'read_send',
          restrictedDomains: [RESTRICTED_DOMAIN],
          restrictedUsers: [RITA],
        },
      }),
    ).toBe('connected');
    await syncFinished(env, org, null);
    await env.emu.control.clearRequests();
    await release();
    await cycle();
    // A send's content passes through the API, the queue and the worker too.
    const sent = await env.api
      .http()
      .post('/api/v1/mail/sends')
      .set('authorization', `Bearer ${org.service}`)
      .send({
        idempotencyKey: `privacy-${randomBytes(4).toString('hex')}`,
        roxUserId: 'megan',
        to: [ZOE],
        subject: subject(7),
        body: { contentType: 'text', content: body(7) },
      });
    expect(sent.status, JSON.stringify(sent.body)).toBe(202);
    await eventually(
      async () => {
        const res = await env.api
          .http()
          .get(`/api/v1/mail/sends/${sent.body.id}`)
          .set('authorization', `Bearer ${org.service}`);
        return res.body.status === 'sent';
      },
      { attempts: 600, intervalMs: 100 },
    );
    await cycle();
  }, 300_000);
  afterAll(() => env.close());

  it('bodies were fetched (after the filter) and are readable through the audited API only', async () => {
    const rows = await messages();
    const kept = rows.filter((m) => m.subject.startsWith(SUBJECT));
    expect(kept.map((m) => m.subject.slice(SUBJECT.length))).toEqual([
      '-1 privacy',
      '-2 privacy',
      '-6 privacy',
      '-7 privacy',
    ]);
    for (const m of kept) {
      expect(m.body_available).toBe(true);
      expect(m.body_sealed).toEqual(expect.any(String));
    }
    for (const m of kept) {
      const res = await env.api
        .http()
        .get(`/api/v1/mail/messages/${m.id}`)
        .set('authorization', `Bearer ${org.service}`);
      expect(res.status).toBe(200);
      expect(res.body.body.content).toContain(BODY);
    }
    // Not one $batch item (body request) for a message with a restricted participant.
    const items = (await env.emu.control.requests()).filter((r) => r.batchItem);
    expect(items.length).toBeGreaterThan(0);
    expect(restrictedIds).toHaveLength(2);
    for (const id of restrictedIds) expect(items.filter((r) => r.path.includes(id))).toEqual([]);
  });

  it('attachments on demand: listed and read from Graph at request time, audited, refused as problem+json', async () => {
    const withFile = (await messages()).find((m) => m.subject === subject(2));
    expect(withFile).toBeDefined();
    const get = (path: string, token = org.service) =>
      env.api.http().get(`/api/v1/mail/messages/${path}`).set('authorization', `Bearer ${token}`);
    const listed = await get(`${withFile?.id}/attachments`);
    expect(listed.status, JSON.stringify(listed.body)).toBe(200);
    expect(listed.body.items).toEqual([
      expect.objectContaining({
        kind: 'file',
        name: 'numbers.txt',
        contentType: 'text/plain',
        isInline: false,
      }),
    ]);
    const attachmentId = listed.body.items[0].id as string;
    await env.emu.control.clearRequests();
    for (let i = 0; i < 2; i += 1) {
      const file = await get(`${withFile?.id}/attachments/${encodeURIComponent(attachmentId)}`);
      expect(file.status).toBe(200);
      expect(file.headers['content-type']).toMatch(/^text\/plain/);
      expect(file.headers['content-disposition']).toMatch(/^attachment; filename="numbers.txt"/);
      expect(file.headers['cache-control']).toMatch(/no-store/);
      expect(file.text).toBe(`${body(2)} in an attachment`);
    }
    // Read from Graph each time (nothing kept between requests).
    const values = await env.emu.control.requests({ pathContains: '/$value' });
    expect(values.map((r) => r.status)).toEqual([200, 200]);
    const audits = await mailDb(env).execute<
      { action: string; details: Record<string, unknown> }[]
    >(
      `select action, details from audit_entry where org_id = ? and action = 'mail.attachment_read'`,
      [org.orgId],
    );
    expect(audits).toHaveLength(2);
    expect(audits[0]?.details).toMatchObject({ via: 'megan', contentType: 'text/plain' });

    const problem = (res: {
      status: number;
      headers: Record<string, string>;
      body: { code?: string };
    }) => ({
      status: res.status,
      type: res.headers['content-type']?.split(';')[0],
      code: res.body.code,
    });
    expect(problem(await get(`${randomUUID()}/attachments`))).toEqual({
      status: 404,
      type: 'application/problem+json',
      code: 'MAIL_MESSAGE_NOT_FOUND',
    });
    expect(problem(await get(`${withFile?.id}/attachments/AAMkAnotThere`))).toEqual({
      status: 404,
      type: 'application/problem+json',
      code: 'MAIL_ATTACHMENT_NOT_FOUND',
    });
    expect(problem(await get(`${withFile?.id}/attachments/bad!id`))).toEqual({
      status: 400,
      type: 'application/problem+json',
      code: 'VALIDATION_FAILED',
    });
    const member = await env.api.tokenFor({ roxUserId: 'megan', orgId: org.orgId, role: 'member' });
    expect((await get(`${withFile?.id}/attachments/${attachmentId}`, member)).status).toBe(403);
  });

  it('no plaintext body in any column of any table (raw SQL over every row)', async () => {
    const tables: { table_name: string }[] = await mailDb(env).execute(
      `select table_name from information_schema.tables
       where table_schema = 'public' and table_type = 'BASE TABLE' order by table_name`,
    );
    const names = tables.map((t) => t.table_name);
    expect(names).toEqual(
      expect.arrayContaining([
        'mail_message',
        'mail_message_link',
        'mail_change',
        'mail_channel',
        'mail_send',
        'audit_entry',
      ]),
    );
    for (const name of names) {
      const [hit] = await mailDb(env).execute<{ n: string }[]>(
        `select count(*) as n from "${name}" t where t::text like ?`,
        [`%${BODY}%`],
      );
      expect(Number(hit?.n), `${name} holds a plaintext body`).toBe(0);
    }
  });

  it('neither the API nor the worker process logged a body, an attachment or a subject', () => {
    const workerLog = worker.output.join('');
    // The scan means something only if both processes logged their work.
    expect(apiLog.join('')).toContain('/api/v1/mail/messages/');
    expect(workerLog).toMatch(/"level":10|"level":20|"level":30/);
    expect(workerLog.split('\n').length).toBeGreaterThan(20);
    for (const [name, text] of [
      ['api', apiLog.join('')],
      ['worker', workerLog],
    ] as const) {
      expect(text.includes(BODY), `${name} log holds a body`).toBe(false);
      expect(text.includes(SUBJECT), `${name} log holds a subject`).toBe(false);
      expect(text.includes('the quarterly numbers'), `${name} log holds body text`).toBe(false);
    }
  });

  it('X-7 / MAIL-S2 at the full level: not one request to the restricted user’s mailbox', async () => {
    const rita = emulatorUserId(env, RITA);
    const all = await env.emu.control.requests();
    expect(all.length).toBeGreaterThan(0);
    expect(
      all.filter((r) => r.path.includes(`/users/${rita}`) || r.path.toLowerCase().includes(RITA)),
    ).toEqual([]);
    expect(all.filter((r) => r.mailbox === rita)).toEqual([]);
  });

  it('lowering the level to metadata empties every body column', async () => {
    await saveSettings(env, org, {
      calendarAccess: 'off',
      emailAccess: 'metadata',
      restrictedDomains: [RESTRICTED_DOMAIN],
      restrictedUsers: [RITA],
    });
    await eventually(
      async () => {
        await cycle();
        const rows = await messages();
        return rows.length > 0 && rows.every((m) => !m.body_available);
      },
      { attempts: 20, intervalMs: 200 },
    );
    for (const m of await messages()) {
      expect(m).toMatchObject({
        body_available: false,
        body_sealed: null,
        body_content_type: null,
      });
    }
    const [send] = await mailDb(env).execute<{ content_sealed: string | null }[]>(
      'select content_sealed from mail_send where org_id = ?',
      [org.orgId],
    );
    expect(send).toEqual({ content_sealed: null });
    // Attachments follow the level: refused at metadata, with no Graph request.
    const withFile = (await messages()).find((m) => m.subject === subject(2));
    await env.emu.control.clearRequests();
    const refused = await env.api
      .http()
      .get(`/api/v1/mail/messages/${withFile?.id}/attachments`)
      .set('authorization', `Bearer ${org.service}`);
    expect(refused.status).toBe(403);
    expect(refused.headers['content-type']).toMatch(/problem\+json/);
    expect(refused.body.code).toBe('MAIL_CONTENT_NOT_ALLOWED');
    expect(await env.emu.control.requests({ pathContains: '/attachments' })).toEqual([]);
  });
});
