import { type INestApplicationContext } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  CalendarChannelStatusSchema,
  CalendarEventPageSchema,
  MyCalendarSyncSchema,
  type CalendarChannelStatus,
} from '@rox365/contracts';
import { DEMO_TENANT } from '@rox365/m365-emulator';

import { calendarChannels, calendarCycle } from '../support/calendar-env';
import { mailboxesSettled, syncFinished } from '../support/directory-env';
import { startApiWithEmulator, type ApiWithEmulator } from '../support/emulator';
import { connectOrg, orgTokens, seedMembers, type OrgTokens } from '../support/orgwide';
import { newOrgId } from '../support/test-env';

const MEGAN = DEMO_TENANT.users.member;
const ZOE = DEMO_TENANT.users.unicode;

/**
 * The calendar status the SPA shows (X-8): one member's channel for the console's per-member
 * details, and "My sync status" (the caller's channel and the last events synced).
 */
describe('calendar status for the console and "My sync status"', () => {
  let env: ApiWithEmulator;
  let org: OrgTokens;
  let worker: INestApplicationContext;
  let megan: string;

  const get = (path: string, token: string) =>
    env.api.http().get(`/api/v1${path}`).set('authorization', `Bearer ${token}`);

  beforeAll(async () => {
    env = await startApiWithEmulator();
    worker = await env.api.startWorker();
    org = await orgTokens(env, newOrgId());
    await seedMembers(env, org, [
      { roxUserId: 'megan', email: MEGAN },
      { roxUserId: 'zoe', email: ZOE },
      { roxUserId: 'ghost', email: 'ghost@contoso.com' },
    ]);
    expect(
      await connectOrg(env, org, { settings: { calendarAccess: 'read', emailAccess: 'off' } }),
    ).toBe('connected');
    await syncFinished(env, org, null);
    const override = await env.api
      .http()
      .put('/api/v1/orgwide/overrides/zoe')
      .set('authorization', `Bearer ${org.admin}`)
      .send({ calendarAccess: 'off', emailAccess: null });
    expect(override.status).toBe(200);
    await mailboxesSettled(env, org.orgId);
    await calendarCycle(env, worker, org.orgId);
    megan = await env.api.tokenFor({ roxUserId: 'megan', orgId: org.orgId, role: 'member' });
  });
  afterAll(() => env.close());

  it('answers one member’s channel as the org list has it: status, counts, last sync', async () => {
    const listed = await calendarChannels(env, org);
    const res = await get('/calendar/channels/megan', org.admin);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const channel = CalendarChannelStatusSchema.parse(res.body);
    expect(channel).toEqual(listed.get('megan'));
    expect(channel).toMatchObject({ status: 'ok', stage: 'ok', inScope: true, level: 'read' });
    expect(channel.eventCount).toBeGreaterThan(0);
    expect(channel.lastSuccessAt).not.toBeNull();
  });

  it('says why a member is not synced and what to do, for an override and an unmapped member', async () => {
    const zoe = CalendarChannelStatusSchema.parse(
      (await get('/calendar/channels/zoe', org.admin)).body,
    );
    expect(zoe).toMatchObject({ status: 'not_in_scope', inScope: false, eventCount: 0 });
    expect(zoe.reason).toBeTruthy();
    expect(zoe.nextAction).toBeTruthy();
    const ghost = (await get('/calendar/channels/ghost', org.admin)).body as CalendarChannelStatus;
    expect(ghost).toMatchObject({ status: 'not_in_scope', stage: 'never' });
    expect(ghost.reason).toBeTruthy();
  });

  it('refuses an unknown member, a member caller and a malformed id as problems', async () => {
    const missing = await get('/calendar/channels/nobody', org.admin);
    expect(missing.status).toBe(404);
    expect(missing.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(missing.body.code).toBe('CALENDAR_MEMBER_NOT_FOUND');
    const member = await get('/calendar/channels/megan', megan);
    expect(member.status).toBe(403);
    expect(member.body.code).toBe('ROLE_NOT_ALLOWED');
    const malformed = await get(`/calendar/channels/${'x'.repeat(300)}`, org.admin);
    expect(malformed.status).toBe(400);
    expect(malformed.body.code).toBe('VALIDATION_FAILED');
  });

  it('reads a member’s events: a page when they have some, empty when none, 404 for no member', async () => {
    const now = Date.now();
    const range = `from=${new Date(now - 400 * 86_400_000).toISOString()}&to=${new Date(now + 99 * 86_400_000).toISOString()}`;
    const events = (id: string) => get(`/calendar/members/${id}/events?${range}`, org.admin);
    const page = CalendarEventPageSchema.parse((await events('megan')).body);
    expect(page.items.length).toBeGreaterThan(0);
    // Zoe is a member with nothing synced: her page is empty, not a problem.
    expect((await events('zoe')).body).toEqual({ items: [], nextCursor: null });
    const missing = await events('nobody');
    expect(missing.status).toBe(404);
    expect(missing.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(missing.body.code).toBe('CALENDAR_MEMBER_NOT_FOUND');
  });

  it('gives a member their own channel and the last events synced, newest change first', async () => {
    const res = await get('/calendar/me', megan);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const mine = MyCalendarSyncSchema.parse(res.body);
    expect(mine.channel).toEqual(
      CalendarChannelStatusSchema.parse((await get('/calendar/channels/megan', org.admin)).body),
    );
    expect(mine.recentEvents.length).toBeGreaterThan(0);
    expect(mine.recentEvents.length).toBeLessThanOrEqual(5);
    for (const event of mine.recentEvents) {
      expect(event.mailboxes.map((m) => m.roxUserId)).toContain('megan');
    }
    const updated = mine.recentEvents.map((e) => e.updatedAt);
    expect(updated).toEqual([...updated].sort().reverse());
  });

  it('pages the console list by member id in SQL: every member once, in order, across cursors', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await get(
        `/calendar/channels?limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        org.admin,
      );
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      const page = res.body as { items: CalendarChannelStatus[]; nextCursor: string | null };
      expect(page.items.length).toBeLessThanOrEqual(1);
      seen.push(...page.items.map((c) => c.roxUserId));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(['ghost', 'megan', 'zoe']);
    expect((await calendarChannels(env, org)).get('zoe')).toMatchObject({
      status: 'not_in_scope',
    });
  });

  it('gives a member out of scope their reason and no events', async () => {
    const zoe = await env.api.tokenFor({ roxUserId: 'zoe', orgId: org.orgId, role: 'member' });
    const mine = MyCalendarSyncSchema.parse((await get('/calendar/me', zoe)).body);
    expect(mine.channel).toMatchObject({ status: 'not_in_scope', eventCount: 0 });
    expect(mine.recentEvents).toEqual([]);
    const stranger = await env.api.tokenFor({
      roxUserId: 'stranger',
      orgId: org.orgId,
      role: 'member',
    });
    const refused = await get('/calendar/me', stranger);
    expect(refused.status).toBe(404);
    expect(refused.body.code).toBe('CALENDAR_MEMBER_NOT_FOUND');
  });
});
