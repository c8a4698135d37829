import type { Client } from '@microsoft/microsoft-graph-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { DEMO_TENANT, startEmulator, type RunningEmulator } from '../src/index';
import { appToken, expectGraphError, graphClient, walkDelta } from './helpers';

// What mail sync needs from the emulator beyond plain delta: every participant field, headers on
// request, mail placed in the past, custom headers and ids on drafts, and the $filter cap.
let emu: RunningEmulator;
let client: Client;
const USER = DEMO_TENANT.users.member;
const PREFER = 'odata.maxpagesize=50, IdType="ImmutableId"';

beforeAll(async () => {
  emu = await startEmulator({ seed: 'demo' });
  await emu.control.adminConsent(DEMO_TENANT.id);
  client = graphClient(emu, () => appToken(emu, DEMO_TENANT.id));
});

afterAll(async () => {
  await emu.stop();
});

describe('act-as-user delivery with every participant', () => {
  it('returns cc, bcc, replyTo and sender as delivered', async () => {
    const { id } = await emu.control.deliverMail(DEMO_TENANT.id, USER, {
      subject: 'participants',
      from: { name: 'Ann', address: 'ann@fabrikam.com' },
      sender: 'assistant@fabrikam.com',
      cc: ['Cc.Person@Example.org'],
      bcc: ['hidden@example.net'],
      replyTo: ['replies@example.com'],
      internetMessageId: '<fixed-id@fabrikam.com>',
    });
    const m = (await client
      .api(`/users/${USER}/messages/${id}`)
      .header('Prefer', PREFER)
      .select('from,sender,ccRecipients,bccRecipients,replyTo,internetMessageId')
      .get()) as Record<string, unknown>;
    expect(m).toMatchObject({
      from: { emailAddress: { address: 'ann@fabrikam.com' } },
      sender: { emailAddress: { address: 'assistant@fabrikam.com' } },
      ccRecipients: [{ emailAddress: { address: 'Cc.Person@Example.org' } }],
      bccRecipients: [{ emailAddress: { address: 'hidden@example.net' } }],
      replyTo: [{ emailAddress: { address: 'replies@example.com' } }],
      internetMessageId: '<fixed-id@fabrikam.com>',
    });
  });

  it('places mail in the past with receivedDateTime, and refuses a bad date', async () => {
    const { id } = await emu.control.deliverMail(DEMO_TENANT.id, USER, {
      subject: 'old news',
      receivedDateTime: '2020-01-02T03:04:05Z',
    });
    const m = (await client.api(`/users/${USER}/messages/${id}`).get()) as Record<string, unknown>;
    expect(m.receivedDateTime).toBe('2020-01-02T03:04:05Z');
    await expect(
      emu.control.deliverMail(DEMO_TENANT.id, USER, { subject: 'x', receivedDateTime: 'soon' }),
    ).rejects.toThrow(/400/);
  });
});

describe('internetMessageHeaders', () => {
  it('are returned only when selected, with custom X- headers a draft set', async () => {
    const draft = (await client
      .api(`/users/${USER}/messages`)
      .header('Prefer', PREFER)
      .post({
        subject: 'headers',
        body: { contentType: 'text', content: 'hi' },
        toRecipients: [{ emailAddress: { address: 'someone@example.com' } }],
        internetMessageId: '<draft-1@rox.test>',
        internetMessageHeaders: [{ name: 'X-Rox-Send-Id', value: 'k1' }],
      })) as { id: string; internetMessageId: string };
    expect(draft.internetMessageId).toBe('<draft-1@rox.test>');
    const plain = (await client.api(`/users/${USER}/messages/${draft.id}`).get()) as object;
    expect(plain).not.toHaveProperty('internetMessageHeaders');
    const selected = (await client
      .api(`/users/${USER}/messages/${draft.id}`)
      .select('internetMessageHeaders')
      .get()) as { internetMessageHeaders: { name: string; value: string }[] };
    const byName = new Map(selected.internetMessageHeaders.map((h) => [h.name, h.value]));
    expect(byName.get('Message-ID')).toBe('<draft-1@rox.test>');
    expect(byName.get('X-Rox-Send-Id')).toBe('k1');
    expect(byName.get('To')).toContain('someone@example.com');
  });

  it('refuses a custom header that does not start with X-', async () => {
    const error = await expectGraphError(
      client.api(`/users/${USER}/messages`).post({
        subject: 'bad header',
        internetMessageHeaders: [{ name: 'Rox-Send-Id', value: 'k1' }],
      }),
    );
    expect(error).toMatchObject({ statusCode: 400, code: 'InvalidInternetMessageHeader' });
  });
});

describe('message delta with $filter', () => {
  it('stops the first round at the cap, then tracks changes from there', async () => {
    await emu.control.updateSettings({ messageDeltaFilterCap: 5 });
    try {
      const url = `/users/${USER}/mailFolders/inbox/messages/delta?$select=subject&$filter=receivedDateTime ge 2000-01-01T00:00:00Z`;
      const capped = await walkDelta(client, url, 'odata.maxpagesize=2, IdType="ImmutableId"');
      expect(capped.items).toHaveLength(5);
      const unfiltered = await walkDelta(
        client,
        `/users/${USER}/mailFolders/inbox/messages/delta?$select=subject`,
        PREFER,
      );
      expect(unfiltered.items.length).toBeGreaterThan(5);
      const { id } = await emu.control.deliverMail(DEMO_TENANT.id, USER, { subject: 'after' });
      const next = await walkDelta(client, capped.deltaLink, PREFER);
      expect(next.items.map((i) => i.id)).toEqual([id]);
    } finally {
      await emu.control.updateSettings({ messageDeltaFilterCap: 5_000 });
    }
  });
});

describe('a backfill larger than the $filter cap', () => {
  const USER2 = DEMO_TENANT.users.unicode;
  const FROM = '2030-01-01T00:00:00Z';
  const TO = '2030-01-01T00:16:39Z';

  it('bulk mail arrives oldest first; $orderby=receivedDateTime desc makes the capped round the newest', async () => {
    await emu.control.deliverBulkMail(DEMO_TENANT.id, USER2, {
      count: 1000,
      receivedFrom: FROM,
      receivedTo: TO,
      subjectPrefix: 'bulk',
    });
    await emu.control.updateSettings({ messageDeltaFilterCap: 300 });
    try {
      const base = `/users/${USER2}/mailFolders/inbox/messages/delta?$select=subject,receivedDateTime&$filter=receivedDateTime ge ${FROM}`;
      const unordered = await walkDelta(client, base, PREFER);
      expect(unordered.items).toHaveLength(300);
      // Storage order: the oldest bulk messages come first, the newest are missing.
      expect(unordered.items.map((i) => i.subject)).toContain('bulk 0');
      const ordered = await walkDelta(
        client,
        `${base}&$orderby=receivedDateTime desc`,
        'odata.maxpagesize=120, IdType="ImmutableId"',
      );
      expect(ordered.pages).toBe(4);
      expect(ordered.items.map((i) => i.subject)).toEqual(
        Array.from({ length: 300 }, (_, k) => `bulk ${999 - k}`),
      );
      const times = ordered.items.map((i) => Date.parse(String(i.receivedDateTime)));
      expect([...times].sort((a, b) => b - a)).toEqual(times);
    } finally {
      await emu.control.updateSettings({ messageDeltaFilterCap: 5_000 });
    }
  });

  it('a newest-first round re-reads the order after the folder changes (a newer arrival shifts the next page)', async () => {
    const from = '2031-01-01T00:00:00Z';
    await emu.control.deliverBulkMail(DEMO_TENANT.id, USER2, {
      count: 10,
      receivedFrom: from,
      receivedTo: '2031-01-01T00:00:09Z',
      subjectPrefix: 'shift',
    });
    const url = `/users/${USER2}/mailFolders/inbox/messages/delta?$select=subject&$filter=receivedDateTime ge ${from}&$orderby=receivedDateTime desc`;
    const page = async (link: string) =>
      (await client.api(link).header('Prefer', 'odata.maxpagesize=4').get()) as {
        value: { subject: string }[];
        '@odata.nextLink'?: string;
      };
    const first = await page(url);
    expect(first.value.map((m) => m.subject)).toEqual(['shift 9', 'shift 8', 'shift 7', 'shift 6']);
    // Unchanged, the same page again comes from the kept order.
    expect((await page(url)).value.map((m) => m.subject)).toEqual(
      first.value.map((m) => m.subject),
    );
    await emu.control.deliverMail(DEMO_TENANT.id, USER2, {
      subject: 'newest',
      receivedDateTime: '2031-01-02T00:00:00Z',
    });
    // Outlook pages a first round by position: one newer message moves every later one along.
    const second = await page(first['@odata.nextLink'] as string);
    expect(second.value.map((m) => m.subject)).toEqual([
      'shift 6',
      'shift 5',
      'shift 4',
      'shift 3',
    ]);
  });

  it('refuses any other $orderby on message delta', async () => {
    const error = await expectGraphError(
      client
        .api(`/users/${USER2}/mailFolders/inbox/messages/delta?$orderby=subject`)
        .header('Prefer', PREFER)
        .get(),
    );
    expect(error).toMatchObject({ statusCode: 400 });
  });

  it('lists the rest of the window newest first through nextLinks', async () => {
    const older = new Date(Date.parse(FROM) + 300_000).toISOString().slice(0, 19) + 'Z';
    const listed = await walkDelta(
      client,
      `/users/${USER2}/mailFolders/inbox/messages?$select=subject&$top=150&$orderby=receivedDateTime desc&$filter=receivedDateTime ge ${FROM} and receivedDateTime lt ${older}`,
      'IdType="ImmutableId"',
    );
    expect(listed.items).toHaveLength(300);
    expect(listed.pages).toBe(2);
    expect(listed.items[0]?.subject).toBe('bulk 299');
    expect(listed.items.at(-1)?.subject).toBe('bulk 0');
  });

  it('refuses a bulk delivery without a valid window', async () => {
    await expect(
      emu.control.deliverBulkMail(DEMO_TENANT.id, USER2, {
        count: 2,
        receivedFrom: TO,
        receivedTo: FROM,
      }),
    ).rejects.toThrow(/400/);
  });
});

describe('attachments', () => {
  it('lists them, reads one, and serves its raw bytes at $value with its content type', async () => {
    const content = Buffer.from('%PDF-1.4 attachment bytes \u0000\u00ff');
    const { id } = await emu.control.deliverMail(DEMO_TENANT.id, USER, {
      subject: 'with a file',
      attachments: [
        {
          name: 'offer.pdf',
          contentType: 'application/pdf',
          contentBase64: content.toString('base64'),
        },
      ],
    });
    const list = (await client
      .api(`/users/${USER}/messages/${id}/attachments?$select=id,name,contentType,size`)
      .get()) as { value: { id: string; name: string; contentType: string }[] };
    expect(list.value).toEqual([
      expect.objectContaining({ name: 'offer.pdf', contentType: 'application/pdf' }),
    ]);
    const attachmentId = list.value[0]?.id ?? '';
    const token = await appToken(emu, DEMO_TENANT.id);
    const res = await fetch(
      `${emu.graphBaseUrl}/v1.0/users/${USER}/messages/${id}/attachments/${attachmentId}/$value`,
      { headers: { authorization: `Bearer ${token}` } },
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    expect(Buffer.from(await res.arrayBuffer()).equals(content)).toBe(true);
    const missing = await fetch(
      `${emu.graphBaseUrl}/v1.0/users/${USER}/messages/${id}/attachments/nope/$value`,
      { headers: { authorization: `Bearer ${token}` } },
    );
    expect(missing.status).toBe(404);
  });
});

describe('delivery counters', () => {
  it('count the copies each recipient got per internetMessageId, in-tenant and external', async () => {
    await emu.control.clearDeliveries(DEMO_TENANT.id);
    const internetMessageId = '<counted-once@contoso.com>';
    const send = () =>
      client.api(`/users/${USER}/sendMail`).post({
        message: {
          subject: 'counted',
          internetMessageId,
          toRecipients: [{ emailAddress: { address: DEMO_TENANT.users.unicode.toUpperCase() } }],
          ccRecipients: [{ emailAddress: { address: 'partner@example.org' } }],
        },
      });
    await send();
    const once = await emu.control.deliveries(DEMO_TENANT.id, { internetMessageId });
    expect(once.map((d) => [d.recipient, d.count, d.external])).toEqual(
      expect.arrayContaining([
        [DEMO_TENANT.users.unicode.toLowerCase(), 1, false],
        ['partner@example.org', 1, true],
      ]),
    );
    expect(once).toHaveLength(2);
    await send();
    const twice = await emu.control.deliveries(DEMO_TENANT.id, { internetMessageId });
    expect(twice.map((d) => d.count)).toEqual([2, 2]);
    await emu.control.clearDeliveries(DEMO_TENANT.id);
    expect(await emu.control.deliveries(DEMO_TENANT.id)).toEqual([]);
  });
});

describe('request log', () => {
  it('records each Prefer header and every $batch item, without counting items twice', async () => {
    await emu.control.clearRequests();
    await client.api('/$batch').post({
      requests: [
        {
          id: '1',
          method: 'GET',
          url: `/users/${USER}/mailFolders/inbox/messages?$select=id`,
          headers: { Prefer: 'IdType="ImmutableId"' },
        },
      ],
    });
    const logged = await emu.control.requests();
    const item = logged.find((r) => r.batchItem === true);
    expect(item).toMatchObject({ method: 'GET', prefer: 'IdType="ImmutableId"', status: 200 });
    expect(item?.path).toContain(`/users/${USER}/mailFolders/inbox/messages`);
    const counted = Object.keys((await emu.control.counters()).byPath);
    expect(counted.filter((k) => k.includes('mailFolders/inbox/messages'))).toEqual([]);
  });
});

describe('createReply / createReplyAll', () => {
  it('drafts a reply in the conversation, to the sender (all: also the other recipients)', async () => {
    const { id } = await emu.control.deliverMail(DEMO_TENANT.id, USER, {
      subject: 'Question',
      from: { name: 'Ann', address: 'ann@fabrikam.com' },
      to: [USER, 'bob@fabrikam.com'],
      cc: ['carol@fabrikam.com'],
    });
    const original = (await client.api(`/users/${USER}/messages/${id}`).get()) as {
      conversationId: string;
    };
    const reply = (await client
      .api(`/users/${USER}/messages/${id}/createReply`)
      .post({ comment: 'Answer', message: { internetMessageId: '<reply-1@rox.test>' } })) as {
      id: string;
      subject: string;
      isDraft: boolean;
      conversationId: string;
      internetMessageId: string;
      toRecipients: { emailAddress: { address: string } }[];
    };
    expect(reply).toMatchObject({
      subject: 'RE: Question',
      isDraft: true,
      conversationId: original.conversationId,
      internetMessageId: '<reply-1@rox.test>',
    });
    expect(reply.toRecipients.map((r) => r.emailAddress.address)).toEqual(['ann@fabrikam.com']);
    const all = (await client.api(`/users/${USER}/messages/${id}/createReplyAll`).post({})) as {
      toRecipients: { emailAddress: { address: string } }[];
      ccRecipients: { emailAddress: { address: string } }[];
    };
    expect(all.toRecipients.map((r) => r.emailAddress.address)).toEqual([
      'ann@fabrikam.com',
      'bob@fabrikam.com',
    ]);
    expect(all.ccRecipients.map((r) => r.emailAddress.address)).toEqual(['carol@fabrikam.com']);
  });
});

describe('extra folders by well-known name', () => {
  it('serves archive like inbox, and a mailbox without it answers 404 ErrorFolderNotFound for that folder only', async () => {
    const other = DEMO_TENANT.users.unicode;
    const folder = (await client.api(`/users/${other}/mailFolders/archive`).select('id').get()) as {
      id: string;
    };
    const { id } = await emu.control.deliverMail(DEMO_TENANT.id, other, {
      subject: 'filed',
      folder: 'archive',
    });
    const delta = await walkDelta(
      client,
      `/users/${other}/mailFolders('archive')/messages/delta?$select=subject,parentFolderId`,
      PREFER,
    );
    const filed = delta.items.find((m) => m.id === id);
    expect(filed).toMatchObject({ subject: 'filed', parentFolderId: folder.id });

    await emu.control.removeMailFolder(DEMO_TENANT.id, USER, 'archive');
    for (const path of ['mailFolders/archive', 'mailFolders/archive/messages/delta']) {
      const error = await expectGraphError(client.api(`/users/${USER}/${path}`).get());
      expect(error.statusCode).toBe(404);
      expect(error.code).toBe('ErrorFolderNotFound');
    }
    // The other folders are untouched; inbox and sentitems cannot be removed.
    await client
      .api(`/users/${USER}/mailFolders/inbox/messages/delta`)
      .header('Prefer', PREFER)
      .get();
    await expect(emu.control.removeMailFolder(DEMO_TENANT.id, USER, 'inbox')).rejects.toThrow();
  });
});
