import type { Client } from '@microsoft/microsoft-graph-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { DEMO_TENANT, startEmulator, type RunningEmulator } from '../src/index';
import { appToken, expectGraphError, graphClient, walkDelta, type Item } from './helpers';

let emu: RunningEmulator;
let client: Client;
const NOW = new Date('2026-03-11T12:00:00Z'); // a Wednesday
const USER = DEMO_TENANT.users.member;
const WINDOW = 'startDateTime=2026-03-09T00:00:00Z&endDateTime=2026-03-16T00:00:00Z';

beforeAll(async () => {
  emu = await startEmulator({ seed: 'demo', now: NOW });
  await emu.control.adminConsent(DEMO_TENANT.id);
  client = graphClient(emu, () => appToken(emu, DEMO_TENANT.id));
});

afterAll(async () => {
  await emu.stop();
});

function walk(url: string, prefer = 'odata.maxpagesize=5'): ReturnType<typeof walkDelta> {
  return walkDelta(client, url, prefer);
}

describe('calendarView delta', () => {
  it('requires a window on the first call', async () => {
    const e = await expectGraphError(client.api(`/users/${USER}/calendarView/delta`).get());
    expect(e.statusCode).toBe(400);
    expect(e.code).toBe('ErrorInvalidParameter');
  });

  it('returns masters in full, occurrences skeletal, exceptions in full, all-day and cancelled events, then changes', async () => {
    const first = await walk(`/users/${USER}/calendarView/delta?${WINDOW}`);
    expect(first.pages).toBeGreaterThan(1);
    const byType = (t: string): Item[] => first.items.filter((i) => i.type === t);
    const standup = byType('seriesMaster').find((i) => i.subject === 'Daily stand-up');
    expect(standup?.recurrence).toBeTruthy();
    const occurrences = byType('occurrence').filter((i) => i.seriesMasterId === standup?.id);
    expect(occurrences.length).toBe(3); // five weekdays, one moved (exception), one deleted
    expect(Object.keys(occurrences[0] ?? {}).sort()).toEqual([
      '@odata.etag',
      '@odata.type',
      'end',
      'id',
      'seriesMasterId',
      'start',
      'type',
    ]);
    const exception = byType('exception').find((i) => i.seriesMasterId === standup?.id);
    expect(exception?.subject).toBe('Daily stand-up (moved)');
    expect(first.items.find((i) => i.isAllDay === true)).toBeDefined();
    expect(first.items.find((i) => i.isCancelled === true)).toBeDefined();
    expect(
      first.items.find((i) => (i.onlineMeeting as { joinUrl?: string } | null)?.joinUrl),
    ).toBeDefined();
    expect((first.items[0]?.start as { timeZone: string }).timeZone).toBe('UTC');
    expect((first.items[0]?.start as { dateTime: string }).dateTime).toMatch(
      /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.0000000$/,
    );

    const created = await emu.control.createEvent(DEMO_TENANT.id, USER, {
      subject: 'Deal review',
      start: '2026-03-12T15:00:00',
      end: '2026-03-12T16:00:00',
      timeZone: 'Pacific Standard Time',
    });
    const single = first.items.find(
      (i) => i.type === 'singleInstance' && !i.isAllDay && !i.isCancelled,
    );
    await emu.control.updateEvent(DEMO_TENANT.id, USER, single?.id ?? '', { subject: 'Renamed' });
    const cancelled = first.items.find((i) => i.isCancelled === true);
    await emu.control.deleteEvent(DEMO_TENANT.id, USER, cancelled?.id ?? '');
    await emu.control.deleteEvent(DEMO_TENANT.id, USER, occurrences[0]?.id ?? '');

    const second = await walk(first.deltaLink);
    const ids = second.items.map((i) => i.id);
    expect(ids).toContain(created.id);
    expect(second.items.find((i) => i.id === single?.id)?.subject).toBe('Renamed');
    expect(second.items.find((i) => i.id === cancelled?.id)?.['@removed']).toEqual({
      reason: 'deleted',
    });
    expect(second.items.find((i) => i.id === occurrences[0]?.id)?.['@removed']).toEqual({
      reason: 'deleted',
    });
    const third = await walk(second.deltaLink);
    expect(third.items).toHaveLength(0);
  });

  it('answers 410 SyncStateNotFound after the tokens are expired', async () => {
    const first = await walk(`/users/${DEMO_TENANT.users.admin}/calendarView/delta?${WINDOW}`);
    await emu.control.expireDeltaTokens(DEMO_TENANT.id);
    const gone = await expectGraphError(client.api(first.deltaLink).get());
    expect(gone.statusCode).toBe(410);
    expect(gone.code).toBe('SyncStateNotFound');
  });
});

describe('event CRUD', () => {
  const body = {
    subject: 'Idempotent',
    start: { dateTime: '2026-03-13T10:00:00', timeZone: 'W. Europe Standard Time' },
    end: { dateTime: '2026-03-13T11:00:00', timeZone: 'W. Europe Standard Time' },
    transactionId: 'tx-7f3a',
  };

  it('deduplicates creation by transactionId', async () => {
    const a = (await client.api(`/users/${USER}/events`).post(body)) as Item;
    const b = (await client.api(`/users/${USER}/events`).post(body)) as Item;
    expect(b.id).toBe(a.id);
    expect(a.transactionId).toBe('tx-7f3a');
    expect((a.start as { dateTime: string }).dateTime).toBe('2026-03-13T09:00:00.0000000');
  });

  it('answers a mailbox time zone from mailboxSettings (403 without MailboxSettings.Read) and keeps the instant of a Pacific wall clock', async () => {
    await emu.control.updateUser(DEMO_TENANT.id, USER, { timeZone: 'Pacific Standard Time' });
    // The org-wide app requests MailboxSettings.Read, so admin consent granted it; revoked, the
    // next token lacks it.
    await emu.control.revokeRole(DEMO_TENANT.id, 'MailboxSettings.Read');
    const denied = await expectGraphError(
      client.api(`/users/${USER}/mailboxSettings/timeZone`).get(),
    );
    expect(denied.statusCode).toBe(403);
    expect(denied.code).toBe('ErrorAccessDenied');
    await emu.control.grantRoles(DEMO_TENANT.id, ['MailboxSettings.Read']);
    const zone = (await client.api(`/users/${USER}/mailboxSettings/timeZone`).get()) as {
      value: string;
      '@odata.context': string;
    };
    expect(zone.value).toBe('Pacific Standard Time');
    expect(zone['@odata.context']).toMatch(/\/mailboxSettings\/timeZone$/);
    const settings = (await client.api(`/users/${USER}/mailboxSettings`).get()) as Item;
    expect(settings.timeZone).toBe('Pacific Standard Time');
    await emu.control.updateUser(DEMO_TENANT.id, USER, { timeZone: 'Europe/Berlin' });
    const iana = (await client.api(`/users/${USER}/mailboxSettings/timeZone`).get()) as Item;
    expect(iana.value).toBe('Europe/Berlin');

    // 09:00 Pacific in winter is 17:00Z; the event remembers the zone it was made in.
    const created = (await client.api(`/users/${USER}/events`).post({
      subject: 'Pacific',
      start: { dateTime: '2026-01-14T09:00:00', timeZone: 'Pacific Standard Time' },
      end: { dateTime: '2026-01-14T10:00:00', timeZone: 'Pacific Standard Time' },
      transactionId: 'tx-pacific',
    })) as Item;
    const utc = (await client
      .api(`/users/${USER}/events/${created.id}`)
      .header('Prefer', 'outlook.timezone="UTC"')
      .get()) as Item;
    expect(utc.start).toEqual({ dateTime: '2026-01-14T17:00:00.0000000', timeZone: 'UTC' });
    expect(utc.originalStartTimeZone).toBe('Pacific Standard Time');
    await client.api(`/users/${USER}/events/${created.id}`).delete();
  });

  it('honours Prefer: outlook.timezone, If-Match (412) and delete (then 404 ErrorItemNotFound)', async () => {
    const created = (await client
      .api(`/users/${USER}/events`)
      .post({ ...body, transactionId: 'tx-2' })) as Item;
    const local = (await client
      .api(`/users/${USER}/events/${created.id}`)
      .header('Prefer', 'outlook.timezone="Tokyo Standard Time"')
      .get()) as Item;
    expect(local.start).toEqual({
      dateTime: '2026-03-13T18:00:00.0000000',
      timeZone: 'Tokyo Standard Time',
    });
    const updated = (await client
      .api(`/users/${USER}/events/${created.id}`)
      .header('If-Match', created['@odata.etag'] as string)
      .patch({ subject: 'v2' })) as Item;
    expect(updated.changeKey).not.toBe(created.changeKey);
    const stale = await expectGraphError(
      client
        .api(`/users/${USER}/events/${created.id}`)
        .header('If-Match', created['@odata.etag'] as string)
        .patch({ subject: 'v3' }),
    );
    expect(stale.statusCode).toBe(412);
    expect(stale.code).toBe('ErrorIrresolvableConflict');
    await client.api(`/users/${USER}/events/${created.id}`).delete();
    const gone = await expectGraphError(client.api(`/users/${USER}/events/${created.id}`).get());
    expect(gone.statusCode).toBe(404);
    expect(gone.code).toBe('ErrorItemNotFound');
  });

  it("puts invitations on in-tenant attendees' calendars and keeps them in step with the organizer", async () => {
    const alex = 'alex.wilber@contoso.com';
    const meeting = (await client.api(`/users/${USER}/events`).post({
      subject: 'Pricing workshop',
      start: { dateTime: '2026-03-12T13:00:00', timeZone: 'UTC' },
      end: { dateTime: '2026-03-12T14:00:00', timeZone: 'UTC' },
      attendees: [
        { emailAddress: { address: alex, name: 'Alex Wilber' }, type: 'required' },
        {
          emailAddress: { address: 'ravi.shah@fabrikam.com', name: 'Ravi Shah' },
          type: 'optional',
        },
      ],
    })) as Item;
    const find = async (): Promise<Item | undefined> => {
      const list = (await client.api(`/users/${alex}/events`).top(100).get()) as { value: Item[] };
      return list.value.find((e) => e.iCalUId === meeting.iCalUId);
    };
    const copy = await find();
    expect(copy).toMatchObject({
      subject: 'Pricing workshop',
      isOrganizer: false,
      responseStatus: { response: 'notResponded' },
    });
    expect(copy?.id).not.toBe(meeting.id);
    await client
      .api(`/users/${USER}/events/${meeting.id}`)
      .patch({ subject: 'Pricing workshop (v2)' });
    expect((await find())?.subject).toBe('Pricing workshop (v2)');
    await client.api(`/users/${USER}/events/${meeting.id}`).delete();
    expect(await find()).toMatchObject({
      isCancelled: true,
      subject: 'Canceled: Pricing workshop (v2)',
    });
  });

  it('cancels the meeting for attendees a PATCH takes off the list, and invites the ones it adds', async () => {
    const alex = 'alex.wilber@contoso.com';
    const other = DEMO_TENANT.users.globalAdmin;
    const meeting = (await client.api(`/users/${USER}/events`).post({
      subject: 'Roster change',
      start: { dateTime: '2026-03-19T13:00:00', timeZone: 'UTC' },
      end: { dateTime: '2026-03-19T14:00:00', timeZone: 'UTC' },
      attendees: [{ emailAddress: { address: alex }, type: 'required' }],
    })) as Item;
    const copyOf = async (user: string): Promise<Item | undefined> => {
      const list = (await client.api(`/users/${user}/events`).top(200).get()) as { value: Item[] };
      return list.value.find((e) => e.iCalUId === meeting.iCalUId);
    };
    await client.api(`/users/${USER}/events/${meeting.id}`).patch({
      attendees: [{ emailAddress: { address: other }, type: 'optional' }],
    });
    expect(await copyOf(alex)).toMatchObject({
      isCancelled: true,
      subject: 'Canceled: Roster change',
    });
    expect(await copyOf(other)).toMatchObject({ isCancelled: false, subject: 'Roster change' });
    await client.api(`/users/${USER}/events/${meeting.id}`).delete();
  });

  it('expands a recurring series in calendarView and lists its instances', async () => {
    const view = (await client.api(`/users/${USER}/calendarView?${WINDOW}`).top(100).get()) as {
      value: Item[];
    };
    expect(view.value.some((i) => i.type === 'seriesMaster')).toBe(false);
    const master = (await client.api(`/users/${USER}/events`).top(50).get()) as { value: Item[] };
    const series = master.value.find((i) => i.subject === 'Team sync');
    const inst = (await client
      .api(
        `/users/${USER}/events/${series?.id ?? ''}/instances?startDateTime=2026-02-01T00:00:00Z&endDateTime=2026-03-31T00:00:00Z`,
      )
      .top(50)
      .get()) as { value: Item[] };
    // Weekly on Thursdays from 26 Feb: 26 Feb, 5, 12, 19 and 26 Mar.
    expect(inst.value).toHaveLength(5);
    expect(inst.value.every((i) => i.seriesMasterId === series?.id)).toBe(true);
  });
});

describe('meeting responses', () => {
  const alex = 'alex.wilber@contoso.com';
  const meeting = async (subject: string): Promise<{ organizer: Item; copy: Item }> => {
    const organizer = (await client.api(`/users/${USER}/events`).post({
      subject,
      start: { dateTime: '2026-03-17T13:00:00', timeZone: 'UTC' },
      end: { dateTime: '2026-03-17T14:00:00', timeZone: 'UTC' },
      attendees: [{ emailAddress: { address: alex, name: 'Alex Wilber' }, type: 'required' }],
    })) as Item;
    return { organizer, copy: (await alexCopy(organizer)) as Item };
  };
  const alexCopy = async (organizer: Item): Promise<Item | undefined> => {
    const list = (await client.api(`/users/${alex}/events`).top(200).get()) as { value: Item[] };
    return list.value.find((e) => e.iCalUId === organizer.iCalUId);
  };
  const tracked = async (organizer: Item): Promise<unknown> => {
    const now = (await client.api(`/users/${USER}/events/${organizer.id}`).get()) as Item;
    return (now.attendees as { emailAddress: { address: string }; status: unknown }[]).find(
      (a) => a.emailAddress.address === alex,
    )?.status;
  };

  it('accept and tentativelyAccept answer 202 with no body and update both copies', async () => {
    const { organizer, copy } = await meeting('Respond: accept');
    await emu.control.clearRequests();
    const res = await fetch(`${emu.graphBaseUrl}/v1.0/users/${alex}/events/${copy.id}/accept`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${await appToken(emu, DEMO_TENANT.id)}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ comment: 'See you there', sendResponse: true }),
    });
    expect(res.status).toBe(202);
    expect(await res.text()).toBe('');
    const mine = await alexCopy(organizer);
    expect(mine?.responseStatus).toMatchObject({ response: 'accepted' });
    expect(mine?.changeKey).not.toBe(copy.changeKey);
    expect(await tracked(organizer)).toMatchObject({ response: 'accepted' });

    await client
      .api(`/users/${alex}/events/${copy.id}/tentativelyAccept`)
      .post({ sendResponse: true });
    expect((await alexCopy(organizer))?.responseStatus).toMatchObject({
      response: 'tentativelyAccepted',
    });
    expect(await tracked(organizer)).toMatchObject({ response: 'tentativelyAccepted' });
    // The organiser's later update keeps the answer; moving the meeting asks again.
    await client.api(`/users/${USER}/events/${organizer.id}`).patch({ subject: 'Renamed' });
    expect((await alexCopy(organizer))?.responseStatus).toMatchObject({
      response: 'tentativelyAccepted',
    });
    await client.api(`/users/${USER}/events/${organizer.id}`).patch({
      start: { dateTime: '2026-03-17T15:00:00', timeZone: 'UTC' },
      end: { dateTime: '2026-03-17T16:00:00', timeZone: 'UTC' },
    });
    expect((await alexCopy(organizer))?.responseStatus).toMatchObject({
      response: 'notResponded',
    });
  });

  it('without sendResponse the organiser does not learn the answer', async () => {
    const { organizer, copy } = await meeting('Respond: silent');
    await client.api(`/users/${alex}/events/${copy.id}/accept`).post({ sendResponse: false });
    expect((await alexCopy(organizer))?.responseStatus).toMatchObject({ response: 'accepted' });
    expect(await tracked(organizer)).toMatchObject({ response: 'none' });
  });

  it("decline takes the meeting off the attendee's calendar and tells the organiser", async () => {
    const { organizer, copy } = await meeting('Respond: decline');
    const first = await walkDelta(
      client,
      `/users/${alex}/calendarView/delta?${WINDOW.replace('2026-03-16', '2026-03-31')}`,
      'odata.maxpagesize=100',
    );
    await client.api(`/users/${alex}/events/${copy.id}/decline`).post({ comment: 'Away' });
    expect(await alexCopy(organizer)).toBeUndefined();
    expect(await tracked(organizer)).toMatchObject({ response: 'declined' });
    const next = await walkDelta(client, first.deltaLink, 'odata.maxpagesize=100');
    expect(next.items.find((i) => i.id === copy.id)?.['@removed']).toEqual({ reason: 'deleted' });
  });

  it('refuses the organiser (400 ErrorInvalidRequest) and unknown ids (404)', async () => {
    const { organizer } = await meeting('Respond: organiser');
    const own = await expectGraphError(
      client.api(`/users/${USER}/events/${organizer.id}/accept`).post({ sendResponse: true }),
    );
    expect(own.statusCode).toBe(400);
    expect(own.code).toBe('ErrorInvalidRequest');
    const missing = await expectGraphError(
      client.api(`/users/${alex}/events/AAMkAGnothere/decline`).post({}),
    );
    expect(missing.statusCode).toBe(404);
    expect(missing.code).toBe('ErrorItemNotFound');
  });
});

describe('single-value extended properties on events', () => {
  const TAG = 'String {8a1f2c3d-4b5e-4f60-8a7b-9c0d1e2f3a4b} Name RoxEventId';
  const create = (subject: string, value: string): Promise<Item> =>
    client.api(`/users/${USER}/events`).post({
      subject,
      start: { dateTime: '2026-03-18T10:00:00', timeZone: 'UTC' },
      end: { dateTime: '2026-03-18T11:00:00', timeZone: 'UTC' },
      attendees: [{ emailAddress: { address: 'alex.wilber@contoso.com' }, type: 'required' }],
      singleValueExtendedProperties: [{ id: TAG, value }],
    }) as Promise<Item>;
  const eq = (id: string) => `id eq '${id}'`;

  it('are stored on create, shown only through $expand with a filter on the id', async () => {
    const made = await create('Tagged', 'rox-1');
    expect(made.singleValueExtendedProperties).toBeUndefined();
    const plain = (await client.api(`/users/${USER}/events/${made.id}`).get()) as Item;
    expect(plain.singleValueExtendedProperties).toBeUndefined();
    const expanded = (await client
      .api(`/users/${USER}/events/${made.id}`)
      .expand(`singleValueExtendedProperties($filter=${eq(TAG)})`)
      .get()) as Item;
    expect(expanded.singleValueExtendedProperties).toEqual([{ id: TAG, value: 'rox-1' }]);
    // The GUID and keyword ignore case; the name does not.
    const loose = (await client
      .api(`/users/${USER}/events/${made.id}`)
      .expand(
        `singleValueExtendedProperties($filter=${eq(TAG.toUpperCase().replace('ROXEVENTID', 'RoxEventId'))})`,
      )
      .get()) as Item;
    expect(loose.singleValueExtendedProperties).toEqual([{ id: TAG, value: 'rox-1' }]);
    const otherName = (await client
      .api(`/users/${USER}/events/${made.id}`)
      .expand(
        `singleValueExtendedProperties($filter=${eq(TAG.replace('RoxEventId', 'roxeventid'))})`,
      )
      .get()) as Item;
    expect(otherName.singleValueExtendedProperties).toBeUndefined();
    // An invitation copy does not carry the organiser's property.
    const alex = (await client
      .api('/users/alex.wilber@contoso.com/events')
      .expand(`singleValueExtendedProperties($filter=${eq(TAG)})`)
      .top(200)
      .get()) as { value: Item[] };
    const copy = alex.value.find((e) => e.iCalUId === made.iCalUId);
    expect(copy).toBeDefined();
    expect(copy?.singleValueExtendedProperties).toBeUndefined();
  });

  it('find events with $filter=singleValueExtendedProperties/Any(…), values case-insensitive', async () => {
    const a = await create('Tagged A', 'Rox-A');
    await create('Tagged B', 'rox-b');
    const find = async (filter: string) =>
      (
        (await client.api(`/users/${USER}/events`).filter(filter).top(200).get()) as {
          value: Item[];
        }
      ).value;
    const hit = await find(
      `singleValueExtendedProperties/Any(ep: ep/id eq '${TAG}' and ep/value eq 'rox-a')`,
    );
    expect(hit.map((e) => e.id)).toEqual([a.id]);
    expect(hit[0]?.singleValueExtendedProperties).toBeUndefined();
    const started = await find(
      `singleValueExtendedProperties/any(ep:ep/id eq '${TAG}' and startswith(ep/value, 'rox-'))`,
    );
    expect(started.map((e) => e.subject).sort()).toEqual(
      expect.arrayContaining(['Tagged A', 'Tagged B']),
    );
    expect(
      await find(`singleValueExtendedProperties/Any(ep: ep/id eq '${TAG}' and ep/value eq 'nope')`),
    ).toEqual([]);
  });

  it('refuses a malformed property id', async () => {
    const e = await expectGraphError(
      client.api(`/users/${USER}/events`).post({
        subject: 'Bad tag',
        start: { dateTime: '2026-03-18T10:00:00', timeZone: 'UTC' },
        end: { dateTime: '2026-03-18T11:00:00', timeZone: 'UTC' },
        singleValueExtendedProperties: [{ id: 'RoxEventId', value: 'x' }],
      }),
    );
    expect(e.statusCode).toBe(400);
  });
});

describe('benchmark calendars (TenantSpec.eventSeries)', () => {
  it('makes the first events weekly series with one exception each, the rest single meetings', async () => {
    const bench = await startEmulator({
      seed: [
        {
          domain: 'benchcal',
          users: 3,
          eventsPerMailbox: 12,
          eventSeries: { perMailbox: 4, occurrences: 5 },
          adminConsented: true,
        },
      ],
      now: NOW,
    });
    try {
      const tenant = (await bench.control.tenants())[0];
      const tenantId = tenant?.id ?? '';
      const api = graphClient(bench, () => appToken(bench, tenantId));
      const users = (await api.api('/users').top(3).get()) as { value: Item[] };
      const owner = String(users.value[0]?.id);
      const window = 'startDateTime=2026-01-01T00:00:00Z&endDateTime=2027-01-01T00:00:00Z';
      const round = await walkDelta(
        api,
        `/users/${owner}/calendarView/delta?${window}`,
        'odata.maxpagesize=100',
      );
      const count = (t: string): number => round.items.filter((i) => i.type === t).length;
      expect(count('seriesMaster')).toBe(4);
      expect(count('occurrence')).toBe(4 * 4);
      expect(count('exception')).toBe(4);
      expect(count('singleInstance')).toBe(8);
      // 32 items at 100 a page: one request.
      expect(round.pages).toBe(1);
      const exception = round.items.find((i) => i.type === 'exception');
      expect(String(exception?.subject)).toMatch(/^Weekly series \d+ \(moved\)$/);
      // Every event of the calendar is its own meeting.
      const masters = round.items.filter((i) => i.type !== 'occurrence' && i.type !== 'exception');
      expect(new Set(masters.map((i) => i.iCalUId)).size).toBe(masters.length);
    } finally {
      await bench.stop();
    }
  });
});
