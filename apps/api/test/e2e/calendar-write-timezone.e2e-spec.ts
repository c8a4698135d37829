import { type INestApplicationContext } from '@nestjs/common';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import {
  type CalendarChannelStatus,
  type CalendarEvent,
  type CalendarWrite,
} from '@rox365/contracts';
import {
  findEventsByExtendedProperty,
  type BoundGraphClient,
  type CalendarGraphEvent,
} from '@rox365/graph-client';
import { DEMO_TENANT } from '@rox365/m365-emulator';

import { ROX_EVENT_ID_PROPERTY } from '../../src/calendar/calendar-write.service';
import { OrgwideGraph } from '../../src/platform/graph/graph.module';
import {
  calendarCycle,
  calendarWriteFinished,
  memberDirectoryIds,
  tenantGraph,
} from '../support/calendar-env';
import { mailboxesSettled, syncFinished } from '../support/directory-env';
import { startApiWithEmulator, type ApiWithEmulator } from '../support/emulator';
import { connectOrg, orgTokens, seedMembers, status, type OrgTokens } from '../support/orgwide';
import { eventually } from '../support/test-app';
import { newOrgId } from '../support/test-env';

const MEGAN = DEMO_TENANT.users.member;
const ZOE = DEMO_TENANT.users.unicode;
const ISAIAH = DEMO_TENANT.users.globalAdmin;
const CAMERON = DEMO_TENANT.users.appAdmin;

/**
 * CAL-W1's wall clock: creates and moves go out as the mailbox's own wall clock and zone name
 * (Windows or IANA, from mailboxSettings), all-day creates midnight to midnight; Outlook keeps
 * the same instant Rox holds.
 */
describe('calendar writes in the mailbox time zone', () => {
  let env: ApiWithEmulator;
  let org: OrgTokens;
  let worker: INestApplicationContext;
  let graph: BoundGraphClient;
  const ids = new Map<string, string>();
  let keyN = 0;
  const key = () => `tz-key-${Date.now()}-${++keyN}`;

  const api = () => env.api.http();
  const auth = () => `Bearer ${org.service}`;
  const create = (body: Record<string, unknown>, member = 'megan') =>
    api().post(`/api/v1/calendar/members/${member}/events`).set('authorization', auth()).send(body);
  const written = async (res: { status: number; body: unknown }) => {
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    const write = await calendarWriteFinished(env, org.service, (res.body as CalendarWrite).id);
    expect(write.status, JSON.stringify(write)).toBe('succeeded');
    return write;
  };
  /** The Outlook event Rox made, read back in a zone of our choosing. */
  const outlookEvent = async (member: string, eventId: string, timeZone: string) => {
    const [event] = await findEventsByExtendedProperty(
      graph,
      ids.get(member) ?? '',
      ROX_EVENT_ID_PROPERTY,
      eventId,
      { timeZone },
    );
    expect(event).toBeDefined();
    return event as CalendarGraphEvent;
  };
  const channel = async (member: string): Promise<CalendarChannelStatus> => {
    const res = await api()
      .get(`/api/v1/calendar/channels/${member}`)
      .set('authorization', `Bearer ${org.admin}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body as CalendarChannelStatus;
  };
  const permissionReport = async () => {
    const res = await api()
      .get('/api/v1/orgwide/permissions')
      .set('authorization', `Bearer ${org.admin}`);
    expect(res.status).toBe(200);
    return res.body as {
      checkedAt: string;
      granted: string[];
      needed: string[];
      missing: { permission: string; disables: string[]; disabledFeatures: string[] }[];
    };
  };
  const roxEvent = async (member: string, eventId: string): Promise<CalendarEvent> => {
    const res = await api()
      .get(`/api/v1/calendar/members/${member}/events`)
      .query({ from: '2027-01-01T00:00:00Z', to: '2027-12-31T00:00:00Z', limit: 200 })
      .set('authorization', auth());
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const event = (res.body.items as CalendarEvent[]).find((e) => e.id === eventId);
    expect(event).toBeDefined();
    return event as CalendarEvent;
  };

  beforeAll(async () => {
    env = await startApiWithEmulator();
    worker = await env.api.startWorker();
    org = await orgTokens(env, newOrgId());
    await env.emu.control.updateUser(env.tenantId, MEGAN, { timeZone: 'Pacific Standard Time' });
    await env.emu.control.updateUser(env.tenantId, ZOE, { timeZone: 'Europe/Berlin' });
    await env.emu.control.updateUser(env.tenantId, ISAIAH, {
      timeZone: 'tzone://Microsoft/Custom',
    });
    await env.emu.control.updateUser(env.tenantId, CAMERON, {
      timeZone: 'W. Europe Standard Time',
    });
    // Reading a mailbox's zone needs MailboxSettings.Read: the admin consent grants it, as the
    // app requests it for two-way calendar sync.
    await seedMembers(env, org, [
      { roxUserId: 'megan', email: MEGAN },
      { roxUserId: 'zoe', email: ZOE },
      { roxUserId: 'isaiah', email: ISAIAH },
      { roxUserId: 'cameron', email: CAMERON },
    ]);
    expect(
      await connectOrg(env, org, {
        settings: { calendarAccess: 'read_write', emailAccess: 'off' },
      }),
    ).toBe('connected');
    const report = await permissionReport();
    expect(report.needed).toContain('MailboxSettings.Read');
    expect(report.granted).toContain('MailboxSettings.Read');
    expect(report.missing).toEqual([]);
    await syncFinished(env, org, null);
    await mailboxesSettled(env, org.orgId);
    for (const [member, id] of await memberDirectoryIds(env, org)) ids.set(member, id);
    graph = tenantGraph(env);
    await calendarCycle(env, worker, org.orgId);
  });
  afterAll(() => env.close());
  beforeEach(async () => {
    await env.emu.control.clearRequests();
  });

  it('creates and moves in a Windows-named zone as its wall clock', async () => {
    const write = await written(
      await create({
        idempotencyKey: key(),
        subject: 'Pacific winter',
        start: '2027-01-14T17:00:00Z',
        end: '2027-01-14T18:00:00Z',
      }),
    );
    const settingsReads = await env.emu.control.requests({ pathContains: '/mailboxSettings' });
    expect(settingsReads.map((r) => [r.method, r.path.replace(/^.*\/users\/[^/]+/, '')])).toEqual([
      ['GET', '/mailboxSettings/timeZone'],
    ]);
    expect(write).toMatchObject({ timeZone: 'Pacific Standard Time', timeZoneIssue: null });
    expect((await channel('megan')).writeTimeZone).toMatchObject({
      zone: 'Pacific Standard Time',
      issue: null,
      reason: null,
      nextAction: null,
    });
    // Outlook keeps the zone it was given: the event reads 09:00 Pacific and was made there.
    const local = await outlookEvent('megan', write.eventId, 'Pacific Standard Time');
    expect(local.originalStartTimeZone).toBe('Pacific Standard Time');
    expect(local.originalEndTimeZone).toBe('Pacific Standard Time');
    expect(local.start?.dateTime).toMatch(/^2027-01-14T09:00:00/);
    expect(local.end?.dateTime).toMatch(/^2027-01-14T10:00:00/);
    const utc = await outlookEvent('megan', write.eventId, 'UTC');
    expect(utc.start?.dateTime).toMatch(/^2027-01-14T17:00:00/);
    await calendarCycle(env, worker, org.orgId);
    const rox = await roxEvent('megan', write.eventId);
    expect(rox.start).toBe('2027-01-14T17:00:00.000Z');
    expect(rox.end).toBe('2027-01-14T18:00:00.000Z');

    // A move goes out in the same zone (summer time here: 18:00Z is 11:00 PDT).
    await written(
      await api()
        .patch(`/api/v1/calendar/members/megan/events/${write.eventId}`)
        .set('authorization', auth())
        .send({
          idempotencyKey: key(),
          start: '2027-07-14T18:00:00Z',
          end: '2027-07-14T19:30:00Z',
        }),
    );
    const moved = await outlookEvent('megan', write.eventId, 'Pacific Standard Time');
    expect(moved.originalStartTimeZone).toBe('Pacific Standard Time');
    expect(moved.start?.dateTime).toMatch(/^2027-07-14T11:00:00/);
    expect(moved.end?.dateTime).toMatch(/^2027-07-14T12:30:00/);
    const movedRox = await roxEvent('megan', write.eventId);
    expect(movedRox.start).toBe('2027-07-14T18:00:00.000Z');
  });

  it('creates in an IANA-named zone under that name', async () => {
    const write = await written(
      await create(
        {
          idempotencyKey: key(),
          subject: 'Berlin summer',
          start: '2027-07-01T08:00:00Z',
          end: '2027-07-01T09:00:00Z',
        },
        'zoe',
      ),
    );
    const local = await outlookEvent('zoe', write.eventId, 'Europe/Berlin');
    expect(local.originalStartTimeZone).toBe('Europe/Berlin');
    expect(local.start?.dateTime).toMatch(/^2027-07-01T10:00:00/);
    const rox = await roxEvent('zoe', write.eventId);
    expect(rox.start).toBe('2027-07-01T08:00:00.000Z');
  });

  it('falls back to UTC when the mailbox zone cannot be converted', async () => {
    const write = await written(
      await create(
        {
          idempotencyKey: key(),
          subject: 'Custom zone',
          start: '2027-02-01T12:00:00Z',
          end: '2027-02-01T13:00:00Z',
        },
        'isaiah',
      ),
    );
    const event = await outlookEvent('isaiah', write.eventId, 'UTC');
    expect(event.originalStartTimeZone).toBe('UTC');
    expect(event.start?.dateTime).toMatch(/^2027-02-01T12:00:00/);
    expect(write).toMatchObject({
      timeZone: 'UTC',
      timeZoneIssue: 'mailbox_time_zone_unconvertible',
    });
    const memberStatus = await channel('isaiah');
    expect(memberStatus.writeTimeZone).toMatchObject({
      zone: 'UTC',
      issue: 'mailbox_time_zone_unconvertible',
      reason: expect.stringContaining('custom or unknown time zone'),
    });
    // The calendar itself syncs fine: only the writes' zone is off.
    expect(memberStatus.status).toBe('ok');
  });

  it('creates all-day events midnight to midnight in the mailbox zone', async () => {
    const write = await written(
      await create({
        idempotencyKey: key(),
        subject: 'Offsite',
        startDate: '2027-01-20',
        endDate: '2027-01-22',
      }),
    );
    const local = await outlookEvent('megan', write.eventId, 'Pacific Standard Time');
    expect(local.isAllDay).toBe(true);
    expect(local.originalStartTimeZone).toBe('Pacific Standard Time');
    expect(local.start?.dateTime).toMatch(/^2027-01-20T00:00:00/);
    expect(local.end?.dateTime).toMatch(/^2027-01-22T00:00:00/);
    await calendarCycle(env, worker, org.orgId);
    const rox = await roxEvent('megan', write.eventId);
    expect(rox.isAllDay).toBe(true);
    expect(rox.startDate).toBe('2027-01-20');
    expect(rox.endDate).toBe('2027-01-22');

    const patch = (body: Record<string, unknown>) =>
      api()
        .patch(`/api/v1/calendar/members/megan/events/${write.eventId}`)
        .set('authorization', auth())
        .send({ idempotencyKey: key(), ...body });
    // An all-day move goes out as dates, midnight to midnight in the mailbox's zone too.
    await written(await patch({ startDate: '2027-01-25', endDate: '2027-01-26' }));
    const moved = await outlookEvent('megan', write.eventId, 'Pacific Standard Time');
    expect(moved.isAllDay).toBe(true);
    expect(moved.start?.dateTime).toMatch(/^2027-01-25T00:00:00/);
    expect(moved.end?.dateTime).toMatch(/^2027-01-26T00:00:00/);
    // Made a timed event: the instants as the mailbox's wall clock (17:00Z is 09:00 PST).
    await written(await patch({ start: '2027-01-27T17:00:00Z', end: '2027-01-27T18:00:00Z' }));
    const timed = await outlookEvent('megan', write.eventId, 'Pacific Standard Time');
    expect(timed.isAllDay).toBe(false);
    expect(timed.start?.dateTime).toMatch(/^2027-01-27T09:00:00/);
    await calendarCycle(env, worker, org.orgId);
    const timedRox = await roxEvent('megan', write.eventId);
    expect(timedRox).toMatchObject({ isAllDay: false, start: '2027-01-27T17:00:00.000Z' });
  });

  it.each([
    ['end before start', { startDate: '2027-01-22', endDate: '2027-01-20' }, 'body.endDate'],
    ['end equal to start', { startDate: '2027-01-20', endDate: '2027-01-20' }, 'body.endDate'],
    [
      'date and time mixed',
      { start: '2027-01-20T09:00:00Z', endDate: '2027-01-21' },
      'body.startDate',
    ],
    [
      'a time in a date',
      { startDate: '2027-01-20T00:00:00Z', endDate: '2027-01-21' },
      'body.startDate',
    ],
    ['startDate alone', { startDate: '2027-01-20' }, 'body.endDate'],
  ])('refuses an all-day create with %s as problem+json', async (_name, dates, path) => {
    const res = await create({ idempotencyKey: key(), subject: 'bad', ...dates });
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    const fieldErrors = (res.body as { errors?: { path: string }[] }).errors ?? [];
    expect(fieldErrors.map((e) => e.path)).toContain(path);
    expect(
      (await env.emu.control.requests({ pathContains: '/events' })).filter(
        (r) => r.method !== 'GET',
      ),
    ).toEqual([]);
  });

  // Last: it takes MailboxSettings.Read away from the file's tenant.
  it('writes in UTC without MailboxSettings.Read, says so on the write and the member status, and the report flags it', async () => {
    const before = await permissionReport();
    await env.emu.control.revokeRole(env.tenantId, 'MailboxSettings.Read');
    // As in Entra, a revoked permission leaves tokens already issued alone: the worker's next
    // token is the first without it.
    worker.get(OrgwideGraph).appTokens.forget(env.tenantId);

    const write = await written(
      await create(
        {
          idempotencyKey: key(),
          subject: 'No settings',
          start: '2027-03-02T12:00:00Z',
          end: '2027-03-02T13:00:00Z',
        },
        'cameron',
      ),
    );
    expect(write).toMatchObject({
      timeZone: 'UTC',
      timeZoneIssue: 'mailbox_time_zone_unavailable',
    });
    const reads = await env.emu.control.requests({ pathContains: '/mailboxSettings' });
    expect(reads.map((r) => r.status)).toEqual([403]);
    const event = await outlookEvent('cameron', write.eventId, 'UTC');
    expect(event.originalStartTimeZone).toBe('UTC');
    expect(event.start?.dateTime).toMatch(/^2027-03-02T12:00:00/);

    const memberStatus = await channel('cameron');
    expect(memberStatus.level).toBe('read_write');
    expect(memberStatus.writeTimeZone).toMatchObject({
      zone: 'UTC',
      issue: 'mailbox_time_zone_unavailable',
      reason: expect.stringContaining('UTC'),
      nextAction: expect.stringContaining('MailboxSettings.Read'),
    });

    // The 403 had the grant re-checked: the report and the org status name what is missing.
    const report = await eventually(async () => {
      const r = await permissionReport();
      return r.checkedAt !== before.checkedAt ? r : null;
    });
    expect(report.granted).not.toContain('MailboxSettings.Read');
    expect(report.missing).toEqual([
      expect.objectContaining({
        permission: 'MailboxSettings.Read',
        disables: ['calendar_time_zone'],
        disabledFeatures: [expect.stringContaining('time zone')],
      }),
    ]);
    const orgStatus = await status(env, org.admin);
    expect(orgStatus.state).toBe('degraded');
    expect(orgStatus.degradedReasons).toEqual([
      expect.objectContaining({
        code: 'PERMISSION_MISSING',
        message: expect.stringContaining('MailboxSettings.Read is not granted'),
      }),
    ]);
    // Two-way sync keeps running: the level is not clamped, and moves still go out (in UTC).
    expect(orgStatus.capabilities).toContain('calendar_write');
    expect((await channel('cameron')).level).toBe('read_write');
  });
});
