import type { Client } from '@microsoft/microsoft-graph-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { DEMO_TENANT, startEmulator, type RunningEmulator } from '../src/index';
import { appToken, expectGraphError, graphClient, type Item } from './helpers';

let emu: RunningEmulator;
let client: Client;
const USER = DEMO_TENANT.users.member;
const RECIPIENT = 'alex.wilber@contoso.com';
const KIB320 = 320 * 1024;

beforeAll(async () => {
  emu = await startEmulator({ seed: 'demo' });
  await emu.control.adminConsent(DEMO_TENANT.id);
  client = graphClient(emu, () => appToken(emu, DEMO_TENANT.id));
});

afterAll(async () => {
  await emu.stop();
});

function fileOf(size: number, seed: number): Buffer {
  const bytes = Buffer.alloc(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 31 + seed) % 251;
  return bytes;
}

async function newDraft(subject: string): Promise<Item> {
  return (await client
    .api(`/users/${USER}/messages`)
    .header('Prefer', 'IdType="ImmutableId"')
    .post({ subject, toRecipients: [{ emailAddress: { address: RECIPIENT } }] })) as Item;
}

interface Session {
  uploadUrl: string;
  expirationDateTime: string;
  nextExpectedRanges: string[];
}

async function openSession(draftId: string, name: string, size: number): Promise<Session> {
  return (await client
    .api(`/users/${USER}/messages/${draftId}/attachments/createUploadSession`)
    .post({
      AttachmentItem: { attachmentType: 'file', name, size, contentType: 'application/pdf' },
    })) as Session;
}

function put(
  url: string,
  file: Buffer,
  start: number,
  end: number,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(url, {
    method: 'PUT',
    headers: {
      'content-range': `bytes ${start}-${end}/${file.length}`,
      'content-type': 'application/octet-stream',
      ...headers,
    },
    body: file.subarray(start, end + 1),
  });
}

async function attachmentsOf(owner: string, messageId: string): Promise<Item[]> {
  const page = (await client
    .api(`/users/${owner}/messages/${messageId}/attachments`)
    .header('Prefer', 'IdType="ImmutableId"')
    .get()) as { value: Item[] };
  return page.value;
}

describe('attachment upload sessions', () => {
  it('takes 320 KiB-multiple ranges in order, answers 200 then 201, and the file reaches the sent and delivered copies', async () => {
    const draft = await newDraft('Large attachment');
    const file = fileOf(4 * 1024 * 1024 + 12_345, 7);
    const session = await openSession(draft.id, 'report.pdf', file.length);
    expect(session.nextExpectedRanges).toEqual(['0-']);
    expect(new URL(session.uploadUrl).searchParams.get('authtoken')).toBeTruthy();
    expect(Date.parse(session.expirationDateTime)).toBeGreaterThan(Date.now());

    const chunk = 8 * KIB320;
    const first = await put(session.uploadUrl, file, 0, chunk - 1);
    expect(first.status).toBe(200);
    expect(((await first.json()) as Session).nextExpectedRanges).toEqual([
      `${chunk}-${file.length - 1}`,
    ]);
    // The file is only attached once the last byte arrived.
    expect(await attachmentsOf(USER, draft.id)).toHaveLength(0);
    const last = await put(session.uploadUrl, file, chunk, file.length - 1);
    expect(last.status).toBe(201);
    expect(last.headers.get('location')).toMatch(/\/attachments\('.+'\)$/);

    // A small one through POST …/attachments.
    const small = fileOf(50_000, 3);
    const posted = (await client.api(`/users/${USER}/messages/${draft.id}/attachments`).post({
      '@odata.type': '#microsoft.graph.fileAttachment',
      name: 'note.txt',
      contentType: 'text/plain',
      contentBytes: small.toString('base64'),
    })) as Item;
    expect(posted).toMatchObject({ name: 'note.txt', isInline: false });

    await client.api(`/users/${USER}/messages/${draft.id}/send`).post(null);
    const sent = await attachmentsOf(USER, draft.id);
    expect(sent.map((a) => a.name).sort()).toEqual(['note.txt', 'report.pdf']);
    const big = sent.find((a) => a.name === 'report.pdf');
    const bytes = await client
      .api(`/users/${USER}/messages/${draft.id}/attachments/${String(big?.id)}/$value`)
      .header('Prefer', 'IdType="ImmutableId"')
      .responseType('arraybuffer' as never)
      .get();
    expect(Buffer.from(bytes as ArrayBuffer).equals(file)).toBe(true);

    const inbox = (await client
      .api(`/users/${RECIPIENT}/mailFolders/inbox/messages`)
      .filter(`internetMessageId eq '${String(draft.internetMessageId)}'`)
      .get()) as { value: Item[] };
    expect(inbox.value).toHaveLength(1);
    const delivered = await attachmentsOf(RECIPIENT, inbox.value[0]?.id ?? '');
    expect(delivered.map((a) => a.name).sort()).toEqual(['note.txt', 'report.pdf']);
    const deliveredBig = delivered.find((a) => a.name === 'report.pdf');
    expect(Buffer.from(String(deliveredBig?.contentBytes), 'base64').equals(file)).toBe(true);
  });

  it('answers 416 to an overlapping or out-of-order range and reports its progress on GET', async () => {
    const draft = await newDraft('Ranges');
    const file = fileOf(3 * 1024 * 1024 + 1, 11);
    const session = await openSession(draft.id, 'ranges.bin', file.length);
    expect((await put(session.uploadUrl, file, 0, KIB320 - 1)).status).toBe(200);
    const overlap = await put(session.uploadUrl, file, 0, KIB320 - 1);
    expect(overlap.status).toBe(416);
    const gap = await put(session.uploadUrl, file, 3 * KIB320, 4 * KIB320 - 1);
    expect(gap.status).toBe(416);
    const status = await fetch(session.uploadUrl);
    expect(((await status.json()) as Session).nextExpectedRanges).toEqual([
      `${KIB320}-${file.length - 1}`,
    ]);
    expect((await put(session.uploadUrl, file, KIB320, file.length - 1)).status).toBe(201);
    expect(await attachmentsOf(USER, draft.id)).toHaveLength(1);
  });

  it('refuses ranges that are not 320 KiB multiples (but the last), over 4 MB, or sent with an Authorization header', async () => {
    const draft = await newDraft('Rules');
    const file = fileOf(9 * 1024 * 1024, 5);
    const session = await openSession(draft.id, 'rules.bin', file.length);
    expect((await put(session.uploadUrl, file, 0, 100_000 - 1)).status).toBe(400);
    expect((await put(session.uploadUrl, file, 0, 14 * KIB320 - 1)).status).toBe(400);
    const withToken = await put(session.uploadUrl, file, 0, KIB320 - 1, {
      authorization: `Bearer ${await appToken(emu, DEMO_TENANT.id)}`,
    });
    expect(withToken.status).toBe(401);
    const wrongToken = new URL(session.uploadUrl);
    wrongToken.searchParams.set('authtoken', 'nope');
    expect((await put(wrongToken.toString(), file, 0, KIB320 - 1)).status).toBe(404);
    expect((await put(session.uploadUrl, file, 0, KIB320 - 1)).status).toBe(200);
    expect((await fetch(session.uploadUrl, { method: 'DELETE' })).status).toBe(204);
    expect((await put(session.uploadUrl, file, KIB320, 2 * KIB320 - 1)).status).toBe(404);
    expect(await attachmentsOf(USER, draft.id)).toHaveLength(0);
  });

  it('validates createUploadSession and small attachments like Graph', async () => {
    const draft = await newDraft('Validation');
    const noItem = await expectGraphError(
      client.api(`/users/${USER}/messages/${draft.id}/attachments/createUploadSession`).post({}),
    );
    expect(noItem.statusCode).toBe(400);
    const tooBig = await expectGraphError(openSession(draft.id, 'huge.bin', 150 * 1024 * 1024 + 1));
    expect(tooBig.statusCode).toBe(413);
    const large = await expectGraphError(
      client.api(`/users/${USER}/messages/${draft.id}/attachments`).post({
        '@odata.type': '#microsoft.graph.fileAttachment',
        name: 'big.bin',
        contentBytes: fileOf(3 * 1024 * 1024, 1).toString('base64'),
      }),
    );
    expect(large.statusCode).toBe(413);
    const badBase64 = await expectGraphError(
      client.api(`/users/${USER}/messages/${draft.id}/attachments`).post({
        '@odata.type': '#microsoft.graph.fileAttachment',
        name: 'bad.bin',
        contentBytes: 'not base64!',
      }),
    );
    expect(badBase64.statusCode).toBe(400);
  });
});
