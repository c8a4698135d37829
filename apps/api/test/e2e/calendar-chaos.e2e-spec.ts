import { getQueueToken } from '@nestjs/bull';
import { type Queue } from 'bull';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { type CalendarWrite } from '@rox365/contracts';
import { type BoundGraphClient } from '@rox365/graph-client';

import { CalendarJobs, type CalendarJobData } from '../../src/calendar/calendar-jobs.service';
import { QUEUE } from '../../src/platform/queue/queue-names';
import { memberDirectoryIds, tenantGraph } from '../support/calendar-env';
import { syncFinished } from '../support/directory-env';
import { startApiWithEmulator, type ApiWithEmulator } from '../support/emulator';
import {
  connectOrg,
  orgTokens,
  saveSettings,
  seedMembers,
  type OrgTokens,
} from '../support/orgwide';
import { orgQueueQuiet } from '../support/queue-quiet';
import { eventually } from '../support/test-app';
import { newOrgId } from '../support/test-env';
import { type WorkerProcess } from '../support/worker-process';

// Eight mailboxes of the demo tenant, each calendar three times the demo mix (series with
// exceptions and deleted occurrences, all-day, cancelled, other zones): about 210 delta items,
// three pages each.
const PEOPLE = [
  'megan.bowen',
  'alex.wilber',
  'adele.vance',
  'diego.siciliani',
  'grady.archie',
  'henrietta.mueller',
  'isaiah.langer',
  'johanna.lorenz',
];
const memberOf = (local: string) => local.split('.')[0] ?? local;
const emailOf = (local: string) => `${local}@contoso.com`;
const HOUR = 3_600_000;

// Every calendar request Rox makes (delta pages, masters, instances, writes, $batch).
const CALENDAR_PATHS = String.raw`^(GET|POST|PATCH|DELETE) /v1\.0/(users/[^/]+/(calendarView|events|calendar)|\$batch)`;

/**
 * Outlook → Rox and Rox → Outlook under faults: the emulator answers 20 % of calendar requests
 * with 429, 5 % with 503, drops 3 % of connections, expires every mailbox's delta token once, and
 * loses the answers of two creates; a worker process is killed (SIGKILL) in the middle of a round
 * and fresh ones take over. Afterwards Rox holds exactly what Outlook holds: nothing missing,
 * nothing twice, no ghosts, and every attendee got one invitation per meeting.
 */
describe('calendar under chaos (faults, a killed worker, 410s, lost write answers)', () => {
  let env: ApiWithEmulator;
  let org: OrgTokens;
  let graph: BoundGraphClient;
  const workers: WorkerProcess[] = [];
  const ids = new Map<string, string>();
  const outlookPlan = new Map<string, { singles: string[]; series: string; occurrence: string }>();

  const channels = () =>
    env.api.sql<{ rox_user_id: string; stage: string; window_start: Date; window_end: Date }>(
      'select rox_user_id, stage, window_start, window_end from calendar_channel where org_id = ?',
      [org.orgId],
    );
  const queue = () => env.api.app.get<Queue<CalendarJobData>>(getQueueToken(QUEUE.calendar));
  const cycle = () => env.api.app.get(CalendarJobs).enqueueRefresh(org.orgId);
  /** No calendar job of the org waits, runs or waits for a retry, and no re-run is flagged. */
  const quiet = () => orgQueueQuiet(queue(), org.orgId);
  /** Polls until every mailbox's channel is ok and the queue is quiet (a killed worker's jobs come back as stalled). */
  const converged = () =>
    eventually(
      async () => {
        if (!(await quiet())) return false;
        const rows = await channels();
        return rows.length === PEOPLE.length && rows.every((c) => c.stage === 'ok');
      },
      { attempts: 900, intervalMs: 200 },
    );
  const spawnWorker = () => {
    const w = env.api.spawnWorker({ LOG_LEVEL: 'warn' });
    workers.push(w);
    return w;
  };
  const deltaRequests = async () =>
    (await env.emu.control.requests({ pathContains: '/calendarView/delta' })).filter(
      (r) => r.status === 200,
    );
  const create = async (member: string, body: Record<string, unknown>) => {
    const res = await env.api
      .http()
      .post(`/api/v1/calendar/members/${member}/events`)
      .set('authorization', `Bearer ${org.service}`)
      .send(body);
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    return res.body as CalendarWrite;
  };
  const write = async (id: string) => {
    const res = await env.api
      .http()
      .get(`/api/v1/calendar/writes/${id}`)
      .set('authorization', `Bearer ${org.service}`);
    expect(res.status).toBe(200);
    return res.body as CalendarWrite;
  };
  // The raw query answers timestamps as strings or dates.
  const calendarView = async (userId: string, start: Date | string, end: Date | string) =>
    graph.listAll<{ id: string; subject: string | null; iCalUId: string }>(
      graph.url(`/users/${userId}/calendarView`, {
        startDateTime: new Date(start).toISOString(),
        endDateTime: new Date(end).toISOString(),
        $top: 500,
      }),
    );

  beforeAll(async () => {
    env = await startApiWithEmulator({
      emulator: { seed: [{ domain: 'contoso', eventsPerMailbox: 24 }] },
    });
    spawnWorker();
    org = await orgTokens(env, newOrgId());
    await seedMembers(
      env,
      org,
      PEOPLE.map((p) => ({ roxUserId: memberOf(p), email: emailOf(p) })),
    );
    // Calendar off while connecting: the first round must run under the faults below.
    expect(
      await connectOrg(env, org, { settings: { calendarAccess: 'off', emailAccess: 'off' } }),
    ).toBe('connected');
    await syncFinished(env, org, null);
    for (const [member, id] of await memberDirectoryIds(env, org)) ids.set(member, id);
    expect(ids.size).toBe(PEOPLE.length);
    graph = tenantGraph(env);
    // What Outlook's users will change later (read now: the faults would hit the test's reads too).
    for (const member of ['alex', 'diego', 'johanna']) {
      const userId = ids.get(member) ?? '';
      const events = await graph.listAll<{ id: string; type: string; isCancelled: boolean }>(
        graph.url(`/users/${userId}/events`, { $top: 100, $select: 'id,type,isCancelled' }),
      );
      const series = events.find((e) => e.type === 'seriesMaster')?.id ?? '';
      const [occurrence] = await graph.listAll<{ id: string }>(
        graph.url(`/users/${userId}/events/${series}/instances`, {
          startDateTime: new Date(Date.now() - 30 * 24 * HOUR).toISOString(),
          endDateTime: new Date(Date.now() + 60 * 24 * HOUR).toISOString(),
          $top: 5,
        }),
      );
      outlookPlan.set(member, {
        singles: events
          .filter((e) => e.type === 'singleInstance' && !e.isCancelled)
          .slice(0, 3)
          .map((e) => e.id),
        series,
        occurrence: occurrence?.id ?? '',
      });
    }
    await env.emu.control.clearRequests();
  }, 180_000);

  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    await env?.close();
  });

  it('ends with Rox equal to Outlook: 0 missing, 0 duplicates, 0 ghosts, 0 duplicate invitations', async () => {
    const id = (member: string) => ids.get(member) ?? 'missing';
    // Seeded answers lost for two creates (the write happened, the answer did not arrive).
    await env.emu.control.addFault({
      match: `^POST /v1\\.0/users/${id('megan')}/events$`,
      status: 504,
      afterExecute: true,
      count: 1,
    });
    await env.emu.control.addFault({
      match: `^POST /v1\\.0/users/${id('isaiah')}/events$`,
      resetConnection: true,
      afterExecute: true,
      count: 1,
    });
    // Faults are tried in order, each on what the ones before let through: 20 % 429, 5 % 503
    // (0.05 / 0.8) and 3 % resets (0.03 / 0.75) of every calendar request. The emulator's
    // probability is a hash of the fault and the request count, so a run repeats itself.
    await env.emu.control.addFault({
      match: CALENDAR_PATHS,
      probability: 0.2,
      status: 429,
      errorCode: 'ApplicationThrottled',
      retryAfterSeconds: 0.2,
    });
    await env.emu.control.addFault({ match: CALENDAR_PATHS, probability: 0.0625, status: 503 });
    await env.emu.control.addFault({
      match: CALENDAR_PATHS,
      probability: 0.04,
      resetConnection: true,
    });
    // Slow pages, so a round is still going when its worker dies.
    await env.emu.control.addFault({ match: '/calendarView/delta', latencyMs: 150 });

    // 1. The first round under faults; its worker is killed mid-round, fresh ones take over.
    await saveSettings(env, org, { calendarAccess: 'read_write', emailAccess: 'off' });
    await eventually(async () => (await deltaRequests()).length >= 3, {
      attempts: 600,
      intervalMs: 50,
    });
    const busyAtKill = (await channels()).filter((c) => c.stage === 'running').length;
    await workers[0]?.kill();
    expect(busyAtKill).toBeGreaterThan(0);
    spawnWorker();
    spawnWorker();
    await converged();

    // 2. Outlook changes while Rox is not looking: new, renamed, deleted and cancelled meetings,
    // a deleted occurrence and an edited series.
    const tomorrow = new Date(Date.now() + 24 * HOUR).toISOString().slice(0, 10);
    for (const [member, plan] of outlookPlan) {
      await env.emu.control.createEvent(env.tenantId, id(member), {
        subject: `Outlook-only ${member}`,
        start: `${tomorrow}T15:00:00`,
        end: `${tomorrow}T15:30:00`,
        timeZone: 'UTC',
      });
      const [renamed, deleted, cancelled] = plan.singles;
      await env.emu.control.updateEvent(env.tenantId, id(member), renamed ?? '', {
        subject: `Renamed in Outlook by ${member}`,
      });
      await env.emu.control.deleteEvent(env.tenantId, id(member), deleted ?? '');
      await env.emu.control.cancelEvent(env.tenantId, id(member), cancelled ?? '');
      await env.emu.control.updateEvent(env.tenantId, id(member), plan.series, {
        subject: `Series renamed by ${member}`,
      });
      await env.emu.control.deleteEvent(env.tenantId, id(member), plan.occurrence);
    }
    // Every mailbox's delta token dies once (a round in flight restarts on its nextLink).
    for (const member of ids.keys())
      await env.emu.control.expireDeltaTokens(env.tenantId, {
        resource: 'events',
        user: id(member),
      });

    // 3. Rox → Outlook creates, two of them with lost answers, counted invitations from here on.
    await env.emu.control.clearInvitations(env.tenantId);
    const start = (h: number) => new Date(Date.now() + 48 * HOUR + h * HOUR).toISOString();
    const meetings = [
      {
        member: 'megan',
        subject: 'Chaos review (answer lost)',
        attendees: ['alex', 'adele'],
      },
      { member: 'isaiah', subject: 'Chaos retro (connection reset)', attendees: ['megan'] },
      { member: 'grady', subject: 'Chaos planning', attendees: ['henrietta', 'diego'] },
    ];
    const writes = await Promise.all(
      meetings.map((m, n) =>
        create(m.member, {
          idempotencyKey: `chaos-${org.orgId}-${n}`,
          subject: m.subject,
          start: start(n),
          end: start(n + 1),
          attendees: m.attendees.map((a) => ({
            email: emailOf(PEOPLE.find((p) => memberOf(p) === a) ?? a),
          })),
        }),
      ),
    );
    await cycle();
    const done = await Promise.all(
      writes.map((w) =>
        eventually(
          async () => {
            const now = await write(w.id);
            return now.status === 'succeeded' || now.status === 'failed' ? now : null;
          },
          { attempts: 600, intervalMs: 200 },
        ),
      ),
    );
    expect(done.map((w) => w.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    // Rounds until every mailbox has pulled the changes and the invitations (still under faults).
    await converged();
    await cycle();
    await converged();

    // 4. The faults go; nothing runs any more. Compare with Outlook.
    await env.emu.control.clearFaults();
    const log = await env.emu.control.requests();
    const graphLog = log.filter((r) => r.path.startsWith('/v1.0/'));
    // The chaos happened: throttling, outages, resets, lost answers and one 410 per mailbox.
    expect(graphLog.some((r) => r.status === 429)).toBe(true);
    expect(graphLog.some((r) => r.status === 503)).toBe(true);
    expect(graphLog.some((r) => r.status === 0)).toBe(true);
    const gone = new Set(graphLog.filter((r) => r.status === 410).map((r) => r.mailbox));
    expect(gone).toEqual(new Set([...ids.values()]));

    const report: Record<string, { missing: string[]; ghosts: string[] }> = {};
    for (const c of await channels()) {
      const truth = await calendarView(id(c.rox_user_id), c.window_start, c.window_end);
      const held = await env.api.sql<{ graph_id: string }>(
        'select graph_id from calendar_event_link where org_id = ? and rox_user_id = ?',
        [org.orgId, c.rox_user_id],
      );
      const truthIds = new Set(truth.map((e) => e.id));
      const heldIds = new Set(held.map((h) => h.graph_id));
      report[c.rox_user_id] = {
        missing: [...truthIds].filter((x) => !heldIds.has(x)),
        ghosts: [...heldIds].filter((x) => !truthIds.has(x)),
      };
    }
    const empty = Object.fromEntries([...ids.keys()].map((m) => [m, { missing: [], ghosts: [] }]));
    expect(report).toEqual(empty);

    // Nothing twice: no mailbox holds one meeting twice, and each meeting is one Rox event.
    expect(
      await env.api.sql(
        `select rox_user_id, event_id from calendar_event_link where org_id = ?
         group by rox_user_id, event_id having count(*) > 1`,
        [org.orgId],
      ),
    ).toEqual([]);
    expect(
      await env.api.sql(
        `select i_cal_uid, original_start from calendar_event where org_id = ? and i_cal_uid is not null
         group by i_cal_uid, original_start having count(*) > 1`,
        [org.orgId],
      ),
    ).toEqual([]);
    // Each Rox meeting: one Rox event, one event in the organiser's calendar, one copy per attendee.
    for (const m of meetings) {
      const rows = await env.api.sql<{ id: string }>(
        'select id from calendar_event where org_id = ? and subject = ?',
        [org.orgId, m.subject],
      );
      expect(rows, m.subject).toHaveLength(1);
      for (const holder of [m.member, ...m.attendees]) {
        const [c] = (await channels()).filter((x) => x.rox_user_id === holder);
        const copies = (
          await calendarView(id(holder), c?.window_start ?? new Date(), c?.window_end ?? new Date())
        ).filter((e) => e.subject === m.subject);
        expect(copies, `${m.subject} in ${holder}'s calendar`).toHaveLength(1);
      }
    }
    // One invitation per attendee per meeting; Rox's pulls sent none.
    const invited = new Map<string, number>();
    for (const m of meetings)
      for (const a of m.attendees) invited.set(id(a), (invited.get(id(a)) ?? 0) + 1);
    expect(await env.emu.control.invitations(env.tenantId)).toEqual(
      Object.fromEntries(
        [...invited].map(([user, n]) => [user, { created: n, updated: 0, cancelled: 0 }]),
      ),
    );
    // The Outlook-side changes arrived.
    for (const member of outlookPlan.keys()) {
      const subjects = (
        await env.api.sql<{ subject: string }>(
          `select e.subject from calendar_event e join calendar_event_link l
             on l.org_id = e.org_id and l.event_id = e.id
           where e.org_id = ? and l.rox_user_id = ?`,
          [org.orgId, member],
        )
      ).map((r) => r.subject);
      expect(subjects).toContain(`Outlook-only ${member}`);
      expect(subjects).toContain(`Renamed in Outlook by ${member}`);
    }
  }, 600_000);
});
