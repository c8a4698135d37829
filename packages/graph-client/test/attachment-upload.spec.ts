import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { DEMO_TENANT, startEmulator, type RunningEmulator } from '@rox365/m365-emulator';

import {
  attachFile,
  createAttachmentUploadSession,
  createDraft,
  getAttachmentContent,
  GraphRequestError,
  listAttachments,
  listUsers,
  nextOffsetOf,
  uploadToSession,
  type BoundGraphClient,
} from '../src/index';
import { buildGraph, recordingSleep, rejectionOf } from './helpers';

let emu: RunningEmulator;
let client: BoundGraphClient;
let owner: string;
const KIB320 = 320 * 1024;
const UPLOADS = 'PUT /outlook-upload/';

beforeAll(async () => {
  emu = await startEmulator({ seed: [{ domain: 'contoso', adminConsented: true }] });
  client = buildGraph(emu).forTenant(DEMO_TENANT.id);
  const users = await listUsers(client);
  owner = `/users/${users.find((u) => u.userPrincipalName === DEMO_TENANT.users.member)?.id ?? ''}`;
});

afterAll(async () => {
  await emu.stop();
});

beforeEach(async () => {
  await emu.control.clearRequests();
  await emu.control.clearFaults();
});

function fileOf(size: number, seed: number): Buffer {
  const bytes = Buffer.alloc(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 17 + seed) % 253;
  return bytes;
}

async function draft(): Promise<string> {
  const m = await createDraft(client, owner, {
    subject: 'With attachments',
    body: { contentType: 'text', content: 'hi' },
    toRecipients: [{ emailAddress: { address: 'alex.wilber@contoso.com' } }],
  });
  return m.id;
}

async function contentOf(messageId: string, name: string): Promise<Buffer[]> {
  const all = await listAttachments(client, owner, messageId);
  return Promise.all(
    all
      .filter((a) => a.name === name)
      .map((a) => getAttachmentContent(client, owner, messageId, a.id)),
  );
}

// One attachment of that name, byte for byte (Buffer.equals: a deep toEqual on MBs is slow).
async function expectOneCopy(messageId: string, name: string, bytes: Buffer): Promise<void> {
  const copies = await contentOf(messageId, name);
  expect(copies).toHaveLength(1);
  expect(copies[0]?.equals(bytes)).toBe(true);
}

describe('attachment upload', () => {
  it('attaches a small file with one POST and a 4 MB one through ordered 320 KiB-multiple ranges, without a token on the upload URL', async () => {
    const id = await draft();
    const small = fileOf(40_000, 1);
    const big = fileOf(4 * 1024 * 1024 + 777, 2);
    await attachFile(client, owner, id, { name: 'a.txt', contentType: 'text/plain', bytes: small });
    await attachFile(client, owner, id, {
      name: 'b.pdf',
      contentType: 'application/pdf',
      bytes: big,
    });
    await expectOneCopy(id, 'a.txt', small);
    await expectOneCopy(id, 'b.pdf', big);
    const puts = await emu.control.requests({ pathContains: '/outlook-upload/' });
    // 3,200 KiB then the rest; the emulator answers 401 to a PUT carrying Authorization.
    expect(puts.map((p) => p.status)).toEqual([200, 201]);
    const posts = await emu.control.requests({ pathContains: '/attachments' });
    expect(posts.map((p) => `${p.method} ${p.path.split('/').pop() ?? ''}`).slice(0, 2)).toEqual([
      'POST attachments',
      'POST createUploadSession',
    ]);
  });

  it('resumes from nextExpectedRanges after a 500 and after a lost answer, and the file arrives whole once', async () => {
    const id = await draft();
    const big = fileOf(9 * 1024 * 1024 + 5, 3);
    const { sleep, waits } = recordingSleep();
    let stored = 0;
    await attachFile(
      client,
      owner,
      id,
      { name: 'c.bin', contentType: 'application/octet-stream', bytes: big },
      {
        chunkBytes: 4 * KIB320,
        sleep,
        retry: { baseDelayMs: 5, maxDelayMs: 20 },
        onProgress: () => {
          stored++;
          // In-process, so the fault is armed before the next PUT leaves.
          if (stored === 2) emu.state.faults.add({ match: UPLOADS, count: 1, status: 500 });
          if (stored === 4) {
            emu.state.faults.add({ match: UPLOADS, count: 1, status: 504, afterExecute: true });
          }
        },
      },
    );
    await expectOneCopy(id, 'c.bin', big);
    expect(waits).toHaveLength(2);
    const calls = await emu.control.requests({ pathContains: '/outlook-upload/' });
    expect(calls.filter((c) => c.method === 'GET')).toHaveLength(2);
    expect(calls.filter((c) => c.method === 'PUT').map((c) => c.status)).toContain(504);
  });

  it('waits for Retry-After on a 429 before resuming', async () => {
    const id = await draft();
    const big = fileOf(3 * 1024 * 1024 + 10, 4);
    const { sleep, waits } = recordingSleep();
    emu.state.faults.add({ match: UPLOADS, count: 1, status: 429, retryAfterSeconds: 0.3 });
    await attachFile(
      client,
      owner,
      id,
      { name: 'd.bin', contentType: 'application/octet-stream', bytes: big },
      { sleep },
    );
    expect(waits).toEqual([300]);
    await expectOneCopy(id, 'd.bin', big);
  });

  it('gives up on a refused range (4xx) and on a session that is gone, with a GraphRequestError', async () => {
    const id = await draft();
    const big = fileOf(3 * 1024 * 1024 + 10, 5);
    emu.state.faults.add({ match: UPLOADS, count: 1, status: 403 });
    const refused = await rejectionOf(
      attachFile(client, owner, id, { name: 'e.bin', contentType: 'x/y', bytes: big }),
    );
    expect(refused).toBeInstanceOf(GraphRequestError);
    expect((refused as GraphRequestError).status).toBe(403);
    // The error names the path only: the query is the URL's credential.
    expect((refused as GraphRequestError).path).not.toContain('authtoken');

    const session = await createAttachmentUploadSession(client, owner, id, {
      name: 'f.bin',
      size: big.length,
      contentType: 'x/y',
    });
    await fetch(session.uploadUrl, { method: 'DELETE' });
    const gone = await rejectionOf(uploadToSession(session.uploadUrl, big));
    expect((gone as GraphRequestError).status).toBe(404);
    expect(await listAttachments(client, owner, id)).toHaveLength(0);
  });

  it('checks the chunk size and reads both forms of nextExpectedRanges', async () => {
    await expect(
      uploadToSession('https://x.invalid/u', Buffer.alloc(1), { chunkBytes: 1000 }),
    ).rejects.toThrow(RangeError);
    await expect(
      uploadToSession('https://x.invalid/u', Buffer.alloc(1), { chunkBytes: 13 * KIB320 }),
    ).rejects.toThrow(RangeError);
    expect(nextOffsetOf(['2097152-'])).toBe(2097152);
    expect(nextOffsetOf(['2097152'])).toBe(2097152);
    expect(nextOffsetOf(['0-4194303'])).toBe(0);
    expect(nextOffsetOf([])).toBeNull();
  });
});
