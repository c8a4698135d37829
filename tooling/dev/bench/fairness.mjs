// Fairness benchmark (`pnpm bench`, scenario `fairness`): the real stack against one big tenant
// and ten small ones. The big org connects; once its calendar backfill is under way (its first
// mailbox synced), the small orgs connect one after another. Measured: each small mailbox's
// time to first sync (its org's connect answered → its first full calendar round committed),
// p50/p95/max, and how far the big org's backfill had got when the last small mailbox was done. It runs once with
// fair share off (QUEUE_FAIR_SHARE=0, plain FIFO: "before") and once on ("after").
//
// Sizes: BENCH_FAIR_BIG=5000 (big org's mailboxes), BENCH_FAIR_SMALL_ORGS=10,
// BENCH_FAIR_SMALL=10 (mailboxes each), BENCH_FAIR_EVENTS=20 (events per calendar),
// BENCH_FAIR_SHARE=4 (QUEUE_FAIR_SHARE of the "after" run), BENCH_FAIR_MODES=off,on.
// Quick run: BENCH_FAIR_BIG=500 node bench/fairness.mjs
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { startStack } from '../stack.mjs';
import {
  apiClient,
  assertPortsFree,
  database,
  emulatorClient,
  log,
  mailboxRowsReady,
  table,
  trustEmulatorCa,
  waitFor,
  workerNodeArgs,
} from './kit.mjs';

trustEmulatorCa();

const BIG = Number(process.env.BENCH_FAIR_BIG ?? 5000);
const SMALL_ORGS = Number(process.env.BENCH_FAIR_SMALL_ORGS ?? 10);
const SMALL = Number(process.env.BENCH_FAIR_SMALL ?? 10);
const EVENTS = Number(process.env.BENCH_FAIR_EVENTS ?? 20);
const SHARE = process.env.BENCH_FAIR_SHARE ?? '4';
const MODES = (process.env.BENCH_FAIR_MODES ?? 'off,on').split(',').map((m) => m.trim());
// The named demo people lead every tenant here (each has its admin@); generated users follow.
const NAMED_PEOPLE = 29;
const TIMEOUT_MS = 4 * 60 * 60_000;

// Crons off: the only rounds are the first ones connect starts.
process.env.WORKER_CRONS_ENABLED = 'false';

const BIG_DOMAIN = 'contoso';
const smallDomain = (i) => `small${String(i + 1).padStart(2, '0')}`;
const orgOf = (domain) => `org_fair_${domain}`;

const results = [];
for (const mode of MODES) {
  if (mode !== 'off' && mode !== 'on') throw new Error(`BENCH_FAIR_MODES: unknown mode ${mode}`);
  results.push(await run(mode));
}
printSummary(results);
if (results.some((r) => r.error)) process.exitCode = 1;

async function run(mode) {
  const share = mode === 'on' ? SHARE : '0';
  const dir = mkdtempSync(join(tmpdir(), 'rox365-bench-fair-'));
  const tenantFile = join(dir, 'tenants.json');
  const tenant = (domain, mailboxes) => ({
    domain,
    people: 'contoso',
    users: NAMED_PEOPLE + mailboxes + 5,
    messagesPerMailbox: 1,
    eventsPerMailbox: EVENTS,
  });
  writeFileSync(
    tenantFile,
    JSON.stringify([
      tenant(BIG_DOMAIN, BIG),
      ...Array.from({ length: SMALL_ORGS }, (_, i) => tenant(smallDomain(i), SMALL)),
    ]),
  );
  log(`fairness (${mode}): ${BIG} + ${SMALL_ORGS} × ${SMALL} mailboxes, QUEUE_FAIR_SHARE=${share}`);
  await assertPortsFree([5291, 3121, 4131]);
  const stack = await startStack({
    webPort: 5291,
    apiPort: 3121,
    emulatorPort: 4131,
    database: 'rox365_bench_fair',
    freshDatabase: true,
    queuePrefix: `benchfair${mode}`,
    emulatorTenantFile: tenantFile,
    env: { QUEUE_FAIR_SHARE: share },
    workerNodeArgs,
    log: (line) => process.stderr.write(`${line}\n`),
  });
  const row = { mode, share: Number(share) };
  const db = await database(stack);
  try {
    const emu = emulatorClient(stack);
    const tenants = await emu.control('GET', '/tenants');
    const orgs = [];
    for (const domain of [
      BIG_DOMAIN,
      ...Array.from({ length: SMALL_ORGS }, (_, i) => smallDomain(i)),
    ]) {
      const initial = `${domain}.onmicrosoft.com`;
      const t = tenants.find((x) => JSON.stringify(x.domains).includes(initial));
      if (!t) throw new Error(`the emulator has no tenant ${initial}`);
      const size = domain === BIG_DOMAIN ? BIG : SMALL;
      const people = await emu.generatedUsers(t.id, size);
      if (people.length < size) throw new Error(`${domain}: only ${people.length} generated users`);
      const org = orgOf(domain);
      const api = apiClient(stack, { org, tenant: initial, adminUpn: `admin@${initial}` });
      await api.createMembers(people.map((p) => p.email));
      await api.saveSettings({ calendarAccess: 'read', emailAccess: 'off' });
      orgs.push({ domain, org, api, size });
    }
    const [big, ...smalls] = orgs;

    // 1. The big org connects; the small orgs follow once its backfill is under way (its
    // cycle is still queueing, or done queueing, thousands of syncs by then).
    const bigConnectedAt = Date.now();
    await big.api.connect(emu);
    await mailboxRowsReady(db, 'calendar', BIG, big.org);
    await waitFor(
      'the big backfill under way',
      async () => (await channelCount(db, big.org, 'last_full_sync_at is not null')) > 0,
      { timeoutMs: TIMEOUT_MS, intervalMs: 250 },
    );
    row.bigStartedAfterMs = Date.now() - bigConnectedAt;
    row.bigDoneWhenSmallsStart = await channelCount(db, big.org, 'last_full_sync_at is not null');
    log(`fairness (${mode}): big backfill under way; connecting ${SMALL_ORGS} small orgs`);

    // 2. The small orgs connect while it runs.
    const connectedAt = new Map();
    for (const s of smalls) {
      await s.api.connect(emu);
      connectedAt.set(s.org, Date.now());
    }
    const smallOrgs = smalls.map((s) => s.org);
    await waitFor(
      'every small mailbox synced',
      async () => {
        const { n } = await db.one(
          `select count(*)::int as n from calendar_channel
           where org_id = any($1) and last_full_sync_at is not null`,
          [smallOrgs],
        );
        return n >= SMALL_ORGS * SMALL;
      },
      { timeoutMs: TIMEOUT_MS, intervalMs: 1000 },
    );
    const firsts = await db.rows(
      `select org_id, extract(epoch from last_full_sync_at) * 1000 as at from calendar_channel
       where org_id = any($1)`,
      [smallOrgs],
    );
    const waits = firsts.map((r) => Number(r.at) - connectedAt.get(r.org_id)).sort((a, b) => a - b);
    row.smallMailboxes = waits.length;
    row.p50 = percentile(waits, 0.5);
    row.p95 = percentile(waits, 0.95);
    row.max = waits[waits.length - 1];
    const lastSmall = Math.max(...firsts.map((r) => Number(r.at)));
    const { n: bigDone } = await db.one(
      `select count(*)::int as n from calendar_channel
       where org_id = $1 and last_full_sync_at <= to_timestamp($2 / 1000.0)`,
      [big.org, lastSmall],
    );
    row.bigDoneWhenSmallsDone = bigDone;

    // 3. The big backfill to its end (the cost of fairness, if any, shows here).
    await waitFor(
      'the big backfill',
      async () => (await channelCount(db, big.org, 'last_full_sync_at is not null')) >= BIG,
      { timeoutMs: TIMEOUT_MS, intervalMs: 2000 },
    );
    const { at: bigEnd } = await db.one(
      `select extract(epoch from max(last_full_sync_at)) * 1000 as at from calendar_channel
       where org_id = $1`,
      [big.org],
    );
    row.bigBackfillMs = Math.round(Number(bigEnd) - bigConnectedAt);
  } catch (error) {
    row.error = String(error?.stack ?? error);
    log(`fairness (${mode}) failed: ${row.error}`);
  } finally {
    await db.close();
    await stack.stop();
  }
  return row;
}

async function channelCount(db, orgId, where) {
  const { n } = await db.one(
    `select count(*)::int as n from calendar_channel where org_id = $1 and ${where}`,
    [orgId],
  );
  return n;
}

function percentile(sorted, q) {
  if (sorted.length === 0) return null;
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)];
}

function printSummary(rows) {
  const s = (ms) => (typeof ms === 'number' ? ms / 1000 : ms);
  const columns = rows.map((r) => `fair share ${r.mode} (${r.share})`);
  const measure = (label, pick, goal) => ({ label, values: rows.map(pick), goal });
  process.stdout.write(
    `${table(
      `Fairness: ${BIG} + ${SMALL_ORGS} × ${SMALL} mailboxes, ${EVENTS} events each`,
      columns,
      [
        measure('small mailboxes measured', (r) => r.smallMailboxes),
        measure('small: time to first sync p50 (s)', (r) => s(r.p50)),
        measure(
          'small: time to first sync p95 (s)',
          (r) => s(r.p95),
          'independent of the big backlog',
        ),
        measure('small: time to first sync max (s)', (r) => s(r.max)),
        measure('big: first mailbox done after connect (s)', (r) => s(r.bigStartedAfterMs)),
        measure('big: mailboxes done when small orgs connect', (r) => r.bigDoneWhenSmallsStart),
        measure(
          'big: mailboxes done when the last small one was',
          (r) => r.bigDoneWhenSmallsDone,
          `< ${BIG}`,
        ),
        measure('big: whole backfill (s)', (r) => s(r.bigBackfillMs), 'unchanged'),
      ],
    )}\n`,
  );
  for (const r of rows) if (r.error) process.stdout.write(`\n${r.mode}: ${r.error}\n`);
}
