import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { DEMO_TENANT, startEmulator, type RunningEmulator } from '@rox365/m365-emulator';

import {
  calendarViewDeltaRound,
  createEvent,
  deleteEvent,
  DeltaExpiredError,
  findEventsByExtendedProperty,
  getEvent,
  getUser,
  probeMailbox,
  updateEvent,
  type CalendarWindow,
  type GraphClient,
} from '../src/index';
import { buildGraph, rejectionOf } from './helpers';

let emu: RunningEmulator;
let client: GraphClient;
let memberId: string;
const NOW = new Date('2026-11-20T12:00:00Z');
const WINDOW: CalendarWindow = {
  start: new Date('2026-11-01T00:00:00Z'),
  end: new Date('2026-12-31T00:00:00Z'),
};

beforeAll(async () => {
  emu = await startEmulator({ seed: [{ domain: 'contoso', adminConsented: true }], now: NOW });
  client = buildGraph(emu).forTenant(DEMO_TENANT.id);
  memberId = (await getUser(client, DEMO_TENANT.users.member)).id;
});

afterAll(async () => {
  await emu.stop();
});

beforeEach(async () => {
  await emu.control.clearRequests();
});

const MEETING = {
  subject: 'Pipeline review',
  start: { dateTime: '2026-11-24T15:00:00', timeZone: 'UTC' },
  end: { dateTime: '2026-11-24T15:30:00', timeZone: 'UTC' },
};

describe('calendar', () => {
  it('walks calendarView delta rounds and sees created, updated and deleted events', async () => {
    const first = await calendarViewDeltaRound(
      client,
      memberId,
      { window: WINDOW },
      { maxPageSize: 3 },
    );
    expect(first.items.length).toBeGreaterThan(0);
    expect(first.deltaLink).toContain('deltatoken');

    const created = await createEvent(client, memberId, MEETING, 'rox-create-1');
    const second = await calendarViewDeltaRound(client, memberId, { deltaLink: first.deltaLink });
    expect(second.items.map((e) => e.id)).toContain(created.id);

    await updateEvent(client, memberId, created.id, { subject: 'Pipeline review (moved)' });
    await deleteEvent(client, memberId, created.id);
    const third = await calendarViewDeltaRound(client, memberId, { deltaLink: second.deltaLink });
    expect(third.removed.map((r) => r.id)).toContain(created.id);
  });

  it('asks Outlook for immutable ids, merged with other preferences, and not the directory', async () => {
    const outlook = await client.request(`/users/${memberId}/events`, {
      query: { $top: 1 },
      headers: { Prefer: 'outlook.timezone="Pacific Standard Time"' },
    });
    const directory = await client.request(`/users/${memberId}`);

    expect(outlook.headers.get('preference-applied')).toContain('IdType="ImmutableId"');
    expect(outlook.headers.get('preference-applied')).toContain(
      'outlook.timezone="Pacific Standard Time"',
    );
    expect(directory.headers.get('preference-applied') ?? '').not.toContain('IdType');
  });

  it('creates idempotently with a transactionId: a repeated POST returns the same event', async () => {
    const one = await createEvent(client, memberId, MEETING, 'rox-create-idem');
    const two = await createEvent(client, memberId, MEETING, 'rox-create-idem');

    expect(two.id).toBe(one.id);
    expect(one.transactionId).toBe('rox-create-idem');
  });

  it('finds events by a string extended property set on create (quotes escaped)', async () => {
    const tag = 'String {8a1f2c3d-4b5e-4f60-8a7b-9c0d1e2f3a4b} Name RoxEventId';
    const created = await createEvent(
      client,
      memberId,
      { ...MEETING, singleValueExtendedProperties: [{ id: tag, value: "rox'7" }] },
      'rox-create-tagged',
    );
    const found = await findEventsByExtendedProperty(client, memberId, tag, "ROX'7", {
      timeZone: 'UTC',
    });
    expect(found.map((e) => e.id)).toEqual([created.id]);
    expect(await findEventsByExtendedProperty(client, memberId, tag, 'rox-8')).toEqual([]);
  });

  it('rejects a stale If-Match with 412 and accepts the current etag', async () => {
    const created = await createEvent(client, memberId, MEETING, 'rox-create-etag');
    const etag = created['@odata.etag'] ?? '';
    const updated = await updateEvent(client, memberId, created.id, { subject: 'v2' }, { etag });

    const stale = await rejectionOf(
      updateEvent(client, memberId, created.id, { subject: 'v3' }, { etag }),
    );
    expect(stale).toMatchObject({ status: 412, isPreconditionFailed: true });

    await deleteEvent(client, memberId, created.id, { etag: updated['@odata.etag'] ?? '' });
    expect(await rejectionOf(getEvent(client, memberId, created.id))).toMatchObject({
      status: 404,
      isNotFound: true,
    });
  });

  it('throws DeltaExpiredError when the calendar delta token has expired', async () => {
    const round = await calendarViewDeltaRound(client, memberId, { window: WINDOW });
    await emu.control.expireDeltaTokens(DEMO_TENANT.id);

    expect(
      await rejectionOf(calendarViewDeltaRound(client, memberId, { deltaLink: round.deltaLink })),
    ).toBeInstanceOf(DeltaExpiredError);
  });

  it('probes mail and calendar access of a mailbox together', async () => {
    const result = await probeMailbox(client, memberId);

    expect(result).toMatchObject({
      outcome: 'ok',
      mail: { outcome: 'ok' },
      calendar: { outcome: 'ok' },
    });
  });
});
