import type { Client } from '@microsoft/microsoft-graph-client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { DEMO_TENANT, startEmulator, type RunningEmulator } from '../src/index';
import { appToken, graphClient, walkDelta } from './helpers';

// Stored deltaLinks read inside a $batch, as an idle sync round over many mailboxes sends them.
let emu: RunningEmulator;
let client: Client;
const NOW = new Date('2026-03-11T12:00:00Z');
const MEGAN = DEMO_TENANT.users.member;
const ISAIAH = DEMO_TENANT.users.globalAdmin;
const WINDOW = 'startDateTime=2026-03-01T00:00:00Z&endDateTime=2026-04-01T00:00:00Z';
const CALENDAR_PREFER = 'odata.maxpagesize=100, outlook.timezone="UTC", IdType="ImmutableId"';
const MAIL_PREFER = 'odata.maxpagesize=100, IdType="ImmutableId"';

interface BatchItemReply {
  id: string;
  status: number;
  headers: Record<string, string>;
  body?: Record<string, unknown> & { value?: unknown[]; error?: { code: string } };
}

beforeAll(async () => {
  emu = await startEmulator({ seed: 'demo', now: NOW });
  await emu.control.adminConsent(DEMO_TENANT.id);
  client = graphClient(emu, () => appToken(emu, DEMO_TENANT.id));
});

afterAll(async () => {
  await emu.stop();
});

beforeEach(async () => {
  await emu.control.clearFaults();
  await emu.control.clearRequests();
});

// The version-relative form of a link Graph handed out ("/users/…/delta?$deltatoken=…").
const relative = (link: string) => link.slice(`${emu.graphBaseUrl}/v1.0`.length);

async function batch(
  requests: { id: string; url: string; prefer: string }[],
): Promise<Map<string, BatchItemReply>> {
  const res = (await client.api('/$batch').post({
    requests: requests.map((r) => ({
      id: r.id,
      method: 'GET',
      url: r.url,
      headers: { Prefer: r.prefer },
    })),
  })) as { responses: BatchItemReply[] };
  return new Map(res.responses.map((r) => [r.id, r]));
}

async function calendarLink(user: string): Promise<string> {
  return (await walkDelta(client, `/users/${user}/calendarView/delta?${WINDOW}`, CALENDAR_PREFER))
    .deltaLink;
}

async function inboxLink(user: string): Promise<string> {
  return (
    await walkDelta(
      client,
      `/users/${user}/mailFolders/inbox/messages/delta?$select=subject`,
      MAIL_PREFER,
    )
  ).deltaLink;
}

describe('$batch of stored deltaLinks', () => {
  it('answers an idle link with no items and a new deltaLink, in every relative URL form', async () => {
    const calendar = relative(await calendarLink(MEGAN));
    const inbox = relative(await inboxLink(ISAIAH));
    // Mail links name the folder as Graph does: mailFolders('inbox').
    expect(inbox).toMatch(/mailFolders\('inbox'\)\/messages\/delta\?\$deltatoken=/);
    const replies = await batch([
      { id: 'calendar', url: calendar, prefer: CALENDAR_PREFER },
      { id: 'no-slash', url: calendar.slice(1), prefer: CALENDAR_PREFER },
      { id: 'mail', url: inbox, prefer: MAIL_PREFER },
    ]);
    for (const id of ['calendar', 'no-slash', 'mail']) {
      const reply = replies.get(id);
      expect(reply?.status, id).toBe(200);
      expect(reply?.body?.value).toEqual([]);
      expect(reply?.body?.['@odata.nextLink']).toBeUndefined();
      expect(String(reply?.body?.['@odata.deltaLink'])).toMatch(/\$deltatoken=/);
    }
    // Each item is logged with its mailbox and its own Prefer; only the envelope is counted.
    const items = (await emu.control.requests()).filter((r) => r.batchItem);
    expect(items).toHaveLength(3);
    const megan = emu.state.findTenant(DEMO_TENANT.id)?.findUser(MEGAN)?.id;
    expect(items[0]).toMatchObject({ mailbox: megan, status: 200 });
    expect(items[0]?.prefer).toMatch(/outlook\.timezone="UTC"/);
    expect(items[0]?.query).toMatch(/^\$deltatoken=/);
  });

  it('may read the same deltaLink twice: a replay returns the same changes again', async () => {
    const link = await calendarLink(MEGAN);
    const created = await emu.control.createEvent(DEMO_TENANT.id, MEGAN, {
      subject: 'Replayed change',
      start: '2026-03-12T09:00:00Z',
      end: '2026-03-12T10:00:00Z',
    });
    const first = (await batch([{ id: '1', url: relative(link), prefer: CALENDAR_PREFER }])).get(
      '1',
    );
    expect(first?.status).toBe(200);
    const firstIds = (first?.body?.value as { id: string }[]).map((e) => e.id);
    expect(firstIds).toContain(created.id);
    // The job the batch falls back to reads the very same stored link.
    const replay = await walkDelta(client, link, CALENDAR_PREFER);
    expect(replay.items.map((e) => e.id)).toEqual(firstIds);
  });

  it('answers each item on its own: an expired link 410, a version-prefixed or absolute url 400', async () => {
    const megan = await calendarLink(MEGAN);
    const isaiah = await calendarLink(ISAIAH);
    await emu.control.expireDeltaTokens(DEMO_TENANT.id, { resource: 'events', user: ISAIAH });
    const replies = await batch([
      { id: 'idle', url: relative(megan), prefer: CALENDAR_PREFER },
      { id: 'expired', url: relative(isaiah), prefer: CALENDAR_PREFER },
      { id: 'versioned', url: `/v1.0${relative(megan)}`, prefer: CALENDAR_PREFER },
      { id: 'absolute', url: megan, prefer: CALENDAR_PREFER },
    ]);
    expect(replies.get('idle')?.status).toBe(200);
    expect(replies.get('expired')).toMatchObject({
      status: 410,
      body: { error: { code: 'SyncStateNotFound' } },
    });
    expect(replies.get('versioned')).toMatchObject({
      status: 400,
      body: {
        error: { code: 'BadRequest', message: "Resource not found for the segment 'v1.0'." },
      },
    });
    expect(replies.get('absolute')?.status).toBe(400);
  });

  it('applies injected faults to items: a 429 item carries its Retry-After and blocks that mailbox only', async () => {
    const megan = await calendarLink(MEGAN);
    const isaiah = await calendarLink(ISAIAH);
    const meganId = emu.state.findTenant(DEMO_TENANT.id)?.findUser(MEGAN)?.id ?? '';
    await emu.control.addFault({
      match: `GET /v1\\.0/users/${meganId}/calendarView/delta`,
      status: 429,
      errorCode: 'ApplicationThrottled',
      retryAfterSeconds: 30,
      count: 1,
    });
    const replies = await batch([
      { id: 'megan', url: relative(megan), prefer: CALENDAR_PREFER },
      { id: 'isaiah', url: relative(isaiah), prefer: CALENDAR_PREFER },
    ]);
    expect(replies.get('megan')).toMatchObject({
      status: 429,
      headers: { 'retry-after': '30' },
      body: { error: { code: 'ApplicationThrottled' } },
    });
    expect(replies.get('isaiah')?.status).toBe(200);
    // The mailbox stays throttled for the Retry-After, in or out of a batch; the other is not.
    const again = await batch([
      { id: 'megan', url: relative(megan), prefer: CALENDAR_PREFER },
      { id: 'isaiah', url: relative(isaiah), prefer: CALENDAR_PREFER },
    ]);
    expect(again.get('megan')?.status).toBe(429);
    expect(Number(again.get('megan')?.headers['retry-after'])).toBeGreaterThan(0);
    expect(again.get('isaiah')?.status).toBe(200);
    const logged = (await emu.control.requests()).filter((r) => r.batchItem && r.status === 429);
    expect(logged.map((r) => r.mailbox)).toEqual([meganId, meganId]);
  });
});
