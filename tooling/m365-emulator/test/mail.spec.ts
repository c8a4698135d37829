import http from 'node:http';
import type { AddressInfo } from 'node:net';

import type { Client } from '@microsoft/microsoft-graph-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { DEMO_TENANT, startEmulator, type RunningEmulator } from '../src/index';
import {
  appToken,
  expectGraphError,
  graphClient,
  startReceiver,
  walkDelta,
  type Item,
} from './helpers';

let emu: RunningEmulator;
let client: Client;
const USER = DEMO_TENANT.users.member;

beforeAll(async () => {
  emu = await startEmulator({ seed: 'demo' });
  await emu.control.adminConsent(DEMO_TENANT.id);
  client = graphClient(emu, () => appToken(emu, DEMO_TENANT.id));
});

afterAll(async () => {
  await emu.stop();
});

function walk(url: string, prefer: string): ReturnType<typeof walkDelta> {
  return walkDelta(client, url, prefer);
}

describe('messages delta', () => {
  it('walks the inbox, then reports new, updated, moved and deleted messages', async () => {
    const prefer = 'odata.maxpagesize=5, IdType="ImmutableId"';
    const first = await walk(
      `/users/${USER}/mailFolders/inbox/messages/delta?$select=subject,from,receivedDateTime,isRead`,
      prefer,
    );
    expect(first.items).toHaveLength(12);
    expect(Object.keys(first.items[0] ?? {}).sort()).toEqual([
      '@odata.etag',
      '@odata.type',
      'from',
      'id',
      'isRead',
      'receivedDateTime',
      'subject',
    ]);

    const delivered = await emu.control.deliverMail(DEMO_TENANT.id, USER, {
      subject: 'Ünïcödé order 🚀',
      body: 'hello',
    });
    const read = first.items[0];
    const moved = first.items[1];
    const deleted = first.items[2];
    await emu.control.updateMail(DEMO_TENANT.id, USER, read?.id ?? '', { isRead: true });
    await emu.control.moveMail(DEMO_TENANT.id, USER, moved?.id ?? '', 'archive');
    await emu.control.deleteMail(DEMO_TENANT.id, USER, deleted?.id ?? '');

    const second = await walk(first.deltaLink, prefer);
    const byId = new Map(second.items.map((i) => [i.id, i]));
    expect(byId.get(delivered.id)?.subject).toBe('Ünïcödé order 🚀');
    expect(byId.get(read?.id ?? '')?.isRead).toBe(true);
    expect(byId.get(moved?.id ?? '')?.['@removed']).toEqual({ reason: 'deleted' });
    expect(byId.get(deleted?.id ?? '')?.['@removed']).toEqual({ reason: 'deleted' });

    // With immutable ids the moved message keeps its id in the archive folder.
    const archive = await walk(`/users/${USER}/mailFolders/archive/messages/delta`, prefer);
    expect(archive.items.map((i) => i.id)).toContain(moved?.id);
    // Without them, it has a new id there.
    const regular = await walk(
      `/users/${USER}/mailFolders/archive/messages/delta`,
      'odata.maxpagesize=5',
    );
    expect(regular.items.map((i) => i.id)).not.toContain(moved?.id);
  });

  it('expires only the chosen mailbox tokens when asked to', async () => {
    const a = await walk(
      `/users/lee.gu@contoso.com/mailFolders/inbox/messages/delta`,
      'odata.maxpagesize=50',
    );
    const b = await walk(
      `/users/nestor.wilke@contoso.com/mailFolders/inbox/messages/delta`,
      'odata.maxpagesize=50',
    );
    await emu.control.expireDeltaTokens(DEMO_TENANT.id, {
      resource: 'messages',
      user: 'lee.gu@contoso.com',
    });
    expect((await expectGraphError(client.api(a.deltaLink).get())).statusCode).toBe(410);
    const still = (await client.api(b.deltaLink).get()) as { value: unknown[] };
    expect(still.value).toEqual([]);
    // A fresh round after the expiry works again.
    const fresh = await walk(
      `/users/lee.gu@contoso.com/mailFolders/inbox/messages/delta`,
      'odata.maxpagesize=50',
    );
    expect((await client.api(fresh.deltaLink).get()) as { value: unknown[] }).toMatchObject({
      value: [],
    });
  });

  it('answers 410 SyncStateNotFound once delta tokens are expired', async () => {
    const first = await walk(
      `/users/${DEMO_TENANT.users.admin}/mailFolders('inbox')/messages/delta`,
      'odata.maxpagesize=50',
    );
    await emu.control.expireDeltaTokens(DEMO_TENANT.id);
    const gone = await expectGraphError(client.api(first.deltaLink).get());
    expect(gone.statusCode).toBe(410);
    expect(gone.code).toBe('SyncStateNotFound');
  });
});

describe('listing', () => {
  it('lists newest first, so newly delivered mail is on top', async () => {
    await emu.control.deliverMail(DEMO_TENANT.id, 'miriam.graham@contoso.com', {
      subject: 'Just arrived',
    });
    const page = (await client
      .api('/users/miriam.graham@contoso.com/mailFolders/inbox/messages')
      .top(3)
      .get()) as { value: Item[]; '@odata.nextLink'?: string };
    expect(page.value[0]?.subject).toBe('Just arrived');
    const times = page.value.map((m) => m.receivedDateTime as string);
    expect([...times].sort().reverse()).toEqual(times);
    expect(page['@odata.nextLink']).toContain('$skip=3');
  });
});

// POST …/sendMail as the app, its body given as JSON.
async function postSendMail(body: Record<string, unknown>): Promise<Response> {
  return fetch(`${emu.graphBaseUrl}/v1.0/users/${USER}/sendMail`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${await appToken(emu, DEMO_TENANT.id)}`,
      'content-type': 'application/json',
    },
    body: JSON.stringify(body),
  });
}

describe('sending', () => {
  it('sendMail answers 202 and the message lands in Sent Items and in the in-tenant recipient inbox', async () => {
    const res = await postSendMail({
      message: {
        subject: 'Quarterly numbers',
        body: { contentType: 'Text', content: 'See attached' },
        toRecipients: [
          { emailAddress: { address: 'alex.wilber@contoso.com' } },
          { emailAddress: { address: 'someone@example.org' } },
        ],
      },
    });
    expect(res.status).toBe(202);
    expect(await res.text()).toBe('');
    const sent = (await client
      .api(`/users/${USER}/mailFolders/sentitems/messages`)
      .top(100)
      .get()) as { value: Item[] };
    expect(sent.value.some((m) => m.subject === 'Quarterly numbers')).toBe(true);
    const inbox = (await client
      .api('/users/alex.wilber@contoso.com/mailFolders/inbox/messages')
      .top(100)
      .get()) as { value: Item[] };
    expect(inbox.value.some((m) => m.subject === 'Quarterly numbers')).toBe(true);
  });

  it('creates a draft, sends it (202) and finds it in Sent Items by immutable id', async () => {
    const draft = (await client
      .api(`/users/${USER}/messages`)
      .header('Prefer', 'IdType="ImmutableId"')
      .post({
        subject: 'Draft to send',
        toRecipients: [{ emailAddress: { address: 'adele.vance@contoso.com' } }],
      })) as Item;
    expect(draft.isDraft).toBe(true);
    await client.api(`/users/${USER}/messages/${draft.id}/send`).post(null);
    const sent = (await client
      .api(`/users/${USER}/messages/${draft.id}`)
      .header('Prefer', 'IdType="ImmutableId"')
      .get()) as Item;
    expect(sent.isDraft).toBe(false);
    const folder = (await client.api(`/users/${USER}/mailFolders/sentitems`).get()) as Item;
    expect(sent.parentFolderId).toBe(folder.id);
  });
});

describe('sending limits and replies', () => {
  it('sendMail over 4 MB answers 413 with a Graph error and sends nothing', async () => {
    const subject = 'Too big for sendMail';
    const res = await postSendMail({
      message: {
        subject,
        body: { contentType: 'Text', content: 'x' },
        toRecipients: [{ emailAddress: { address: 'alex.wilber@contoso.com' } }],
        attachments: [
          {
            '@odata.type': '#microsoft.graph.fileAttachment',
            name: 'big.bin',
            contentBytes: Buffer.alloc(3 * 1024 * 1024 + 1).toString('base64'),
          },
        ],
      },
    });
    expect(res.status).toBe(413);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('ErrorRequestEntityTooLarge');
    expect(body.error.message).toMatch(/4 ?MB/);
    const sent = (await client
      .api(`/users/${USER}/mailFolders/sentitems/messages`)
      .top(100)
      .get()) as { value: Item[] };
    expect(sent.value.some((m) => m.subject === subject)).toBe(false);
  });

  it('createReply applies the toRecipients, ccRecipients and bccRecipients given in message', async () => {
    const internetMessageId = '<reply-cc@emulator.test>';
    const { id } = await emu.control.deliverMail(DEMO_TENANT.id, USER, {
      subject: 'Reply with cc',
      from: { name: 'Alex', address: 'alex.wilber@contoso.com' },
    });
    const draft = (await client.api(`/users/${USER}/messages/${id}/createReply`).post({
      comment: 'Adding Adele',
      message: {
        internetMessageId,
        ccRecipients: [{ emailAddress: { address: 'adele.vance@contoso.com' } }],
        bccRecipients: [{ emailAddress: { address: 'partner@example.org' } }],
      },
    })) as Item & {
      toRecipients: { emailAddress: { address: string } }[];
      ccRecipients: { emailAddress: { address: string } }[];
    };
    expect(draft.toRecipients.map((r) => r.emailAddress.address)).toEqual([
      'alex.wilber@contoso.com',
    ]);
    expect(draft.ccRecipients.map((r) => r.emailAddress.address)).toEqual([
      'adele.vance@contoso.com',
    ]);
    await client.api(`/users/${USER}/messages/${draft.id}/send`).post(null);
    const counts = await emu.control.deliveries(DEMO_TENANT.id, { internetMessageId });
    expect(Object.fromEntries(counts.map((d) => [d.recipient, d.count]))).toEqual({
      'alex.wilber@contoso.com': 1,
      'adele.vance@contoso.com': 1,
      'partner@example.org': 1,
    });
  });
});

describe('Mail.ReadBasic.All', () => {
  it('never yields body, preview or attachments', async () => {
    await emu.control.createTenant({ domain: 'litware', users: 3 });
    await emu.control.grantRoles('litware.com', ['Mail.ReadBasic.All']);
    const basic = graphClient(emu, () => appToken(emu, 'litware.com'));
    expect((await expectGraphError(basic.api('/users').get())).statusCode).toBe(403);
    const first = emu.state.findTenant('litware.com')?.users.at(0)?.userPrincipalName ?? '';
    const page = (await basic
      .api(`/users/${first}/messages`)
      .select('subject,body,bodyPreview,hasAttachments')
      .top(10)
      .get()) as { value: Item[] };
    expect(page.value.length).toBeGreaterThan(0);
    for (const m of page.value) {
      expect(m.body).toBeUndefined();
      expect(m.bodyPreview).toBeUndefined();
      expect(m.subject).toBeDefined();
    }
    const withAttachment = page.value.find((m) => m.hasAttachments === true);
    const denied = await expectGraphError(
      basic.api(`/users/${first}/messages/${withAttachment?.id ?? ''}/attachments`).get(),
    );
    expect(denied.statusCode).toBe(403);
    expect(denied.code).toBe('ErrorAccessDenied');
  });

  it('lists attachments with Mail.Read', async () => {
    const page = (await client
      .api(`/users/${USER}/mailFolders/inbox/messages`)
      .select('hasAttachments')
      .top(50)
      .get()) as { value: Item[] };
    const m = page.value.find((x) => x.hasAttachments === true);
    const att = (await client
      .api(`/users/${USER}/messages/${m?.id ?? ''}/attachments`)
      .select('id,name,contentType,size,isInline')
      .get()) as { value: Item[] };
    expect(att.value[0]).toMatchObject({
      '@odata.type': '#microsoft.graph.fileAttachment',
      contentType: 'application/pdf',
      isInline: false,
    });
    expect(att.value[0]?.contentBytes).toBeUndefined();
  });
});

describe('$batch', () => {
  it('runs up to 20 requests with per-request status and 424 for failed dependencies', async () => {
    const res = (await client.api('/$batch').post({
      requests: [
        { id: '1', method: 'GET', url: `/users/${USER}?$select=id` },
        { id: '2', method: 'GET', url: `/users/${DEMO_TENANT.users.noMailbox}/messages` },
        { id: '3', dependsOn: ['2'], method: 'GET', url: `/users/${USER}/messages?$top=1` },
        {
          id: '4',
          method: 'POST',
          url: `/users/${USER}/events`,
          headers: { 'Content-Type': 'application/json' },
          body: {
            subject: 'From batch',
            start: { dateTime: '2030-01-01T10:00:00', timeZone: 'UTC' },
            end: { dateTime: '2030-01-01T11:00:00', timeZone: 'UTC' },
          },
        },
      ],
    })) as { responses: { id: string; status: number; body?: { error?: { code: string } } }[] };
    const byId = new Map(res.responses.map((r) => [r.id, r]));
    expect(byId.get('1')?.status).toBe(200);
    expect(byId.get('2')?.status).toBe(404);
    expect(byId.get('2')?.body?.error?.code).toBe('MailboxNotEnabledForRESTAPI');
    expect(byId.get('3')?.status).toBe(424);
    expect(byId.get('4')?.status).toBe(201);
    const tooMany = await expectGraphError(
      client.api('/$batch').post({
        requests: Array.from({ length: 21 }, (_, i) => ({
          id: String(i),
          method: 'GET',
          url: '/users',
        })),
      }),
    );
    expect(tooMany.statusCode).toBe(400);
  });
});

describe('subscriptions', () => {
  it('validates, notifies with clientState, renews, sends lifecycle events and deletes', async () => {
    const receiver = await startReceiver(emu);
    try {
      const expiration = new Date(Date.now() + 60 * 60_000).toISOString();
      const tooLong = await expectGraphError(
        client.api('/subscriptions').post({
          changeType: 'created',
          notificationUrl: `${receiver.url}/hook`,
          resource: `users/${USER}/messages`,
          expirationDateTime: new Date(Date.now() + 20_000 * 60_000).toISOString(),
        }),
      );
      expect(tooLong.message).toBe(
        'Subscription expiration can only be 10070 minutes in the future.',
      );
      const sub = (await client.api('/subscriptions').post({
        changeType: 'created,updated',
        notificationUrl: `${receiver.url}/hook`,
        lifecycleNotificationUrl: `${receiver.url}/lifecycle`,
        resource: `users/${USER}/mailFolders('inbox')/messages`,
        expirationDateTime: expiration,
        clientState: 'secret-123',
      })) as Item;
      expect(sub.applicationId).toBe(emu.app.clientId);
      await emu.control.deliverMail(DEMO_TENANT.id, USER, { subject: 'Ping' });
      await emu.control.notifications();
      const note = JSON.parse(receiver.received.find((r) => r.path === '/hook')?.body ?? '{}') as {
        value: {
          clientState: string;
          changeType: string;
          resource: string;
          tenantId: string;
          resourceData: Record<string, string>;
        }[];
      };
      expect(note.value[0]).toMatchObject({
        clientState: 'secret-123',
        changeType: 'created',
        tenantId: DEMO_TENANT.id,
      });
      expect(note.value[0]?.resource).toMatch(/^Users\/.+\/Messages\/.+/);
      // The message's version as its etag, as on Graph.
      const data = note.value[0]?.resourceData ?? {};
      const message = (await client
        .api(`/users/${USER}/messages/${data.id ?? ''}`)
        .select('changeKey')
        .get()) as { changeKey: string };
      expect(data['@odata.etag']).toBe(`W/"${message.changeKey}"`);

      const renewed = (await client
        .api(`/subscriptions/${sub.id}`)
        .patch({ expirationDateTime: new Date(Date.now() + 120 * 60_000).toISOString() })) as Item;
      expect(renewed.expirationDateTime).not.toBe(sub.expirationDateTime);
      // Microsoft answers reauthorize with 204 No Content.
      const reauthorize = await fetch(
        `${emu.graphBaseUrl}/v1.0/subscriptions/${sub.id}/reauthorize`,
        {
          method: 'POST',
          headers: { authorization: `Bearer ${await appToken(emu, DEMO_TENANT.id)}` },
        },
      );
      expect(reauthorize.status).toBe(204);
      await emu.control.sendLifecycle(sub.id, 'reauthorizationRequired');
      await emu.control.notifications();
      expect(receiver.received.find((r) => r.path === '/lifecycle')?.body).toContain(
        '"lifecycleEvent":"reauthorizationRequired"',
      );
      await client.api(`/subscriptions/${sub.id}`).delete();
      const gone = await expectGraphError(client.api(`/subscriptions/${sub.id}`).get());
      expect(gone.statusCode).toBe(404);
    } finally {
      await receiver.close();
    }
  });

  it('notifies subscriptions on users about directory changes', async () => {
    const receiver = await startReceiver(emu);
    try {
      await client.api('/subscriptions').post({
        changeType: 'updated,deleted',
        notificationUrl: `${receiver.url}/users`,
        resource: 'users',
        expirationDateTime: new Date(Date.now() + 3600_000).toISOString(),
        clientState: 'dir',
      });
      await emu.control.disableUser(DEMO_TENANT.id, 'nestor.wilke@contoso.com');
      await emu.control.notifications();
      const note = JSON.parse(receiver.received[0]?.body ?? '{}') as {
        value: { changeType: string; clientState: string; resourceData: Record<string, unknown> }[];
      };
      expect(note.value[0]).toMatchObject({ changeType: 'updated', clientState: 'dir' });
      expect(note.value[0]?.resourceData['@odata.type']).toBe('#Microsoft.Graph.User');
    } finally {
      await receiver.close();
    }
  });

  it('refuses http notification URLs unless the loopback allowance is on', async () => {
    const plain = http.createServer((req, res) => {
      const token = new URL(req.url ?? '/', 'http://127.0.0.1').searchParams.get('validationToken');
      res.writeHead(token === null ? 202 : 200, { 'content-type': 'text/plain' }).end(token ?? '');
    });
    await new Promise<void>((r) => plain.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(plain.address() as AddressInfo).port}/hook`;
    const body = {
      changeType: 'created',
      notificationUrl: url,
      resource: `users/${USER}/events`,
      expirationDateTime: new Date(Date.now() + 3600_000).toISOString(),
    };
    try {
      const refused = await expectGraphError(client.api('/subscriptions').post(body));
      expect(refused.statusCode).toBe(400);
      expect(refused.code).toBe('ValidationError');
      await emu.control.updateSettings({ allowLoopbackHttpNotificationUrls: true });
      const sub = (await client.api('/subscriptions').post(body)) as Item;
      expect(sub.notificationUrl).toBe(url);
      const remote = await expectGraphError(
        client
          .api('/subscriptions')
          .post({ ...body, notificationUrl: 'http://hooks.example.com/hook' }),
      );
      expect(remote.code).toBe('ValidationError');
      await client.api(`/subscriptions/${sub.id}`).delete();
    } finally {
      await emu.control.updateSettings({ allowLoopbackHttpNotificationUrls: false });
      await new Promise<void>((r) => plain.close(() => r()));
    }
  });

  it('drops and duplicates change notifications at the notificationFaults rates, never lifecycle events', async () => {
    const receiver = await startReceiver(emu);
    await emu.control.updateSettings({ notificationFaults: { dropRate: 0.3, duplicateRate: 0.3 } });
    try {
      const sub = (await client.api('/subscriptions').post({
        changeType: 'created',
        notificationUrl: `${receiver.url}/faulty`,
        lifecycleNotificationUrl: `${receiver.url}/faulty-lifecycle`,
        resource: `users/${USER}/messages`,
        expirationDateTime: new Date(Date.now() + 3600_000).toISOString(),
        clientState: 'faulty',
      })) as Item;
      for (let i = 0; i < 40; i++)
        await emu.control.deliverMail(DEMO_TENANT.id, USER, { subject: `Faulty ${i}` });
      await emu.control.sendLifecycle(String(sub.id), 'missed');
      const log = (await emu.control.notifications()).filter((d) => d.subscriptionId === sub.id);
      const notes = log.filter((d) => d.kind === 'notification');
      const dropped = notes.filter((d) => d.status === 'dropped');
      const twice = notes.filter((d) => d.duplicate);
      // Each of the 40 messages was offered once: dropped, sent once, or sent twice.
      expect(notes.length - twice.length).toBe(40);
      expect(dropped.length).toBeGreaterThan(0);
      expect(twice.length).toBeGreaterThan(0);
      // Several may share a POST; counted by what the POSTs held.
      const ids = receiver.received
        .filter((r) => r.path === '/faulty')
        .flatMap((h) => (JSON.parse(h.body) as { value: { id: string }[] }).value.map((v) => v.id));
      expect(ids).toHaveLength(40 - dropped.length + twice.length);
      // A duplicate is the same notification (same id) sent again.
      expect(new Set(ids).size).toBe(40 - dropped.length);
      expect(receiver.received.filter((r) => r.path === '/faulty-lifecycle')).toHaveLength(1);
    } finally {
      await emu.control.updateSettings({ notificationFaults: { dropRate: 0, duplicateRate: 0 } });
      await receiver.close();
    }
  });

  it('sends notifications that pile up for one URL together, several to a POST, as Graph does', async () => {
    // Each answer takes a while: what happens meanwhile waits for the next POST.
    const receiver = await startReceiver(emu, { delayMs: 1000 });
    try {
      const subscribe = async (resource: string) =>
        (await client.api('/subscriptions').post({
          changeType: 'created',
          notificationUrl: `${receiver.url}/batched`,
          resource,
          expirationDateTime: new Date(Date.now() + 3600_000).toISOString(),
          clientState: resource,
        })) as Item;
      const inbox = await subscribe(`users/${USER}/mailFolders('inbox')/messages`);
      const events = await subscribe(`users/${USER}/events`);
      for (let i = 0; i < 4; i++)
        await emu.control.deliverMail(DEMO_TENANT.id, USER, { subject: `Batched ${i}` });
      await emu.control.createEvent(DEMO_TENANT.id, USER, {
        subject: 'Batched event',
        start: '2026-12-01T10:00:00',
        end: '2026-12-01T11:00:00',
        timeZone: 'UTC',
      });
      const log = (await emu.control.notifications()).filter(
        (d) => d.kind === 'notification' && [inbox.id, events.id].includes(d.subscriptionId),
      );
      const posts = receiver.received
        .filter((r) => r.path === '/batched')
        .map((r) => (JSON.parse(r.body) as { value: { subscriptionId: string }[] }).value);
      // The first went alone; the rest, both subscriptions mixed, came in one POST.
      expect(posts.map((p) => p.length)).toEqual([1, 4]);
      expect(new Set(posts[1]?.map((v) => v.subscriptionId))).toEqual(
        new Set([inbox.id, events.id]),
      );
      expect(log.map((d) => d.batch ?? 1)).toEqual([1, 4, 4, 4, 4]);
      for (const id of [inbox.id, events.id]) await client.api(`/subscriptions/${id}`).delete();
    } finally {
      await receiver.close();
    }
  });

  it('tells an Inbox subscription nothing of a draft saved in Drafts', async () => {
    const receiver = await startReceiver(emu);
    try {
      const sub = (await client.api('/subscriptions').post({
        changeType: 'created',
        notificationUrl: `${receiver.url}/inbox-only`,
        resource: `users/${USER}/mailFolders('inbox')/messages`,
        expirationDateTime: new Date(Date.now() + 3600_000).toISOString(),
      })) as Item;
      await client.api(`/users/${USER}/messages`).post({ subject: 'A draft, not mail' });
      await emu.control.deliverMail(DEMO_TENANT.id, USER, { subject: 'Real mail' });
      await emu.control.notifications();
      const heard = receiver.received
        .filter((r) => r.path === '/inbox-only')
        .flatMap((r) => (JSON.parse(r.body) as { value: unknown[] }).value);
      expect(heard).toHaveLength(1);
      await client.api(`/subscriptions/${sub.id}`).delete();
    } finally {
      await receiver.close();
    }
  });

  it('refuses a handshake answered with the token in anything but text/plain', async () => {
    const json = http.createServer((req, res) => {
      const token = new URL(req.url ?? '/', 'http://127.0.0.1').searchParams.get('validationToken');
      res.writeHead(200, { 'content-type': 'application/json' }).end(token ?? '');
    });
    await new Promise<void>((r) => json.listen(0, '127.0.0.1', r));
    await emu.control.updateSettings({ allowLoopbackHttpNotificationUrls: true });
    try {
      const e = await expectGraphError(
        client.api('/subscriptions').post({
          changeType: 'created',
          notificationUrl: `http://127.0.0.1:${(json.address() as AddressInfo).port}/hook`,
          resource: `users/${USER}/events`,
          expirationDateTime: new Date(Date.now() + 3600_000).toISOString(),
        }),
      );
      expect(e.code).toBe('ValidationError');
    } finally {
      await emu.control.updateSettings({ allowLoopbackHttpNotificationUrls: false });
      json.close();
    }
  });

  it('raises a lifetime under 45 minutes to 45', async () => {
    const receiver = await startReceiver(emu);
    try {
      const created = (await client.api('/subscriptions').post({
        changeType: 'created',
        notificationUrl: `${receiver.url}/hook`,
        resource: `users/${USER}/events`,
        expirationDateTime: new Date(Date.now() + 5 * 60_000).toISOString(),
      })) as { id: string; expirationDateTime: string };
      const minutes = (Date.parse(created.expirationDateTime) - Date.now()) / 60_000;
      expect(minutes).toBeGreaterThan(44);
      expect(minutes).toBeLessThanOrEqual(45);
      await client.api(`/subscriptions/${created.id}`).delete();
    } finally {
      await receiver.close();
    }
  });

  it('refuses a subscription whose endpoint fails the validation handshake', async () => {
    const e = await expectGraphError(
      client.api('/subscriptions').post({
        changeType: 'created',
        notificationUrl: 'https://localhost:1/nothing',
        resource: `users/${USER}/events`,
        expirationDateTime: new Date(Date.now() + 3600_000).toISOString(),
      }),
    );
    expect(e.statusCode).toBe(400);
    expect(e.code).toBe('ValidationError');
  });
});

describe('request counters', () => {
  it('count Outlook requests per mailbox, $batch items included, and never other users', async () => {
    await emu.control.clearRequests();
    const other = DEMO_TENANT.users.unicode;
    const megan = (await client.api(`/users/${USER}`).select('id').get()) as { id: string };
    await client.api(`/users/${USER}/mailFolders/inbox/messages`).top(1).get();
    await client.api('/$batch').post({
      requests: [
        { id: '1', method: 'GET', url: `/users/${USER}/mailFolders/inbox/messages?$top=1` },
        { id: '2', method: 'GET', url: `/users/${USER}/events?$top=1` },
      ],
    });
    const { byMailbox } = await emu.control.counters();
    expect(byMailbox[megan.id]).toBe(3);
    const zoe = (await client.api(`/users/${other}`).select('id').get()) as { id: string };
    expect(byMailbox[zoe.id]).toBeUndefined();
  });
});

describe('throttle violations', () => {
  it('a 429 on a $batch item does not make its siblings violations; a request after it does', async () => {
    await emu.control.clearRequests();
    const megan = (await client.api(`/users/${USER}`).select('id').get()) as { id: string };
    // The first inbox read in the envelope is throttled for 5 s; the others ride along with it.
    await emu.control.addFault({
      match: `^GET /v1\\.0/users/${megan.id}/mailFolders/inbox/messages`,
      status: 429,
      errorCode: 'ApplicationThrottled',
      retryAfterSeconds: 5,
      count: 1,
    });
    try {
      const batch = (await client.api('/$batch').post({
        requests: ['1', '2', '3'].map((id) => ({
          id,
          method: 'GET',
          url: `/users/${megan.id}/mailFolders/inbox/messages?$top=1`,
        })),
      })) as { responses: { id: string; status: number }[] };
      expect(batch.responses.map((r) => r.status)).toEqual([429, 429, 429]);
      expect(await emu.control.throttleViolations()).toEqual([]);
      // Sent after the client was told to wait (a new envelope, which the SDK does not retry): a violation.
      const again = (await client.api('/$batch').post({
        requests: [
          { id: '1', method: 'GET', url: `/users/${megan.id}/mailFolders/inbox/messages?$top=1` },
        ],
      })) as { responses: { status: number }[] };
      expect(again.responses[0]?.status).toBe(429);
      const violations = await emu.control.throttleViolations();
      expect(violations.map((v) => [v.kind, v.mailbox])).toEqual([['beforeRetryAfter', megan.id]]);
    } finally {
      await emu.control.clearFaults();
      await emu.control.clearRequests();
    }
  });
});
