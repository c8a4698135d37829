import type { Client } from '@microsoft/microsoft-graph-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { DEMO_TENANT, startEmulator, type RunningEmulator } from '../src/index';
import { appToken, graphClient, walkDelta, type Item } from './helpers';

let emu: RunningEmulator;
let client: Client;
const NOW = new Date('2026-03-11T12:00:00Z');
const USER = DEMO_TENANT.users.member;
const WINDOW = 'startDateTime=2026-03-01T00:00:00Z&endDateTime=2026-04-01T00:00:00Z';

beforeAll(async () => {
  emu = await startEmulator({ seed: 'demo', now: NOW });
  await emu.control.adminConsent(DEMO_TENANT.id);
  client = graphClient(emu, () => appToken(emu, DEMO_TENANT.id));
});

afterAll(async () => {
  await emu.stop();
});

describe('calendarView delta paging', () => {
  it('cuts every page at odata.maxpagesize, occurrences of a series included', async () => {
    await emu.control.createEvent(DEMO_TENANT.id, USER, {
      subject: 'Daily paging check',
      start: '2026-03-02T08:00:00',
      end: '2026-03-02T08:15:00',
      timeZone: 'UTC',
      recurrence: {
        pattern: { type: 'daily', interval: 1 },
        range: { type: 'numbered', startDate: '2026-03-02', numberOfOccurrences: 12 },
      },
    });
    const sizes: number[] = [];
    let page = (await client
      .api(`/users/${USER}/calendarView/delta?${WINDOW}`)
      .header('Prefer', 'odata.maxpagesize=4')
      .get()) as { value: Item[]; '@odata.nextLink'?: string };
    const all: Item[] = [];
    for (;;) {
      sizes.push(page.value.length);
      all.push(...page.value);
      const next = page['@odata.nextLink'];
      if (!next) break;
      page = (await client.api(next).header('Prefer', 'odata.maxpagesize=4').get()) as typeof page;
    }
    expect(sizes.slice(0, -1).every((n) => n === 4)).toBe(true);
    expect(sizes.at(-1)).toBeLessThanOrEqual(4);
    const occurrences = all.filter((i) => i.type === 'occurrence');
    expect(new Set(all.map((i) => i.id)).size).toBe(all.length);
    expect(occurrences.length).toBeGreaterThanOrEqual(12);
    // The same round at the default page size brings the same items.
    const whole = await walkDelta(
      client,
      `/users/${USER}/calendarView/delta?${WINDOW}`,
      'odata.maxpagesize=100',
    );
    expect(whole.items.map((i) => i.id).sort()).toEqual(all.map((i) => i.id).sort());
  });
});

describe('response-lost faults', () => {
  it('executes a write, then answers 504: the retry with the same transactionId finds the one event', async () => {
    await emu.control.addFault({
      match: `POST /v1.0/users/${USER}/events$`,
      status: 504,
      afterExecute: true,
      count: 1,
    });
    const body = {
      subject: 'Lost answer',
      start: { dateTime: '2026-03-20T10:00:00', timeZone: 'UTC' },
      end: { dateTime: '2026-03-20T11:00:00', timeZone: 'UTC' },
      transactionId: 'tx-lost-1',
    };
    await emu.control.clearRequests();
    // The Graph SDK retries a 504 on its own: transactionId makes that retry harmless.
    const retry = (await client.api(`/users/${USER}/events`).post(body)) as Item;
    const posts = await emu.control.requests({ pathContains: `/users/${USER}/events` });
    expect(posts.filter((r) => r.method === 'POST').map((r) => r.status)).toEqual([504, 200]);
    const list = (await client.api(`/users/${USER}/events`).top(200).get()) as { value: Item[] };
    expect(list.value.filter((e) => e.subject === 'Lost answer')).toHaveLength(1);
    expect(retry.transactionId).toBe('tx-lost-1');
  });

  it('can drop the connection after the write instead', async () => {
    await emu.control.addFault({
      match: `PATCH /v1.0/users/${USER}/events/`,
      afterExecute: true,
      resetConnection: true,
      count: 1,
    });
    const created = (await client.api(`/users/${USER}/events`).post({
      subject: 'Reset after patch',
      start: { dateTime: '2026-03-21T10:00:00', timeZone: 'UTC' },
      end: { dateTime: '2026-03-21T11:00:00', timeZone: 'UTC' },
    })) as Item;
    await expect(
      client.api(`/users/${USER}/events/${created.id}`).patch({ subject: 'Patched anyway' }),
    ).rejects.toBeDefined();
    const read = (await client.api(`/users/${USER}/events/${created.id}`).get()) as Item;
    expect(read.subject).toBe('Patched anyway');
  });
});

describe('invitation counters', () => {
  it('counts the meeting copies each attendee mailbox receives', async () => {
    const alex = 'alex.wilber@contoso.com';
    await emu.control.clearInvitations(DEMO_TENANT.id);
    const meeting = (await client.api(`/users/${USER}/events`).post({
      subject: 'Counted meeting',
      start: { dateTime: '2026-03-22T10:00:00', timeZone: 'UTC' },
      end: { dateTime: '2026-03-22T11:00:00', timeZone: 'UTC' },
      attendees: [{ emailAddress: { address: alex }, type: 'required' }],
    })) as Item;
    await client.api(`/users/${USER}/events/${meeting.id}`).patch({ subject: 'Counted (v2)' });
    await client.api(`/users/${USER}/events/${meeting.id}`).delete();
    const counts = await emu.control.invitations(DEMO_TENANT.id);
    const alexId = ((await client.api(`/users/${alex}`).get()) as Item).id;
    expect(counts[alexId ?? '']).toEqual({ created: 1, updated: 1, cancelled: 1 });
    // Reads send nothing.
    await client.api(`/users/${alex}/events`).top(5).get();
    expect(await emu.control.invitations(DEMO_TENANT.id)).toEqual(counts);
  });
});

describe('deleted occurrences', () => {
  it("change the master's changeKey; with deletedOccurrenceInDelta 'silent' delta sends no @removed, instances still drop it", async () => {
    const master = await emu.control.createEvent(DEMO_TENANT.id, USER, {
      subject: 'Silent series',
      start: '2026-03-23T09:00:00',
      end: '2026-03-23T09:30:00',
      timeZone: 'UTC',
      recurrence: {
        pattern: { type: 'daily', interval: 1 },
        range: { type: 'numbered', startDate: '2026-03-23', numberOfOccurrences: 4 },
      },
    });
    const first = await walkDelta(
      client,
      `/users/${USER}/calendarView/delta?${WINDOW}`,
      'odata.maxpagesize=100',
    );
    const before = first.items.find((i) => i.id === master.id);
    const occurrences = first.items.filter((i) => i.seriesMasterId === master.id);
    expect(occurrences).toHaveLength(4);
    const doomed = occurrences[1]?.id ?? '';
    await emu.control.updateSettings({ deletedOccurrenceInDelta: 'silent' });
    try {
      await emu.control.deleteEvent(DEMO_TENANT.id, USER, doomed);
      const next = await walkDelta(client, first.deltaLink, 'odata.maxpagesize=100');
      const changed = next.items.find((i) => i.id === master.id);
      expect(changed?.changeKey).not.toBe(before?.changeKey);
      expect(next.items.some((i) => i['@removed'])).toBe(false);
      const instances = (await client
        .api(`/users/${USER}/events/${master.id}/instances?${WINDOW}`)
        .top(50)
        .get()) as { value: Item[] };
      expect(instances.value.map((i) => i.id)).not.toContain(doomed);
      expect(instances.value).toHaveLength(3);
    } finally {
      await emu.control.updateSettings({ deletedOccurrenceInDelta: 'removed' });
    }
  });
});
