// Large-tenant benchmark (`pnpm bench`): the real stack (emulator, API, worker, PostgreSQL,
// Redis) against generated tenants of 10,000 and 100,000 users with 10,000 Rox members. It times
// the initial directory sync, an incremental sync with 1% changed and a resync after a 410, counts
// Graph requests against the ideal, reads peak RSS of the API and worker, and loads every list and
// status endpoint (and /healthz as the baseline) at 200 and 500 requests per second.
//
// Sizes: BENCH_SIZES=10000,100000 (default). Members: BENCH_MEMBERS=10000. Load per step:
// BENCH_LOAD_SECONDS=10. Extra Node flags for the API (a CPU profile): BENCH_API_NODE_ARGS; for the
// worker: BENCH_WORKER_NODE_ARGS. Results are printed as one Markdown table per size.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import autocannon from 'autocannon';

import { startStack } from '../stack.mjs';
import { heapAfterGcMb } from './heap.mjs';
import {
  ADMIN_UPN,
  apiClient as benchApiClient,
  database,
  emulatorClient,
  fmt,
  log,
  peakRssMb,
  rssMb,
  sleep,
  trustEmulatorCa,
} from './kit.mjs';

// --experimental-websocket: the DevTools protocol client that reads the processes' heap.
trustEmulatorCa(['--experimental-websocket']);

const SIZES = (process.env.BENCH_SIZES ?? '10000,100000').split(',').map(Number);
const MEMBERS = Number(process.env.BENCH_MEMBERS ?? 10_000);
const LOAD_SECONDS = Number(process.env.BENCH_LOAD_SECONDS ?? 10);
const RATES = [200, 500];
const SYNC_TIMEOUT_MS = 15 * 60_000;
const PAGE = 999; // Graph's largest /users page: the ideal request count is ceil(users / PAGE).
const API_INSPECT_PORT = 9341;
const WORKER_INSPECT_PORT = 9342;
const QUEUES = ['members', 'consent', 'directory', 'mailboxes', 'calendar', 'mail'];

const results = [];
for (const size of SIZES) results.push(await runSize(size));
printSummary(results);

async function runSize(size) {
  const dir = mkdtempSync(join(tmpdir(), 'rox365-bench-'));
  const tenantFile = join(dir, 'tenants.json');
  // Small mailboxes: the directory is what this benchmark is about.
  writeFileSync(
    tenantFile,
    JSON.stringify([
      { domain: 'contoso', users: size, messagesPerMailbox: 1, eventsPerMailbox: 1 },
    ]),
  );
  const stack = await startStack({
    webPort: 5273,
    apiPort: 3100,
    emulatorPort: 4110,
    database: `rox365_bench_${size}`,
    freshDatabase: true,
    queuePrefix: `bench${size}`,
    emulatorTenantFile: tenantFile,
    // No periodic cycles: every sync here is started by the benchmark, and the load steps run
    // on a quiet stack. The heap is read over the inspector (after a forced GC).
    env: { WORKER_CRONS_ENABLED: 'false' },
    apiNodeArgs: [
      // e.g. BENCH_API_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" to profile the API
      ...(process.env.BENCH_API_NODE_ARGS ?? '').split(' ').filter(Boolean),
      `--inspect=127.0.0.1:${API_INSPECT_PORT}`,
    ],
    workerNodeArgs: [
      // e.g. BENCH_WORKER_NODE_ARGS="--heapsnapshot-near-heap-limit=1" to see what fills its heap
      ...(process.env.BENCH_WORKER_NODE_ARGS ?? '').split(' ').filter(Boolean),
      `--inspect=127.0.0.1:${WORKER_INSPECT_PORT}`,
    ],
    log: (line) => process.stderr.write(`${line}\n`),
  });
  const row = { size, members: Math.min(MEMBERS, size), endpoints: [] };
  try {
    const api = apiClient(stack);
    const emu = emulatorClient(stack);
    const tenant = (await emu.control('GET', '/tenants'))[0];
    log(`${size}: tenant ${tenant.id} ready; creating ${row.members} members`);
    const people = await emu.generatedUsers(tenant.id, row.members);
    await api.createMembers(people.map((p) => p.email));
    await api.saveSettings();

    row.workerBaselineRssMb = rssMb(stack.processes.worker.pid);
    row.workerBaselineHeapMb = await heapAfterGcMb(WORKER_INSPECT_PORT);
    await emu.control('DELETE', '/requests');
    const connectedAt = Date.now();
    await api.connect(emu);
    const first = await api.waitForSync(null);
    row.initialSyncMs = first.at - connectedAt;
    const deltaCalls = (await emu.control('GET', '/requests?pathContains=%2Fusers%2Fdelta')).length;
    row.graphRatio = deltaCalls / Math.ceil(size / PAGE);
    log(`${size}: initial sync ${row.initialSyncMs} ms, ${deltaCalls} delta requests`);

    // The worker after its first sync of everything (directory, mailboxes, calendars): the
    // warm baseline the later syncs must return to.
    row.firstDrainMs = await queuesDrained(`bench${size}`);
    row.workerWarmHeapMb = await heapAfterGcMb(WORKER_INSPECT_PORT);
    log(`${size}: first syncs drained after ${row.firstDrainMs} ms`);

    const changed = Math.max(1, Math.floor(size / 100));
    for (const person of people.slice(0, changed)) {
      await emu.control('PATCH', `/tenants/${tenant.id}/users/${encodeURIComponent(person.upn)}`, {
        jobTitle: `Changed ${Date.now()}`,
      });
    }
    row.incrementalSyncMs = await api.timedSync(first.lastSyncAt);
    log(`${size}: incremental sync (${changed} changed) ${row.incrementalSyncMs} ms`);

    // Only the directory's tokens: expiring the calendars' too would time a full re-read of
    // every mailbox's calendar here, which belongs to the calendar benchmark.
    await emu.control('POST', `/tenants/${tenant.id}/delta/expire`, { resource: 'users' });
    const beforeResync = await api.status();
    row.resyncMs = await api.timedSync(beforeResync.directory.lastSyncAt);
    log(`${size}: resync after 410 ${row.resyncMs} ms`);
    // Let everything the syncs started finish (the mailboxes refresh, and the calendar first
    // syncs of every in-scope mailbox), then read the worker's memory.
    row.drainMs = await queuesDrained(`bench${size}`);
    log(`${size}: every queue drained after ${row.drainMs} ms`);
    row.workerAfterSyncRssMb = rssMb(stack.processes.worker.pid);
    row.workerAfterSyncHeapMb = await heapAfterGcMb(WORKER_INSPECT_PORT);
    // What autovacuum does on a real server: this machine's PostgreSQL runs with it off, and
    // tables that grew from empty (members, audit entries) would keep the planner's estimate
    // of none and sort the whole org per page.
    const db = await database(stack);
    try {
      await db.rows('vacuum analyze');
    } finally {
      await db.close();
    }
    row.apiBeforeLoadHeapMb = await heapAfterGcMb(API_INSPECT_PORT);
    row.apiBeforeLoadRssMb = rssMb(stack.processes.api.pid);

    const member = people[0]?.email ?? ADMIN_UPN;
    const paths = [
      '/healthz',
      '/api/v1/orgwide/directory/users?limit=50',
      '/api/v1/orgwide/directory/users?limit=50&q=adele',
      '/api/v1/orgwide/members?limit=50',
      '/api/v1/orgwide/members/me',
      '/api/v1/orgwide/status',
      '/api/v1/orgwide/access-policy/script',
      '/api/v1/orgwide/probes?limit=50',
      '/api/v1/members?limit=50',
      '/api/v1/audit?limit=50',
    ];
    loading: for (const rate of RATES) {
      for (const path of paths) {
        // Each step starts from a settled API; a dead one ends the size.
        if (!(await settled(stack))) {
          row.error = `the API did not recover before ${path} at ${rate}/s`;
          break loading;
        }
        const token = path.endsWith('/me') ? api.tokens.member(member) : api.tokens.admin;
        const measured = await load(stack.apiUrl + path, rate, token);
        row.endpoints.push({ rate, path, ...measured });
        if (stack.processes.api.exitCode !== null) {
          row.error = `the API process exited under load on ${path} at ${rate}/s`;
          break loading;
        }
        log(`${size} @${rate}/s ${path}: p50 ${measured.p50} ms p99 ${measured.p99} ms`);
      }
    }
    row.apiPeakRssMb = peakRssMb(stack.processes.api.pid);
    row.apiAfterLoadHeapMb = await heapAfterGcMb(API_INSPECT_PORT);
    row.workerPeakRssMb = peakRssMb(stack.processes.worker.pid);
  } catch (error) {
    row.error =
      error instanceof Error ? `${error.message} ${String(error.cause ?? '')}` : String(error);
    log(`${size}: ${row.error}`);
    if (process.env.BENCH_DEBUG) console.error(error);
  } finally {
    await stack.stop();
  }
  return row;
}

// The kit's client plus the directory sync this benchmark times.
function apiClient(stack) {
  const api = benchApiClient(stack);
  const waitForSync = async (after) => {
    const deadline = Date.now() + SYNC_TIMEOUT_MS;
    for (;;) {
      const dir = (await api.status()).directory;
      if (dir.state === 'ok' && dir.lastSyncAt !== after) {
        return { at: Date.now(), lastSyncAt: dir.lastSyncAt };
      }
      if (dir.state === 'failed') throw new Error(`sync failed: ${JSON.stringify(dir)}`);
      if (Date.now() > deadline) throw new Error('sync did not finish in time');
      // A slow poll: the status endpoint is itself under test.
      await sleep(1000);
    }
  };
  return {
    ...api,
    waitForSync,
    // Calendar keeps 10,000 mailboxes in scope (the script's group, the channels' rows); mail is
    // off because its first sync of every mailbox belongs to the mail benchmark and would hold
    // the worker busy for most of an hour here.
    saveSettings: () => api.saveSettings({ calendarAccess: 'read', emailAccess: 'off' }),
    async timedSync(previous) {
      const started = Date.now();
      const res = await api.call('POST', '/api/v1/orgwide/directory/sync');
      if (res.status !== 202) throw new Error(`sync: ${res.status} ${await res.text()}`);
      const done = await waitForSync(previous);
      return done.at - started;
    },
  };
}

async function load(url, rate, token) {
  const result = await autocannon({
    url,
    connections: 20,
    duration: LOAD_SECONDS,
    overallRate: rate,
    headers: { authorization: `Bearer ${token}` },
  });
  return {
    p50: result.latency.p50,
    p99: result.latency.p99,
    answered: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}

// True once /healthz answers quickly again (the backlog of the previous step has drained).
async function settled(stack) {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (stack.processes.api.exitCode !== null) return false;
    const started = Date.now();
    try {
      const res = await fetch(`${stack.apiUrl}/healthz`, { signal: AbortSignal.timeout(2000) });
      if (res.ok && Date.now() - started < 100) return true;
    } catch {
      // still busy
    }
    await sleep(500);
  }
  return false;
}

// Milliseconds until no queue has a waiting or active job, three polls in a row (jobs chain).
async function queuesDrained(prefix) {
  const started = Date.now();
  let quiet = 0;
  while (quiet < 3) {
    if (Date.now() - started > SYNC_TIMEOUT_MS) throw new Error('the queues did not drain');
    const commands = QUEUES.flatMap((q) => [
      `LLEN ${prefix}:${q}:wait`,
      `LLEN ${prefix}:${q}:active`,
    ]);
    const out = execFileSync('redis-cli', ['-h', '127.0.0.1'], {
      input: commands.join('\n'),
      encoding: 'utf8',
    });
    const busy = out
      .split('\n')
      .filter(Boolean)
      .reduce((sum, n) => sum + Number(n), 0);
    quiet = busy === 0 ? quiet + 1 : 0;
    await sleep(1000);
  }
  return Date.now() - started;
}

function printSummary(rows) {
  const lines = ['', '## Large-tenant benchmark', ''];
  const [small, large] = rows;
  const ratio = (key) =>
    small?.[key] && large?.[key] ? (large[key] / small[key]).toFixed(2) : 'n/a';
  lines.push('| measure | ' + rows.map((r) => `${r.size} users`).join(' | ') + ' | ratio |');
  lines.push('|---|' + rows.map(() => '---|').join('') + '---|');
  for (const [label, key] of [
    ['initial sync (ms)', 'initialSyncMs'],
    ['incremental sync, 1% changed (ms)', 'incrementalSyncMs'],
    ['resync after 410 (ms)', 'resyncMs'],
    ['Graph requests ÷ ideal (initial)', 'graphRatio'],
    ['API RSS before the load (MB)', 'apiBeforeLoadRssMb'],
    ['API peak RSS (MB)', 'apiPeakRssMb'],
    ['worker peak RSS (MB)', 'workerPeakRssMb'],
    ['worker RSS before connect (MB)', 'workerBaselineRssMb'],
    ['worker RSS once every queue drained (MB)', 'workerAfterSyncRssMb'],
    ['worker heap after GC, before connect (MB)', 'workerBaselineHeapMb'],
    ['worker heap after GC, after the first syncs (MB)', 'workerWarmHeapMb'],
    ['worker heap after GC, after the resync (MB)', 'workerAfterSyncHeapMb'],
    ['API heap after GC, before the load (MB)', 'apiBeforeLoadHeapMb'],
    ['API heap after GC, after the load (MB)', 'apiAfterLoadHeapMb'],
    ['queues drained after the first sync (ms)', 'firstDrainMs'],
    ['queues drained after the resync (ms)', 'drainMs'],
  ]) {
    const cells = rows.map((r) => (r[key] === undefined ? 'n/a' : fmt(r[key])));
    lines.push(`| ${label} | ${cells.join(' | ')} | ${ratio(key)} |`);
  }
  for (const row of rows) {
    if (row.error) lines.push('', `${row.size} users: stopped early: ${row.error}`);
    lines.push(
      '',
      `### Endpoints at ${row.size} users (ratio: p99 ÷ /healthz p99 at the same rate)`,
    );
    lines.push('', '| rate | endpoint | p50 ms | p99 ms | ratio | answered | non-2xx | errors |');
    lines.push('|---|---|---|---|---|---|---|---|');
    for (const e of row.endpoints) {
      const base = row.endpoints.find((b) => b.rate === e.rate && b.path === '/healthz');
      const r = base?.p99 ? (e.p99 / base.p99).toFixed(1) : 'n/a';
      lines.push(
        `| ${e.rate}/s | \`${e.path}\` | ${e.p50} | ${e.p99} | ${r} | ${e.answered} | ${e.non2xx} | ${e.errors} |`,
      );
    }
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}
