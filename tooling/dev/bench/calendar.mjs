// Calendar benchmark (`pnpm bench`, scenario `calendar`): the real stack (emulator, API, worker,
// PostgreSQL, Redis) against a generated tenant whose calendars hold weekly series and single
// meetings. It measures the initial sync after connect, an idle round (nothing changed) and a
// round after changes in some mailboxes: Graph requests against the ideal (from the emulator's
// counters), series hydrations, events/s, the worker's peak RSS and throttle violations.
//
// Sizes: BENCH_CAL_MAILBOXES=1000, BENCH_CAL_EVENTS=200 (Rox events per mailbox, occurrences
// included), BENCH_CAL_SERIES=20 (weekly series per mailbox), BENCH_CAL_OCCURRENCES=5,
// BENCH_CAL_CHANGED=0.1 (share of mailboxes changed before the third round).
// Quick run: BENCH_CAL_MAILBOXES=50 node bench/calendar.mjs
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
  graphTotal,
  log,
  mailboxRowsReady,
  ORG,
  peakRssMb,
  queueCalendarCycle,
  resetPeakRss,
  rssMb,
  sleep,
  table,
  trustEmulatorCa,
  waitFor,
  workerNodeArgs,
} from './kit.mjs';

trustEmulatorCa();

const MAILBOXES = Number(process.env.BENCH_CAL_MAILBOXES ?? 1000);
const EVENTS = Number(process.env.BENCH_CAL_EVENTS ?? 200);
const SERIES = Number(process.env.BENCH_CAL_SERIES ?? 20);
const OCCURRENCES = Number(process.env.BENCH_CAL_OCCURRENCES ?? 5);
const CHANGED = Number(process.env.BENCH_CAL_CHANGED ?? 0.1);
// Rox's Prefer: odata.maxpagesize on calendar delta (apps/api calendar.constants DELTA_PAGE_SIZE).
const PAGE = 100;
const SYNC_TIMEOUT_MS = 60 * 60_000;
// The demo tenant's named people come first; generated users follow them.
const NAMED_PEOPLE = 29;

if (EVENTS < SERIES * OCCURRENCES) throw new Error('BENCH_CAL_EVENTS < series × occurrences');
const RECORDS = EVENTS - SERIES * OCCURRENCES + SERIES;

// Crons off: the benchmark starts each round itself, so no cycle runs between measurements.
process.env.WORKER_CRONS_ENABLED = 'false';

const result = await run();
printSummary(result);
if (result.error) process.exitCode = 1;

async function run() {
  const dir = mkdtempSync(join(tmpdir(), 'rox365-bench-cal-'));
  const tenantFile = join(dir, 'tenants.json');
  writeFileSync(
    tenantFile,
    JSON.stringify([
      {
        domain: 'contoso',
        users: NAMED_PEOPLE + MAILBOXES + 5,
        messagesPerMailbox: 1,
        eventsPerMailbox: RECORDS,
        eventSeries: { perMailbox: SERIES, occurrences: OCCURRENCES },
      },
    ]),
  );
  log(`calendar: starting the stack (${MAILBOXES} mailboxes × ${EVENTS} events)`);
  await assertPortsFree([5274, 3101, 4111]);
  const stack = await startStack({
    webPort: 5274,
    apiPort: 3101,
    emulatorPort: 4111,
    database: 'rox365_bench_calendar',
    freshDatabase: true,
    queuePrefix: 'benchcal',
    emulatorTenantFile: tenantFile,
    workerNodeArgs,
    log: (line) => process.stderr.write(`${line}\n`),
  });
  const row = { mailboxes: MAILBOXES, events: EVENTS, series: SERIES, occurrences: OCCURRENCES };
  const db = await database(stack);
  const worker = stack.processes.worker.pid;
  try {
    const api = apiClient(stack);
    const emu = emulatorClient(stack);
    const tenant = (await emu.control('GET', '/tenants'))[0];
    const people = await emu.generatedUsers(tenant.id, MAILBOXES);
    if (people.length < MAILBOXES) throw new Error(`only ${people.length} generated users`);
    await api.createMembers(people.map((p) => p.email));
    await api.saveSettings({ calendarAccess: 'read', emailAccess: 'off' });
    row.workerBaselineRssMb = rssMb(worker);

    // 1. Initial sync: connect, the directory and mailbox rows follow, then every calendar.
    await emu.clearRequests();
    resetPeakRss(worker);
    const connectedAt = Date.now();
    await api.connect(emu);
    // The cycle connect queues (3 s later) may still run before the mailbox rows exist; queue it
    // once they do, as the cron would (keyed: no second cycle if one is waiting).
    await mailboxRowsReady(db, 'calendar', MAILBOXES);
    row.connectToRowsMs = Date.now() - connectedAt;
    await queueCalendarCycle(stack, ORG);
    log('calendar: connected, rows ready; waiting for every calendar');
    await settled(db, null, MAILBOXES);
    row.connectToSyncedMs = Date.now() - connectedAt;
    const initial = await emu.counters();
    const deltaLog = await emu.control('GET', '/requests?pathContains=%2FcalendarView%2Fdelta');
    const firstDeltaAt = Date.parse(deltaLog[0]?.at ?? new Date().toISOString());
    const ended = await db.one(
      'select extract(epoch from max(updated_at)) * 1000 as at, count(*)::int as n from calendar_event where org_id = $1',
      [ORG],
    );
    row.roxEvents = ended.n;
    row.initialSyncMs = Math.round(Number(ended.at) - firstDeltaAt);
    row.eventsPerSecond = ended.n / (row.initialSyncMs / 1000);
    const perMailbox = await db.rows(
      `select m.rox_user_id,
         (select count(*) from calendar_event_link l where l.org_id = m.org_id and l.rox_user_id = m.rox_user_id)::int as links,
         (select count(*) from calendar_series s where s.org_id = m.org_id and s.rox_user_id = m.rox_user_id)::int as series
       from calendar_channel m where m.org_id = $1`,
      [ORG],
    );
    row.deltaItems = perMailbox.reduce((n, r) => n + r.links + r.series, 0);
    row.idealRequests = perMailbox.reduce(
      (n, r) => n + Math.max(1, Math.ceil((r.links + r.series) / PAGE)),
      0,
    );
    // The initial rounds are the windowed first pages and their nextLinks ($skiptoken); a
    // $deltatoken request during this phase is an extra round a re-queued sync ran.
    const overflowed = deltaLog.length >= 20_000;
    row.initialRoundRequests = deltaLog.filter((r) => !r.query.includes('deltatoken')).length;
    row.extraRoundRequests = deltaLog.filter((r) => r.query.includes('deltatoken')).length;
    row.logOverflowed = overflowed;
    row.hydrations = countWhere(initial, /^GET \/v1\.0\/users\/[^/]+\/events\/[^/]+$/);
    row.instances = countWhere(initial, /\/instances$/);
    row.initialRatio = row.initialRoundRequests / row.idealRequests;
    row.initialGraphTotal = graphTotal(initial);
    row.initialCalendarTotal = calendarRequests(initial);
    row.initialViolations = (await emu.violations()).length;
    row.initialPeakRssMb = peakRssMb(worker);
    log(
      `calendar: initial sync ${row.initialSyncMs} ms, ${row.roxEvents} events, ` +
        `${row.initialRoundRequests} round requests (ideal ${row.idealRequests}), ` +
        `${row.hydrations} hydrations, ${row.extraRoundRequests} extra round requests`,
    );

    // 2. An idle round: nothing changed in any calendar.
    row.idle = await round(stack, db, emu, worker, 'idle');

    // 3. A round after changes in a share of the mailboxes.
    const changed = people.slice(0, Math.max(1, Math.ceil(MAILBOXES * CHANGED)));
    const before = await db.one('select count(*)::int as n from calendar_event where org_id = $1', [
      ORG,
    ]);
    await changeCalendars(emu, tenant.id, changed);
    row.changedMailboxes = changed.length;
    row.changes = await round(stack, db, emu, worker, 'changes');
    const after = await db.one(
      `select count(*)::int as n,
         count(*) filter (where subject like 'Bench new %')::int as created,
         count(*) filter (where subject like 'Bench edit %')::int as edited,
         count(*) filter (where subject like 'Bench series edit %')::int as series_edited
       from calendar_event where org_id = $1`,
      [ORG],
    );
    // Each changed calendar: +2 created, 1 single renamed, 1 single deleted, 1 series renamed.
    row.changesApplied =
      after.n === before.n + changed.length &&
      after.created === 2 * changed.length &&
      after.edited === changed.length &&
      after.series_edited >= changed.length;
    row.changesCheck = `${after.n - before.n} net new (want ${changed.length}), ${after.created} created, ${after.edited} renamed, ${after.series_edited} series occurrences renamed`;
    row.workerPeakRssMb = Math.max(
      row.initialPeakRssMb ?? 0,
      row.idle.peakRssMb ?? 0,
      row.changes.peakRssMb ?? 0,
    );
  } catch (error) {
    row.error =
      error instanceof Error ? `${error.message} ${String(error.cause ?? '')}` : String(error);
    log(`calendar: ${row.error}`);
    if (process.env.BENCH_DEBUG) console.error(error);
  } finally {
    await db.close();
    await stack.stop();
  }
  return row;
}

// Calendar Graph requests: delta pages, masters, instances, and $batch envelopes.
function calendarRequests(counters) {
  return countWhere(counters, /^\S+ \/v1\.0\/(users\/[^/]+\/(calendarView|events)|\$batch)/);
}

/** One calendar cycle for the org, queued as the cron does; measured from the queue to the end. */
async function round(stack, db, emu, worker, label) {
  await emu.clearRequests();
  resetPeakRss(worker);
  const { now } = await db.one('select now() as now');
  const started = Date.now();
  await queueCalendarCycle(stack, ORG);
  await settled(db, now, MAILBOXES);
  // Until the last channel's success, not until the benchmark's poll noticed it.
  const { last } = await db.one(
    'select extract(epoch from max(last_sync_at)) * 1000 as last from calendar_channel where org_id = $1',
    [ORG],
  );
  const ms = Math.round(Number(last) - started);
  const counters = await emu.counters();
  const out = {
    ms,
    graphTotal: graphTotal(counters),
    calendarTotal: calendarRequests(counters),
    deltaRequests: countWhere(counters, /\/calendarView\/delta$/),
    batchRequests: countWhere(counters, /\/\$batch$/),
    hydrations: countWhere(counters, /^GET \/v1\.0\/users\/[^/]+\/events\/[^/]+$/),
    instances: countWhere(counters, /\/instances$/),
    violations: (await emu.violations()).length,
    peakRssMb: peakRssMb(worker),
  };
  out.perMailbox = out.graphTotal / MAILBOXES;
  log(
    `calendar: ${label} round ${ms} ms, ${out.graphTotal} Graph requests ` +
      `(${out.deltaRequests} delta, ${out.batchRequests} $batch, ${out.hydrations} hydrations, ${out.instances} instances)`,
  );
  return out;
}

/**
 * Waits until every mailbox's channel is ok and, when `since` is given, synced after it; and
 * stays so for two polls (a re-queued sync may follow the first success).
 */
async function settled(db, since, expected) {
  let steady = 0;
  let last = '';
  await waitFor(
    'calendar sync',
    async () => {
      const s = await db.one(
        `select count(*) filter (where stage = 'ok' and ($2::timestamptz is null or last_sync_at >= $2))::int as ok,
           count(*) filter (where stage = 'failed')::int as failed,
           count(*) filter (where stage in ('queued', 'running'))::int as busy,
           count(*)::int as total
         from calendar_channel where org_id = $1`,
        [ORG, since],
      );
      const line = `${s.ok}/${expected} ok, ${s.busy} busy, ${s.failed} failed`;
      if (line !== last) log(`calendar: ${line}`);
      last = line;
      steady = s.ok === expected && s.busy === 0 ? steady + 1 : 0;
      return steady >= 2;
    },
    { timeoutMs: SYNC_TIMEOUT_MS, intervalMs: 2000 },
  );
}

/** In each given mailbox, as its user in Outlook: 2 new meetings, 1 renamed, 1 deleted, 1 series renamed. */
async function changeCalendars(emu, tenantId, people) {
  const stamp = Date.now().toString(36);
  const day = new Date(Date.now() + 3 * 86_400_000).toISOString().slice(0, 10);
  for (const [n, p] of people.entries()) {
    const list = await emu.graph(
      tenantId,
      'GET',
      `/users/${p.id}/events?$top=200&$select=id,type,subject`,
    );
    const singles = list.value.filter(
      (e) => e.type === 'singleInstance' && !/^Canceled/.test(e.subject),
    );
    const master = list.value.find((e) => e.type === 'seriesMaster');
    const base = `/tenants/${tenantId}/mailboxes/${p.id}/events`;
    for (const k of [1, 2]) {
      await emu.control('POST', base, {
        subject: `Bench new ${stamp} ${n}.${k}`,
        start: `${day}T${String(8 + k).padStart(2, '0')}:00:00`,
        end: `${day}T${String(8 + k).padStart(2, '0')}:30:00`,
        timeZone: 'UTC',
      });
    }
    await emu.control('PATCH', `${base}/${singles[0].id}`, { subject: `Bench edit ${stamp} ${n}` });
    await emu.control('DELETE', `${base}/${singles[1].id}`);
    if (master)
      await emu.control('PATCH', `${base}/${master.id}`, {
        subject: `Bench series edit ${stamp} ${n}`,
      });
  }
  // The emulator's change clock is per request; nothing to wait for, but let writes settle.
  await sleep(100);
}

function printSummary(r) {
  const rows = [
    { label: 'mailboxes × Rox events per mailbox', values: [`${r.mailboxes} × ${r.events}`] },
    {
      label: 'series per mailbox × occurrences',
      values: [`${r.series} × ${r.occurrences}`],
    },
    { label: 'Rox events after the initial sync', values: [r.roxEvents] },
    { label: 'delta items (occurrences, exceptions, singles, masters)', values: [r.deltaItems] },
    {
      label: `initial sync: delta requests ÷ Σ ceil(items ÷ ${PAGE})`,
      values: [r.initialRatio],
      goal: '≤ 1.05',
    },
    {
      label: 'initial sync: delta requests / ideal',
      values: [`${r.initialRoundRequests} / ${r.idealRequests}`],
    },
    {
      label: 'initial sync: series hydrations (GET master)',
      values: [r.hydrations],
      goal: '≤ 1 per series',
    },
    { label: 'initial sync: instances reads', values: [r.instances] },
    {
      label: 'initial sync: extra rounds of re-queued syncs (requests)',
      values: [r.extraRoundRequests],
    },
    { label: 'initial sync: all calendar Graph requests', values: [r.initialCalendarTotal] },
    {
      label: 'initial sync: all Graph requests (directory, probes too)',
      values: [r.initialGraphTotal],
    },
    {
      label: 'initial sync: first delta request → last event stored (ms)',
      values: [r.initialSyncMs],
    },
    { label: 'initial sync: events/s', values: [r.eventsPerSecond] },
    { label: 'connect → mailbox rows ready (ms)', values: [r.connectToRowsMs] },
    { label: 'connect → every calendar ok (ms)', values: [r.connectToSyncedMs] },
    {
      label: 'idle round: Graph requests per mailbox',
      values: [r.idle?.perMailbox],
      goal: '≤ 0.05 (1/20)',
    },
    {
      label: 'idle round: delta / $batch requests',
      values: [r.idle ? `${r.idle.deltaRequests} / ${r.idle.batchRequests}` : undefined],
    },
    { label: 'idle round: duration (ms)', values: [r.idle?.ms] },
    { label: 'changed mailboxes', values: [r.changedMailboxes] },
    {
      label: 'round with changes: Graph requests per mailbox',
      values: [r.changes?.perMailbox],
    },
    {
      label: 'round with changes: delta / hydrations / instances',
      values: [
        r.changes
          ? `${r.changes.deltaRequests} / ${r.changes.hydrations} / ${r.changes.instances}`
          : undefined,
      ],
    },
    { label: 'round with changes: duration (ms)', values: [r.changes?.ms] },
    { label: 'round with changes: Rox state matches', values: [r.changesApplied] },
    { label: 'worker RSS before connect (MB)', values: [r.workerBaselineRssMb] },
    { label: 'worker peak RSS, initial sync (MB)', values: [r.initialPeakRssMb] },
    {
      label: 'worker peak RSS, idle / changes round (MB)',
      values: [r.idle ? `${r.idle.peakRssMb} / ${r.changes?.peakRssMb}` : undefined],
    },
    {
      label: 'throttle violations (initial / idle / changes)',
      values: [`${r.initialViolations} / ${r.idle?.violations} / ${r.changes?.violations}`],
      goal: '0',
    },
  ];
  let out = table('Calendar benchmark', ['result'], rows);
  if (r.changesCheck) out += `\n\nChanges check: ${r.changesCheck}.`;
  if (r.logOverflowed)
    out += '\n\nThe request log overflowed: delta request counts are a lower bound.';
  if (r.error) out += `\n\nStopped early: ${r.error}`;
  process.stdout.write(`${out}\n`);
}
