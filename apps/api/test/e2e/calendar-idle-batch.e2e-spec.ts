import { MikroORM } from '@mikro-orm/postgresql';
import { type INestApplicationContext } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { type CalendarEvent } from '@rox365/contracts';

import { calendarChannels, calendarCycle } from '../support/calendar-env';
import { mailboxesSettled, syncFinished } from '../support/directory-env';
import { startApiWithEmulator, type ApiWithEmulator } from '../support/emulator';
import { connectOrg, orgTokens, seedMembers, type OrgTokens } from '../support/orgwide';
import { newOrgId } from '../support/test-env';

const MAILBOXES = 25;
const BATCH = 20;
const DAY = 86_400_000;

/**
 * Idle calendar rounds over many mailboxes: once every channel holds a deltaLink, the org cycle
 * reads them in `$batch`es of 20 instead of one delta request (and one job) per mailbox, and a
 * mailbox with changes still gets them through its own job.
 */
describe('calendar idle rounds in $batch', () => {
  let env: ApiWithEmulator;
  let org: OrgTokens;
  let worker: INestApplicationContext;
  const upns = Array.from(
    { length: MAILBOXES },
    (_, i) => `idle${String(i).padStart(2, '0')}.calendar@contoso.com`,
  );
  const member = (i: number) => `idle${i}`;
  const userIdOf = (upn: string) => env.emu.state.findTenant(env.tenantId)?.findUser(upn)?.id;

  const cycle = () => calendarCycle(env, worker, org.orgId);
  interface ChannelRow {
    rox_user_id: string;
    stage: string;
    delta_link: string;
    last_sync_at: string;
  }
  const channelRows = (): Promise<ChannelRow[]> =>
    env.api.app
      .get(MikroORM)
      .em.fork()
      .getConnection()
      .execute<ChannelRow[]>(
        'select rox_user_id, stage, delta_link, last_sync_at from calendar_channel where org_id = ?',
        [org.orgId],
      );
  const log = async () => {
    const all = await env.emu.control.requests();
    return {
      envelopes: all.filter((r) => !r.batchItem && r.path.endsWith('/$batch')),
      items: all.filter((r) => r.batchItem && r.path.includes('/calendarView/delta')),
      gets: all.filter((r) => !r.batchItem && r.path.includes('/calendarView/delta')),
    };
  };
  const eventsOf = async (roxUserId: string): Promise<CalendarEvent[]> => {
    const res = await env.api
      .http()
      .get(`/api/v1/calendar/members/${roxUserId}/events`)
      .query({
        from: new Date(Date.now() - 30 * DAY).toISOString(),
        to: new Date(Date.now() + 30 * DAY).toISOString(),
        limit: 200,
      })
      .set('authorization', `Bearer ${org.service}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body.items as CalendarEvent[];
  };

  beforeAll(async () => {
    // Cycles in chunks of 20 mailboxes (20 + 5 here): chunking keeps ceil(N/20) $batch requests.
    env = await startApiWithEmulator({ env: { ORG_CYCLE_CHUNK: '20' } });
    worker = await env.api.startWorker();
    org = await orgTokens(env, newOrgId());
    for (const upn of upns) await env.emu.control.addUser(env.tenantId, { userPrincipalName: upn });
    await seedMembers(
      env,
      org,
      upns.map((email, i) => ({ roxUserId: member(i), email })),
    );
    expect(
      await connectOrg(env, org, { settings: { calendarAccess: 'read', emailAccess: 'off' } }),
    ).toBe('connected');
    await syncFinished(env, org, null);
    await mailboxesSettled(env, org.orgId);
    // The first rounds are full ones, one job per mailbox; then every channel holds a deltaLink.
    await cycle();
    const rows = await channelRows();
    expect(rows).toHaveLength(MAILBOXES);
    expect(rows.every((r) => r.stage === 'ok' && /deltatoken=/.test(r.delta_link))).toBe(true);
  }, 180_000);
  afterAll(() => env.close());

  it(`an idle cycle over ${MAILBOXES} mailboxes costs ceil(${MAILBOXES}/${BATCH}) $batch requests and no delta request of its own`, async () => {
    const before = new Map((await channelRows()).map((r) => [r.rox_user_id, r]));
    await env.emu.control.clearRequests();

    await cycle();

    const { envelopes, items, gets } = await log();
    expect(envelopes).toHaveLength(Math.ceil(MAILBOXES / BATCH));
    expect(gets).toEqual([]);
    expect(items).toHaveLength(MAILBOXES);
    expect(new Set(items.map((r) => r.mailbox))).toEqual(new Set(upns.map(userIdOf)));
    for (const item of items) {
      expect(item.status).toBe(200);
      expect(item.query).toMatch(/^\$deltatoken=/);
      // The same headers a round of the channel's own sends.
      expect(item.prefer).toMatch(/IdType="ImmutableId"/);
      expect(item.prefer).toMatch(/odata\.maxpagesize=100/);
      expect(item.prefer).toMatch(/outlook\.timezone="UTC"/);
    }
    // Each channel's round is committed: its last sync moved, its stage says ok.
    for (const row of await channelRows()) {
      expect(row.stage).toBe('ok');
      expect(Date.parse(row.last_sync_at)).toBeGreaterThan(
        Date.parse(before.get(row.rox_user_id)!.last_sync_at),
      );
    }
    const channels = await calendarChannels(env, org);
    for (let i = 0; i < MAILBOXES; i += 1)
      expect(channels.get(member(i))).toMatchObject({ status: 'ok' });
    expect(await env.emu.control.throttleViolations()).toEqual([]);
  });

  it('a change in one mailbox still arrives (its job replays the stored link), and a dead link runs a full round', async () => {
    const changed = upns[3] as string;
    const expired = upns[21] as string;
    const start = new Date(Date.now() + 2 * DAY);
    start.setUTCHours(9, 0, 0, 0);
    await env.emu.control.createEvent(env.tenantId, changed, {
      subject: 'Arrives through the job',
      start: start.toISOString(),
      end: new Date(start.getTime() + 3_600_000).toISOString(),
    });
    await env.emu.control.expireDeltaTokens(env.tenantId, { resource: 'events', user: expired });
    const stored = new Map((await channelRows()).map((r) => [r.rox_user_id, r.delta_link]));
    await env.emu.control.clearRequests();

    await cycle();

    const { envelopes, items, gets } = await log();
    expect(envelopes).toHaveLength(Math.ceil(MAILBOXES / BATCH));
    expect(items).toHaveLength(MAILBOXES);
    const itemOf = (upn: string) => items.find((r) => r.mailbox === userIdOf(upn));
    expect(itemOf(expired)?.status).toBe(410);
    // Only the two mailboxes the batch could not settle were read on their own.
    expect(new Set(gets.map((r) => r.mailbox))).toEqual(
      new Set([userIdOf(changed), userIdOf(expired)]),
    );
    // The job read the very link the batch item read: the one stored before the cycle.
    const replay = gets.find((r) => r.mailbox === userIdOf(changed));
    expect(replay?.query).toBe(itemOf(changed)?.query);
    expect(replay?.query).toBe(new URL(stored.get(member(3)) ?? '').search.slice(1));
    expect(gets.some((r) => r.mailbox === userIdOf(expired) && r.status === 410)).toBe(true);
    expect(
      gets.some((r) => r.mailbox === userIdOf(expired) && r.query.includes('startDateTime')),
    ).toBe(true);

    const events = await eventsOf(member(3));
    expect(events.filter((e) => e.subject === 'Arrives through the job')).toHaveLength(1);
    const channels = await calendarChannels(env, org);
    expect(channels.get(member(3))).toMatchObject({ status: 'ok' });
    expect(channels.get(member(21))).toMatchObject({ status: 'ok' });

    // The next idle cycle is back to batches only, and nothing arrives twice.
    await env.emu.control.clearRequests();
    await cycle();
    const after = await log();
    expect(after.envelopes).toHaveLength(Math.ceil(MAILBOXES / BATCH));
    expect(after.gets).toEqual([]);
    expect(
      (await eventsOf(member(3))).filter((e) => e.subject === 'Arrives through the job'),
    ).toHaveLength(1);
  });
});
