// Change-notification benchmark (`pnpm bench`, scenario `notifications`): the real stack
// (emulator, API, worker, PostgreSQL, Redis) with calendar (read) and mail (metadata) synced for
// N mailboxes, run once with Graph change notifications on and once with them off. Per run:
//
// 1. Idle cost: one calendar cycle and one mail cycle with nothing changed, Graph requests from
//    the emulator's counters, extrapolated to an hour of the crons' cadence (calendar every
//    5 minutes, mail every 10). The app's clock cannot be moved from outside, so an hour is 12
//    calendar and 6 mail cycles, each as measured; renewals and the safety poll are added from
//    their schedules (see docs/notifications.md, "Benchmark").
// 2. Change-to-Rox latency: M changes made as the mailbox's user in Outlook (the emulator's
//    control API: a new meeting, a delivered message, alternating), each read back from the API's
//    change feeds (/api/v1/calendar/changes, /api/v1/mail/changes). Latency = the feed entry's
//    commit time minus the moment before the change was made. On: one change at a time. Off: all
//    changes, then one cycle of each kind queued as the cron would; what is measured is the
//    cycle's share (change → entry, from the cycle's start), to which the wait for the next cron
//    tick (uniform over its interval) adds.
// 3. On only: a burst of 10 messages to one Inbox, 500 ms apart, and the delta requests it cost
//    (the debounce's trade-off: a shorter window folds fewer notifications into one round).
//
// Sizes: BENCH_NOTIF_MAILBOXES=100, BENCH_NOTIF_CHANGES=20, BENCH_NOTIF_MODES=on,off,
// BENCH_NOTIF_DEBOUNCE_MS (unset: the app's default NOTIFICATIONS_DEBOUNCE_MS).
// Quick run: BENCH_NOTIF_MAILBOXES=20 BENCH_NOTIF_CHANGES=10 node bench/notifications.mjs
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { startStack } from '../stack.mjs';
import {
  apiClient,
  assertPortsFree,
  countWhere,
  database,
  emulatorClient,
  fmt,
  graphTotal,
  log,
  mailboxRowsReady,
  ORG,
  percentile,
  queueCalendarCycle,
  queueJob,
  queuesIdle,
  sleep,
  trustEmulatorCa,
  waitFor,
  workerNodeArgs,
} from './kit.mjs';

trustEmulatorCa();

const MAILBOXES = Number(process.env.BENCH_NOTIF_MAILBOXES ?? 100);
const CHANGES = Number(process.env.BENCH_NOTIF_CHANGES ?? 20);
const MODES = (process.env.BENCH_NOTIF_MODES ?? 'on,off').split(',').map((m) => m.trim());
const DEBOUNCE_MS = process.env.BENCH_NOTIF_DEBOUNCE_MS;
// The crons' cadence (calendar.constants, mail.constants) and the defaults the run uses.
const CALENDAR_CYCLES_PER_HOUR = 12;
const MAIL_CYCLES_PER_HOUR = 6;
const SUBSCRIPTION_MINUTES = 4230;
const SAFETY_POLL_MINUTES = 360;
// Calendar + Inbox + Sent Items.
const CHANNELS_PER_MAILBOX = 3;
const NAMED_PEOPLE = 29;
const FEED_POLL_MS = 100;
const CHANGE_TIMEOUT_MS = 60_000;
const BURST = 10;
const BURST_GAP_MS = 500;

process.env.WORKER_CRONS_ENABLED = 'false';

const results = [];
for (const mode of MODES) results.push(await runOne(mode));
printSummary(results);
if (results.some((r) => r.error)) process.exitCode = 1;

async function runOne(mode) {
  const on = mode === 'on';
  const dir = mkdtempSync(join(tmpdir(), 'rox365-bench-notif-'));
  const tenantFile = join(dir, 'tenants.json');
  writeFileSync(
    tenantFile,
    JSON.stringify([
      {
        domain: 'contoso',
        users: NAMED_PEOPLE + MAILBOXES + 5,
        messagesPerMailbox: 5,
        eventsPerMailbox: 5,
      },
    ]),
  );
  log(`notifications ${mode}: starting the stack (${MAILBOXES} mailboxes)`);
  await assertPortsFree([5277, 3104, 4114]);
  const stack = await startStack({
    webPort: 5277,
    apiPort: 3104,
    emulatorPort: 4114,
    database: 'rox365_bench_notifications',
    freshDatabase: true,
    queuePrefix: 'benchnotif',
    emulatorTenantFile: tenantFile,
    notifications: on,
    env: DEBOUNCE_MS ? { NOTIFICATIONS_DEBOUNCE_MS: DEBOUNCE_MS } : {},
    workerNodeArgs,
    log: (line) => process.stderr.write(`${line}\n`),
  });
  const row = { mode, mailboxes: MAILBOXES };
  const db = await database(stack);
  try {
    const api = apiClient(stack);
    const emu = emulatorClient(stack);
    const tenant = (await emu.control('GET', '/tenants'))[0];
    const people = await emu.generatedUsers(tenant.id, MAILBOXES);
    if (people.length < MAILBOXES) throw new Error(`only ${people.length} generated users`);
    await api.createMembers(people.map((p) => p.email));
    await api.saveSettings({ calendarAccess: 'read', emailAccess: 'metadata' });

    // Connect; once the mailbox rows exist, both cycles (as the crons would) and, when on, the
    // subscriptions (as the reconcile cron would, should connect's own reconcile find no rows).
    await api.connect(emu);
    await mailboxRowsReady(db, 'calendar', MAILBOXES);
    await mailboxRowsReady(db, 'mail', MAILBOXES);
    await queueCalendarCycle(stack, ORG);
    await startMailCycle(api);
    await channelsOk(db, mode);
    if (on) {
      await waitFor(
        'subscriptions',
        async () => {
          const { n } = await db.one(
            `select count(*)::int as n from graph_subscription
             where org_id = $1 and state = 'active' and subscription_id is not null`,
            [ORG],
          );
          if (n >= MAILBOXES * CHANNELS_PER_MAILBOX) return true;
          await queueJob(
            stack,
            'notifications',
            'notifications.reconcile-org',
            { orgId: ORG },
            `notifications.reconcile-org:${ORG}`,
          );
          return false;
        },
        { timeoutMs: 10 * 60_000, intervalMs: 5000 },
      );
      row.subscriptions = MAILBOXES * CHANNELS_PER_MAILBOX;
      log(`notifications ${mode}: ${row.subscriptions} subscriptions active`);
    }
    // Creation's catch-up rounds and anything else queued: let it all finish.
    await queuesIdle(stack, ['calendar', 'mail', 'notifications']);
    await channelsOk(db, mode);

    // 1. Idle cost of one calendar cycle and one mail cycle.
    await emu.clearRequests();
    await queueCalendarCycle(stack, ORG);
    await queuesIdle(stack, ['calendar']);
    const calendar = await emu.counters();
    row.calendarCycleGraph = graphTotal(calendar);
    await emu.clearRequests();
    await startMailCycle(api);
    await queuesIdle(stack, ['mail']);
    const mail = await emu.counters();
    row.mailCycleGraph = graphTotal(mail);
    row.idleBatches = countWhere(calendar, /\/\$batch$/) + countWhere(mail, /\/\$batch$/);
    row.pollPerMailboxHour =
      (CALENDAR_CYCLES_PER_HOUR * row.calendarCycleGraph +
        MAIL_CYCLES_PER_HOUR * row.mailCycleGraph) /
      MAILBOXES;
    log(
      `notifications ${mode}: idle calendar cycle ${row.calendarCycleGraph} Graph requests, ` +
        `mail cycle ${row.mailCycleGraph}`,
    );

    // 2. Change-to-Rox latency.
    const feeds = await feedReader(api);
    const changes = [];
    const stamp = Date.now().toString(36);
    const day = new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 10);
    for (let i = 0; i < CHANGES; i++) {
      const person = people[i % people.length];
      const kind = i % 2 === 0 ? 'calendar' : 'mail';
      const subject = `Bench notif ${stamp} ${i}`;
      const at = Date.now();
      if (kind === 'calendar') {
        await emu.control('POST', `/tenants/${tenant.id}/mailboxes/${person.id}/events`, {
          subject,
          start: `${day}T${String(8 + (i % 10)).padStart(2, '0')}:00:00`,
          end: `${day}T${String(8 + (i % 10)).padStart(2, '0')}:30:00`,
          timeZone: 'UTC',
        });
      } else {
        await emu.control('POST', `/tenants/${tenant.id}/mailboxes/${person.id}/messages`, {
          subject,
          from: { name: 'Outside', address: 'someone@fabrikam.example' },
          to: [person.email],
          body: 'Bench',
        });
      }
      const change = { kind, subject, at };
      changes.push(change);
      // On: one change at a time, each until its entry is in the feed.
      if (on) await feeds.until([change], CHANGE_TIMEOUT_MS);
    }
    if (!on) {
      // Off: nothing arrives until a cycle runs (the cron's tick, here queued now).
      await sleep(2000);
      await feeds.poll(changes);
      row.arrivedBeforeCycle = changes.filter((c) => c.entryAt).length;
      const cycleAt = Date.now();
      await queueCalendarCycle(stack, ORG);
      await startMailCycle(api);
      await feeds.until(changes, 10 * 60_000);
      row.cycleShare = changes.map((c) => c.entryAt - cycleAt);
    }
    row.changes = changes.length;
    if (on) {
      row.latencies = changes.map((c) => c.entryAt - c.at);
      row.seen = changes.map((c) => c.seenAt - c.at);
      row.byKind = Object.fromEntries(
        ['calendar', 'mail'].map((k) => [
          k,
          changes.filter((c) => c.kind === k).map((c) => c.entryAt - c.at),
        ]),
      );
    }
    if (on) row.burst = await burst(emu, tenant.id, people[0], feeds, stamp);
    const measured = row.latencies ?? row.cycleShare;
    log(
      `notifications ${mode}: ${on ? 'change' : 'cycle start'} → entry p50 ` +
        `${percentile(measured, 50)} ms, p95 ${percentile(measured, 95)} ms over ${changes.length} changes`,
    );
  } catch (error) {
    row.error =
      error instanceof Error ? `${error.message} ${String(error.cause ?? '')}` : String(error);
    log(`notifications ${mode}: ${row.error}`);
    if (process.env.BENCH_DEBUG) console.error(error);
  } finally {
    await db.close();
    await stack.stop();
  }
  return row;
}

/**
 * The debounce's trade-off: BURST messages delivered to one mailbox, one every BURST_GAP_MS,
 * and the Inbox delta rounds they cost (a longer debounce folds more of them into one round).
 */
async function burst(emu, tenantId, person, feeds, stamp) {
  await emu.clearRequests();
  const pending = [];
  for (let i = 0; i < BURST; i++) {
    const subject = `Bench burst ${stamp} ${i}`;
    pending.push({ kind: 'mail', subject, at: Date.now() });
    await emu.control('POST', `/tenants/${tenantId}/mailboxes/${person.id}/messages`, {
      subject,
      from: { name: 'Outside', address: 'someone@fabrikam.example' },
      to: [person.email],
    });
    await sleep(BURST_GAP_MS);
  }
  await feeds.until(pending, CHANGE_TIMEOUT_MS);
  const rounds = (await emu.control('GET', '/requests?pathContains=%2Fmessages%2Fdelta')).filter(
    (r) => r.mailbox === person.id,
  ).length;
  const latencies = pending.map((c) => c.entryAt - c.at);
  log(`notifications: burst of ${BURST} messages, ${rounds} delta requests`);
  return { rounds, p95: percentile(latencies, 95) };
}

async function startMailCycle(api) {
  const res = await api.call('POST', '/api/v1/orgwide/mail/sync');
  if (res.status !== 202) throw new Error(`mail sync: ${res.status} ${await res.text()}`);
}

/** Every calendar and mail channel synced once and ok. */
async function channelsOk(db, mode) {
  let last = '';
  await waitFor(
    'channels',
    async () => {
      const s = await db.one(
        `select
           (select count(*) from calendar_channel where org_id = $1 and stage = 'ok')::int as calendar,
           (select count(*) from mail_channel where org_id = $1 and stage = 'ok')::int as mail`,
        [ORG],
      );
      const line = `${s.calendar}/${MAILBOXES} calendars, ${s.mail}/${2 * MAILBOXES} folders ok`;
      if (line !== last) log(`notifications ${mode}: ${line}`);
      last = line;
      return s.calendar >= MAILBOXES && s.mail >= 2 * MAILBOXES;
    },
    { timeoutMs: 30 * 60_000, intervalMs: 2000 },
  );
}

/**
 * Reads both change feeds from their heads on, as a Rox backend would, matching created entries
 * to the changes made (calendar entries carry the event; a mail entry's message is read by id).
 */
async function feedReader(api) {
  const get = async (path) => {
    const res = await api.call('GET', path, undefined, api.tokens.service);
    if (res.status !== 200) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    return res.json();
  };
  const cursors = { calendar: undefined, mail: undefined };
  const page = async (kind) => {
    const query = `?limit=500${cursors[kind] ? `&cursor=${cursors[kind]}` : ''}`;
    const body = await get(`/api/v1/${kind}/changes${query}`);
    cursors[kind] = body.nextCursor;
    return body.items;
  };
  // Skip to the heads: only entries after them count.
  for (const kind of ['calendar', 'mail']) while ((await page(kind)).length > 0);

  const poll = async (pending) => {
    const now = Date.now();
    for (const entry of await page('calendar')) {
      if (entry.change !== 'created') continue;
      const c = pending.find((p) => p.kind === 'calendar' && p.subject === entry.event?.subject);
      if (c && !c.entryAt) Object.assign(c, { entryAt: Date.parse(entry.at), seenAt: now });
    }
    for (const entry of await page('mail')) {
      if (entry.change !== 'created') continue;
      const message = await get(`/api/v1/mail/messages/${entry.messageId}`);
      const c = pending.find((p) => p.kind === 'mail' && p.subject === message.subject);
      if (c && !c.entryAt) Object.assign(c, { entryAt: Date.parse(entry.at), seenAt: now });
    }
  };
  return {
    poll,
    async until(pending, timeoutMs) {
      await waitFor(
        'change feed',
        async () => {
          await poll(pending);
          return pending.every((c) => c.entryAt);
        },
        { timeoutMs, intervalMs: FEED_POLL_MS },
      );
    },
  };
}

function printSummary(rows) {
  const lines = ['', `## Change-notification benchmark (${MAILBOXES} mailboxes)`, ''];
  lines.push(`| measure | ${rows.map((r) => `notifications ${r.mode}`).join(' | ')} | goal |`);
  lines.push(`|---|${rows.map(() => '---|').join('')}---|`);
  const line = (label, get, goal = '') =>
    lines.push(`| ${label} | ${rows.map((r) => fmt(get(r))).join(' | ')} | ${goal} |`);
  const renewals = (CHANNELS_PER_MAILBOX * 60) / (SUBSCRIPTION_MINUTES / 2);
  const offIdle = rows.find((r) => r.mode === 'off');
  // The safety poll: every channel's idle round once per SAFETY_POLL_MINUTES, in $batch of 20:
  // what one cycle of each kind costs when every channel is due (the off run's idle cycles).
  const safety = offIdle
    ? ((offIdle.calendarCycleGraph + offIdle.mailCycleGraph) / MAILBOXES) *
      (60 / SAFETY_POLL_MINUTES)
    : null;
  line('idle calendar cycle: Graph requests', (r) => r.calendarCycleGraph);
  line('idle mail cycle: Graph requests', (r) => r.mailCycleGraph);
  line(
    'idle: polling Graph requests per mailbox per hour (12 calendar + 6 mail cycles)',
    (r) => r.pollPerMailboxHour,
    '0 with notifications on',
  );
  line('idle: renewals per mailbox per hour (3 subscriptions, at half of 4,230 min)', (r) =>
    r.mode === 'on' ? renewals : 0,
  );
  line(`idle: safety poll per mailbox per hour (every ${SAFETY_POLL_MINUTES} min)`, (r) =>
    r.mode === 'on' ? safety : 0,
  );
  line('changes made (calendar + mail, alternating)', (r) => r.changes);
  line(
    'change → feed entry, p50 (ms)',
    (r) => percentile(r.latencies ?? [], 50),
    'on: p95 < 5,000',
  );
  line('change → feed entry, p95 (ms)', (r) => percentile(r.latencies ?? [], 95));
  line('change → feed entry, max (ms)', (r) => percentile(r.latencies ?? [], 100));
  line('calendar p95 / mail p95 (ms)', (r) =>
    r.byKind
      ? `${fmt(percentile(r.byKind.calendar, 95))} / ${fmt(percentile(r.byKind.mail, 95))}`
      : null,
  );
  line('change → seen by a reader polling every 100 ms, p95 (ms)', (r) =>
    percentile(r.seen ?? [], 95),
  );
  line(
    `burst: ${BURST} messages to one Inbox, ${BURST_GAP_MS} ms apart: delta requests (2 per mailbox round: Inbox, Sent Items) / p95 (ms)`,
    (r) => (r.burst ? `${r.burst.rounds} / ${fmt(r.burst.p95)}` : null),
  );
  line('off: arrived before a cycle ran', (r) => r.arrivedBeforeCycle);
  line('off: cycle start → feed entry, p95 (ms)', (r) =>
    r.cycleShare ? percentile(r.cycleShare, 95) : null,
  );
  line(
    'off: expected change → entry p95 (0.95 × 5 / 10 min + the cycle’s p95) (ms)',
    (r) =>
      r.cycleShare
        ? `${fmt(0.95 * 300_000 + percentile(r.cycleShare, 95))} / ${fmt(0.95 * 600_000 + percentile(r.cycleShare, 95))}`
        : null,
    'bounded by the cycle',
  );
  for (const r of rows) if (r.error) lines.push('', `Stopped early (${r.mode}): ${r.error}`);
  process.stdout.write(`${lines.join('\n')}\n`);
}
