import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { DEMO_TENANT, startEmulator, type RunningEmulator } from '@rox365/m365-emulator';

import {
  createDraft,
  findByInternetMessageId,
  getMessageBodies,
  listAllMailFolders,
  listUsers,
  mailFolderId,
  MESSAGE_METADATA_SELECT,
  messageFolderId,
  messagesDeltaPages,
  messagesInWindowPages,
  sendDraft,
  type BoundGraphClient,
} from '../src/index';
import { buildGraph } from './helpers';

let emu: RunningEmulator;
let client: BoundGraphClient;
let memberId: string;

beforeAll(async () => {
  emu = await startEmulator({ seed: [{ domain: 'contoso', adminConsented: true }] });
  client = buildGraph(emu).forTenant(DEMO_TENANT.id);
  const users = await listUsers(client);
  memberId = users.find((u) => u.userPrincipalName === DEMO_TENANT.users.member)?.id ?? '';
});

afterAll(async () => {
  await emu.stop();
});

beforeEach(async () => {
  await emu.control.clearRequests();
});

describe('mail resources', () => {
  it('a folder delta sends ImmutableId and the page size on every page, never $top or a body', async () => {
    let items = 0;
    for await (const page of messagesDeltaPages(
      client,
      `/users/${memberId}`,
      { folder: 'inbox' },
      { maxPageSize: 4, receivedSince: new Date('2000-01-01T00:00:00Z') },
    )) {
      items += page.items.length;
    }
    const calls = await emu.control.requests({ pathContains: '/messages/delta' });
    expect(calls.length).toBe(Math.max(1, Math.ceil(items / 4)));
    for (const call of calls) {
      expect(call.prefer).toMatch(/IdType="ImmutableId"/);
      expect(call.prefer).toMatch(/odata\.maxpagesize=4/);
      expect(call.query).not.toMatch(/\$top/);
    }
    const first = decodeURIComponent(calls[0]?.query ?? '');
    expect(first).toContain(`$select=${MESSAGE_METADATA_SELECT.join(',')}`);
    expect(first).not.toMatch(/body/i);
    expect(first).toContain('receivedDateTime ge 2000-01-01');
    // The capped first round must be the newest mail: Outlook's order is otherwise not guaranteed.
    expect(first).toContain('$orderby=receivedDateTime desc');
  });

  it('lists a window of a folder newest first through nextLinks, with ImmutableId on every page', async () => {
    await emu.control.deliverBulkMail(DEMO_TENANT.id, DEMO_TENANT.users.member, {
      count: 25,
      receivedFrom: '2031-01-01T00:00:00Z',
      receivedTo: '2031-01-01T00:00:24Z',
      subjectPrefix: 'window',
    });
    const subjects: string[] = [];
    for await (const page of messagesInWindowPages(client, memberId, 'inbox', {
      since: new Date('2031-01-01T00:00:05Z'),
      before: new Date('2031-01-01T00:00:20Z'),
      pageSize: 4,
      select: ['id', 'subject'],
    })) {
      subjects.push(...page.value.map((m) => m.subject ?? ''));
    }
    expect(subjects).toEqual(Array.from({ length: 15 }, (_, k) => `window ${19 - k}`));
    const calls = await emu.control.requests({ pathContains: '/mailFolders/inbox/messages' });
    expect(calls).toHaveLength(4);
    for (const call of calls) {
      expect(call.prefer).toMatch(/IdType="ImmutableId"/);
      const query = decodeURIComponent(call.query.replace(/\+/g, ' '));
      expect(query).toContain(
        'receivedDateTime ge 2031-01-01T00:00:05.000Z and receivedDateTime lt 2031-01-01T00:00:20.000Z',
      );
      expect(query).toContain('$orderby=receivedDateTime desc');
    }
  });

  it('bodies come in $batch items of at most 20, each with ImmutableId; a gone message says 404', async () => {
    for (let i = 0; i < 15; i += 1) {
      await emu.control.deliverMail(DEMO_TENANT.id, DEMO_TENANT.users.member, {
        subject: `filler ${i}`,
        body: `filler body ${i}`,
      });
    }
    const ids: string[] = [];
    for await (const page of messagesDeltaPages(client, memberId, { folder: 'inbox' })) {
      ids.push(...page.items.map((m) => m.id));
    }
    const gone = await emu.control.deliverMail(DEMO_TENANT.id, DEMO_TENANT.users.member, {
      subject: 'soon gone',
    });
    await emu.control.deleteMail(DEMO_TENANT.id, DEMO_TENANT.users.member, gone.id);
    await emu.control.deleteMail(DEMO_TENANT.id, DEMO_TENANT.users.member, gone.id);
    await emu.control.clearRequests();
    expect(ids.length).toBeGreaterThanOrEqual(24);
    const wanted = [...ids.slice(0, 24), gone.id];
    const bodies = await getMessageBodies(client, memberId, wanted);
    expect(bodies.slice(0, 24).every((b) => b.body !== null && b.body.content.length > 0)).toBe(
      true,
    );
    expect(bodies[24]).toMatchObject({ id: gone.id, body: null, status: 404 });
    expect(await emu.control.requests({ pathContains: '$batch' })).toHaveLength(2);
    const items = (await emu.control.requests()).filter((r) => r.batchItem);
    expect(items).toHaveLength(25);
    expect(items.every((r) => /IdType="ImmutableId"/.test(r.prefer ?? ''))).toBe(true);
  });

  it('lists every folder, nested ones included, through the hierarchy delta in pages', async () => {
    const parent = await emu.control.createMailFolder(DEMO_TENANT.id, memberId, 'Clients', 'inbox');
    const child = await emu.control.createMailFolder(DEMO_TENANT.id, memberId, 'A/B', parent.id);
    const folders = await listAllMailFolders(client, `/users/${memberId}`, { maxPageSize: 3 });
    const inbox = await mailFolderId(client, `/users/${memberId}`, 'inbox');
    expect(folders).toContainEqual({
      id: parent.id,
      displayName: 'Clients',
      parentFolderId: inbox,
    });
    expect(folders).toContainEqual({ id: child.id, displayName: 'A/B', parentFolderId: parent.id });
    const calls = await emu.control.requests({ pathContains: '/mailFolders/delta' });
    expect(calls.length).toBe(Math.ceil(folders.length / 3));
    for (const call of calls) expect(call.prefer).toMatch(/odata\.maxpagesize=3/);
    expect(decodeURIComponent(calls[0]?.query ?? '')).toContain(
      '$select=displayName,parentFolderId',
    );
  });

  it('confirms where a message is, or that it is gone', async () => {
    const { id } = await emu.control.deliverMail(DEMO_TENANT.id, DEMO_TENANT.users.member, {
      subject: 'to archive',
    });
    await emu.control.moveMail(DEMO_TENANT.id, DEMO_TENANT.users.member, id, 'archive');
    expect(await messageFolderId(client, memberId, id)).toBe(
      await mailFolderId(client, memberId, 'archive'),
    );
    expect(await messageFolderId(client, memberId, 'AAMkAunknown')).toBeNull();
  });

  it('a draft found by its internetMessageId keeps its id once sent (ImmutableId)', async () => {
    const imid = '<gc-send-1@rox.test>';
    const draft = await createDraft(client, memberId, {
      subject: 'from the client',
      body: { contentType: 'text', content: 'hello' },
      toRecipients: [{ emailAddress: { address: DEMO_TENANT.users.unicode } }],
      internetMessageId: imid,
    });
    expect(await findByInternetMessageId(client, memberId, imid)).toEqual([
      expect.objectContaining({ id: draft.id, isDraft: true }),
    ]);
    await sendDraft(client, memberId, draft.id);
    const after = await findByInternetMessageId(client, memberId, imid);
    expect(after).toEqual([
      {
        id: draft.id,
        isDraft: false,
        parentFolderId: await mailFolderId(client, memberId, 'sentitems'),
      },
    ]);
  });
});
