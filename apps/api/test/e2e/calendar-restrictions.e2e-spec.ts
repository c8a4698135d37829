import { type INestApplicationContext } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { type CalendarEvent, type CalendarWrite } from '@rox365/contracts';
import { DEMO_TENANT } from '@rox365/m365-emulator';

import { CalendarJobs } from '../../src/calendar/calendar-jobs.service';
import {
  calendarChannels,
  calendarCycle,
  calendarSettled,
  memberDirectoryIds,
} from '../support/calendar-env';
import { mailboxesSettled, syncFinished } from '../support/directory-env';
import { startApiWithEmulator, type ApiWithEmulator } from '../support/emulator';
import {
  connectOrg,
  orgTokens,
  saveSettings,
  seedMembers,
  type OrgTokens,
} from '../support/orgwide';
import { holdRestrictionsLock } from '../support/restrictions-lock';
import { syncRoundsWithCode } from '../support/sync-metrics';
import { eventually } from '../support/test-app';
import { newOrgId } from '../support/test-env';

const MEGAN = DEMO_TENANT.users.member;
const ISAIAH = DEMO_TENANT.users.globalAdmin;
const BIANCA = DEMO_TENANT.users.privilegedRoleAdmin;
const PARTNER = 'partner.example';
const CUSTOMER = 'customer.example';
const DAY = 86_400_000;

/**
 * Events follow mail's rules for restricted domains and users (decision 4.6.1, CAL-R9 with
 * MAIL-S1..S3): an event with a restricted participant is never stored, not even as a busy
 * block; a change of the lists applies to what is stored within one cycle and a lifted
 * restriction re-imports.
 */
describe('calendar: restricted participants', () => {
  let env: ApiWithEmulator;
  let org: OrgTokens;
  let worker: INestApplicationContext;
  let settings: Record<string, unknown>;
  let keyN = 0;

  const cycle = () => calendarCycle(env, worker, org.orgId);
  const day = (d: number, time: string) =>
    `${new Date(Date.now() + d * DAY).toISOString().slice(0, 10)}T${time}`;
  const meeting = (
    owner: string,
    subject: string,
    d: number,
    attendees: string[],
    extra: Record<string, unknown> = {},
  ) =>
    env.emu.control.createEvent(env.tenantId, owner, {
      subject,
      start: day(d, '10:00:00'),
      end: day(d, '11:00:00'),
      timeZone: 'UTC',
      attendees,
      ...extra,
    });
  const daily = (startDay: number) => ({
    recurrence: {
      pattern: { type: 'daily', interval: 1 },
      range: {
        type: 'numbered',
        startDate: day(startDay, '').slice(0, 10),
        numberOfOccurrences: 3,
      },
    },
  });
  const eventsOf = async (member: string): Promise<CalendarEvent[]> => {
    const all: CalendarEvent[] = [];
    let cursor: string | null = null;
    do {
      const res = await env.api
        .http()
        .get(`/api/v1/calendar/members/${member}/events`)
        .query({
          from: new Date(Date.now() - DAY).toISOString(),
          to: new Date(Date.now() + 30 * DAY).toISOString(),
          limit: 200,
          ...(cursor ? { cursor } : {}),
        })
        .set('authorization', `Bearer ${org.service}`);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      all.push(...(res.body.items as CalendarEvent[]));
      cursor = res.body.nextCursor as string | null;
    } while (cursor);
    return all;
  };
  // This file's events (the demo calendars hold others): subjects "A …" to "K …".
  const subjects = async (member: string) =>
    (await eventsOf(member))
      .map((e) => e.subject ?? '')
      .filter((subject) => /^[A-K] /.test(subject))
      .sort();
  // Busy blocks by their start: private events keep no subject.
  const busyAt = async (member: string, d: number) =>
    (await eventsOf(member)).filter(
      (e) => e.isPrivate && e.start === new Date(`${day(d, '10:00:00')}Z`).toISOString(),
    );
  const changeSettings = async (patch: Record<string, unknown>) => {
    settings = { ...settings, ...patch };
    await saveSettings(env, org, settings);
    await mailboxesSettled(env, org.orgId);
  };

  beforeAll(async () => {
    env = await startApiWithEmulator();
    worker = await env.api.startWorker();
    org = await orgTokens(env, newOrgId());
    await seedMembers(env, org, [
      { roxUserId: 'megan', email: MEGAN },
      { roxUserId: 'isaiah', email: ISAIAH },
      { roxUserId: 'bianca', email: BIANCA },
    ]);
    await meeting(MEGAN, 'A clean', 2, [ISAIAH]);
    await meeting(MEGAN, 'B partner', 2, ['Bob@Sub.Partner.Example']);
    await meeting(MEGAN, 'C with Bianca', 2, [BIANCA.toUpperCase()]);
    await meeting(MEGAN, 'D private partner', 3, ['bob@partner.example'], {
      sensitivity: 'private',
    });
    await meeting(MEGAN, 'E partner series', 4, ['bob@partner.example'], daily(4));
    await meeting(MEGAN, 'F customer', 8, ['ann@customer.example']);
    await meeting(MEGAN, 'G customer private', 9, ['ann@customer.example'], {
      sensitivity: 'private',
    });
    await meeting(MEGAN, 'H customer series', 10, ['ann@customer.example'], daily(10));
    await meeting(MEGAN, 'J with Isaiah', 14, [ISAIAH]);
    // Organised by a colleague: Megan's copy and Isaiah's are both kept out.
    await meeting(ISAIAH, 'I partner via Isaiah', 5, [MEGAN, 'carl@partner.example']);
    settings = {
      calendarAccess: 'read_write',
      emailAccess: 'off',
      restrictedDomains: [PARTNER],
      restrictedUsers: [BIANCA],
    };
    expect(await connectOrg(env, org, { settings })).toBe('connected');
    await syncFinished(env, org, null);
    await mailboxesSettled(env, org.orgId);
    await cycle();
  }, 120_000);
  afterAll(() => env.close());

  it('never stores an event with a restricted participant: subdomains, users, busy blocks, series, either mailbox', async () => {
    expect(await subjects('megan')).toEqual([
      'A clean',
      'F customer',
      'H customer series',
      'H customer series',
      'H customer series',
      'J with Isaiah',
    ]);
    expect(await busyAt('megan', 3)).toEqual([]); // D: private, with a partner
    expect(await busyAt('megan', 9)).toHaveLength(1); // G
    expect(await subjects('isaiah')).toEqual(['A clean', 'J with Isaiah']);
    // Nothing about them is kept anywhere: events, series masters.
    const leaks = await env.api.sql<{ n: number }>(
      `select (select count(*) from calendar_event where org_id = ? and (attendees::text ilike any(?) or organizer ilike any(?)))
            + (select count(*) from calendar_series where org_id = ? and fields::text ilike any(?)) as n`,
      [
        org.orgId,
        '{%partner.example%,%bianca%}',
        '{%partner.example%,%bianca%}',
        org.orgId,
        '{%partner.example%,%bianca%}',
      ],
    );
    expect(Number(leaks[0]?.n)).toBe(0);
  });

  it('an event that gains a restricted attendee in Outlook leaves on the next pull', async () => {
    const clean = (await eventsOf('megan')).find((e) => e.subject === 'A clean');
    const [link] = await env.api.sql<{ graph_id: string }>(
      `select graph_id from calendar_event_link where org_id = ? and event_id = ? and rox_user_id = 'megan'`,
      [org.orgId, clean?.id],
    );
    await env.emu.control.updateEvent(env.tenantId, MEGAN, link?.graph_id ?? '', {
      attendees: [ISAIAH, 'carl@partner.example'],
    });
    await cycle();
    expect(await subjects('megan')).not.toContain('A clean');
    expect(await subjects('isaiah')).not.toContain('A clean');
    const [row] = await env.api.sql<{ n: number }>(
      'select count(*)::int as n from calendar_event where org_id = ? and id = ?',
      [org.orgId, clean?.id],
    );
    expect(row?.n).toBe(0);
  });

  it('a domain added to the list purges what is stored within one cycle (receipt), busy blocks included; lifting it re-imports', async () => {
    await changeSettings({ restrictedDomains: [PARTNER, CUSTOMER] });
    await env.emu.control.clearRequests();
    await cycle();
    const stored = await subjects('megan');
    expect(stored.filter((s) => s !== 'J with Isaiah')).toEqual([]);
    // The busy block kept no participants: the full round that followed the change found it.
    expect(await busyAt('megan', 9)).toEqual([]);
    const deltas = await env.emu.control.requests({ pathContains: '/calendarView/delta' });
    expect(deltas.some((r) => r.query.includes('startDateTime'))).toBe(true);
    const [receipt] = await env.api.sql<{ details: Record<string, unknown> }>(
      `select details from audit_entry where org_id = ? and action = 'calendar.restricted_purged' order by created_at desc limit 1`,
      [org.orgId],
    );
    // F and H's three occurrences went from the rows; the series master too.
    expect(receipt?.details).toMatchObject({
      calendar_event: 4,
      calendar_series: 1,
      domains: [CUSTOMER, PARTNER],
    });

    await changeSettings({ restrictedDomains: [PARTNER] });
    await cycle();
    expect(await subjects('megan')).toEqual([
      'F customer',
      'H customer series',
      'H customer series',
      'H customer series',
      'J with Isaiah',
    ]);
    expect(await busyAt('megan', 9)).toHaveLength(1);
  });

  it('a user added to the list: their own calendar leaves scope and their meetings leave the others', async () => {
    await changeSettings({ restrictedUsers: [BIANCA, ISAIAH] });
    await cycle();
    expect(await subjects('megan')).not.toContain('J with Isaiah');
    expect((await calendarChannels(env, org)).get('isaiah')).toMatchObject({
      status: 'not_in_scope',
      eventCount: 0,
    });
    await changeSettings({ restrictedUsers: [BIANCA] });
    await cycle();
    expect(await subjects('megan')).toContain('J with Isaiah');
  });

  it('a meeting Rox creates with a restricted attendee is sent to Outlook but not stored', async () => {
    const res = await env.api
      .http()
      .post('/api/v1/calendar/members/megan/events')
      .set('authorization', `Bearer ${org.service}`)
      .send({
        idempotencyKey: `restricted-create-${++keyN}`,
        subject: 'K partner from Rox',
        start: `${day(6, '15:00:00')}Z`,
        end: `${day(6, '16:00:00')}Z`,
        attendees: [{ email: 'dana@partner.example' }],
      });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    const write = await eventually<CalendarWrite>(
      async () => {
        const r = await env.api
          .http()
          .get(`/api/v1/calendar/writes/${res.body.id as string}`)
          .set('authorization', `Bearer ${org.service}`);
        const w = r.body as CalendarWrite;
        return w.status === 'succeeded' || w.status === 'failed' ? w : null;
      },
      { attempts: 300, intervalMs: 50 },
    );
    expect(write).toMatchObject({ status: 'succeeded', graphWrites: 1 });
    expect(await subjects('megan')).not.toContain('K partner from Rox');
    await cycle();
    expect(await subjects('megan')).not.toContain('K partner from Rox');
  });

  it('a meeting Rox updates to add a restricted attendee is sent to Outlook and its copy dropped', async () => {
    const written = async (res: { status: number; body: { id?: string } }) => {
      expect(res.status, JSON.stringify(res.body)).toBe(202);
      return eventually<CalendarWrite>(
        async () => {
          const r = await env.api
            .http()
            .get(`/api/v1/calendar/writes/${res.body.id ?? ''}`)
            .set('authorization', `Bearer ${org.service}`);
          const w = r.body as CalendarWrite;
          return w.status === 'succeeded' || w.status === 'failed' ? w : null;
        },
        { attempts: 300, intervalMs: 50 },
      );
    };
    const made = await written(
      await env.api
        .http()
        .post('/api/v1/calendar/members/megan/events')
        .set('authorization', `Bearer ${org.service}`)
        .send({
          idempotencyKey: `restricted-update-${++keyN}`,
          subject: 'K later with partner',
          start: `${day(7, '15:00:00')}Z`,
          end: `${day(7, '16:00:00')}Z`,
          attendees: [{ email: ISAIAH }],
        }),
    );
    expect(made.status).toBe('succeeded');
    expect(await subjects('megan')).toContain('K later with partner');
    const changed = await written(
      await env.api
        .http()
        .patch(`/api/v1/calendar/members/megan/events/${made.eventId}`)
        .set('authorization', `Bearer ${org.service}`)
        .send({
          idempotencyKey: `restricted-update-${++keyN}`,
          attendees: [{ email: ISAIAH }, { email: 'dana@partner.example' }],
          notifyAttendees: true,
        }),
    );
    expect(changed).toMatchObject({ status: 'succeeded', graphWrites: 1 });
    expect(await subjects('megan')).not.toContain('K later with partner');
    await cycle();
    expect(await subjects('megan')).not.toContain('K later with partner');
  });
  it('lists that change while a round runs: the round stores nothing under the old lists and the full round follows (CAL-R9)', async () => {
    const megan = (await memberDirectoryIds(env, org)).get('megan') ?? '';
    await meeting(MEGAN, 'K customer late', 6, ['ann@customer.example']);
    // Megan's next round (a full one: no idle $batch reads it first) waits on Graph while the
    // admin restricts the customer's domain.
    await env.api.sql(
      `update calendar_channel set delta_link = null where org_id = ? and rox_user_id = 'megan'`,
      [org.orgId],
    );
    await env.emu.control.addFault({
      match: `GET /v1\\.0/users/${megan}/calendarView/delta`,
      latencyMs: 6_000,
      count: 1,
    });
    const changedRounds = () => syncRoundsWithCode(worker, 'CALENDAR_RESTRICTIONS_CHANGED');
    const before = await changedRounds();
    await worker.get(CalendarJobs).enqueueRefresh(org.orgId);
    await eventually(
      async () => (await calendarChannels(env, org)).get('megan')?.stage === 'running',
      { attempts: 200, intervalMs: 25 },
    );
    await changeSettings({ restrictedDomains: [PARTNER, CUSTOMER] });
    await cycle();

    expect(await subjects('megan')).not.toContain('K customer late');
    // The slow round's page found the lists changed and stored nothing; it ran again in full.
    expect(await changedRounds()).toBeGreaterThan(before);
    expect((await calendarChannels(env, org)).get('megan')).toMatchObject({ status: 'ok' });
    await changeSettings({ restrictedDomains: [PARTNER] });
    await cycle();
    expect(await subjects('megan')).toContain('K customer late');
  });

  it('a member restricted while a page of theirs waits: the cycle takes what that page stored with the old lists (CAL-R9)', async () => {
    // Private: stored as a busy block without participants, so only the purge of Isaiah's own
    // mailbox can find it.
    await meeting(ISAIAH, 'K Isaiah private', 12, [], { sensitivity: 'private' });
    await env.api.sql(
      `update calendar_channel set delta_link = null where org_id = ? and rox_user_id = 'isaiah'`,
      [org.orgId],
    );
    const copies = async () =>
      (
        await env.api.sql<{ n: number }>(
          `select count(*)::int as n from calendar_event_link where org_id = ? and rox_user_id = 'isaiah'`,
          [org.orgId],
        )
      )[0]?.n ?? 0;
    // Another worker's purge of the lists holds them: Isaiah's round, judging with lists that
    // do not restrict him, waits with its first page.
    const held = await holdRestrictionsLock('calendar', org.orgId);
    try {
      await worker.get(CalendarJobs).enqueueRefresh(org.orgId);
      await eventually(async () => (await held.waiters('shared')) === 1, {
        attempts: 400,
        intervalMs: 25,
      });
      // Isaiah is restricted; the cycle that follows waits for the lists too.
      await changeSettings({ restrictedUsers: [BIANCA, ISAIAH] });
      await eventually(async () => (await held.waiters('exclusive')) === 1, {
        attempts: 400,
        intervalMs: 25,
      });
    } finally {
      await held.release();
    }
    await calendarSettled(env, org.orgId);

    // The page stored Isaiah's copies before the cycle applied the lists, and the purge of his
    // mailbox that followed took them (before, it ran first and they stayed a cycle).
    expect(await copies()).toBe(0);
    const [receipt] = await env.api.sql<{ details: Record<string, number> }>(
      `select details from audit_entry where org_id = ? and action = 'calendar.mailbox_purged'
        and target_id = 'isaiah' order by id desc limit 1`,
      [org.orgId],
    );
    expect(receipt?.details.calendar_event_link).toBeGreaterThan(0);
  });
});
