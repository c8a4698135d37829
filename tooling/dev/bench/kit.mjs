// Shared parts of the sync benchmarks (calendar.mjs, mail.mjs): the real stack from stack.mjs,
// the API and the emulator as a Rox backend and an admin's browser would use them, Postgres for
// counts, the worker's memory from /proc, and the org's calendar cycle queued as the cron does.
import { spawnSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';

import { DEFAULT_DATA_DIR, ensureEmulatorCa } from '@rox365/m365-emulator';

const ROOT = resolve(import.meta.dirname, '../../..');
// The API's own clients for its queue and database (the same versions the product runs).
const apiRequire = createRequire(join(ROOT, 'apps/api/package.json'));

export const ORG = 'org_bench';
export const ADMIN_UPN = 'admin@contoso.onmicrosoft.com';
const GRAPH_PAGE = 999;

/**
 * Node reads NODE_EXTRA_CA_CERTS at start-up only: runs the script again with the CA trusted
 * (and `nodeFlags`, e.g. --experimental-websocket for heap.mjs).
 */
export function trustEmulatorCa(nodeFlags = []) {
  const ca = ensureEmulatorCa(DEFAULT_DATA_DIR);
  if (process.env.NODE_EXTRA_CA_CERTS === ca) return;
  const args = [...process.execArgv, ...nodeFlags, ...process.argv.slice(1)];
  const again = spawnSync(process.execPath, args, {
    stdio: 'inherit',
    env: { ...process.env, NODE_EXTRA_CA_CERTS: ca },
  });
  process.exit(again.status ?? 1);
}

/** Extra node flags for the worker (BENCH_WORKER_NODE_ARGS, e.g. "--cpu-prof --cpu-prof-dir=/tmp/p"). */
export const workerNodeArgs = (process.env.BENCH_WORKER_NODE_ARGS ?? '').split(' ').filter(Boolean);

/** Fails fast when a port is taken (a stale stack would answer in place of the new one). */
export async function assertPortsFree(ports) {
  for (const port of ports) {
    await new Promise((resolveFree, reject) => {
      const server = createServer();
      server.once('error', () => reject(new Error(`port ${port} is in use: stop what holds it`)));
      server.listen(port, '127.0.0.1', () => server.close(() => resolveFree()));
    });
  }
}

export function log(line) {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
}

export function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls `check` until it returns a truthy value (or throws when `timeoutMs` is over). */
export async function waitFor(what, check, { timeoutMs, intervalMs = 2000, onPoll } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    onPoll?.();
    if (Date.now() > deadline) throw new Error(`${what}: not done after ${timeoutMs / 1000} s`);
    await sleep(intervalMs);
  }
}

// ---- the worker's memory ----------------------------------------------------------------------

function procStatus(pid, field) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
    return Math.round(kb / 1024);
  } catch {
    return null;
  }
}

export const rssMb = (pid) => procStatus(pid, 'VmRSS');

/**
 * CPU time (user + system) the process has used, in ms: per request it is what a load step cost
 * the process itself, whatever else the machine was running at the time.
 */
export function cpuMs(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return null;
  }
}
export const peakRssMb = (pid) => procStatus(pid, 'VmHWM');

/** CPU time (ms) of each PostgreSQL server process on this machine, by pid. */
export function postgresCpu() {
  const byPid = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() !== 'postgres') continue;
    } catch {
      continue; // exited while listed
    }
    const ms = cpuMs(entry);
    if (ms !== null) byPid.set(entry, ms);
  }
  return byPid;
}

/**
 * What PostgreSQL spent since `before` (a `postgresCpu()`), in ms: the API pool's backends live
 * through a step; a process that exited in between (an autovacuum worker) is left out, one
 * that started counts from zero.
 */
export function postgresCpuSince(before) {
  let sum = 0;
  for (const [pid, ms] of postgresCpu()) sum += ms - (before.get(pid) ?? 0);
  return sum;
}

/** Starts a new peak-RSS measurement for the process (Linux: clear_refs 5 resets VmHWM). */
export function resetPeakRss(pid) {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

// ---- Postgres ---------------------------------------------------------------------------------

export async function database(stack) {
  const { Client } = apiRequire('pg');
  const client = new Client({ connectionString: stack.env.DATABASE_URL });
  await client.connect();
  return {
    async rows(sql, params = []) {
      return (await client.query(sql, params)).rows;
    },
    async one(sql, params = []) {
      return (await client.query(sql, params)).rows[0];
    },
    close: () => client.end(),
  };
}

/**
 * Waits until every member's mailbox row is computed with its directory user and the feature in
 * scope (connect queues the feature's cycle before the rows exist; the cron is what catches up).
 */
export async function mailboxRowsReady(db, feature, expected, orgId = ORG) {
  const column = feature === 'calendar' ? 'calendar_in_scope' : 'mail_in_scope';
  await waitFor(
    'mailbox rows',
    async () => {
      const { n } = await db.one(
        `select count(*)::int as n from mailbox
         where org_id = $1 and directory_user_id is not null and ${column}`,
        [orgId],
      );
      return n >= expected;
    },
    { timeoutMs: 10 * 60_000, intervalMs: 1000 },
  );
}

/** A Bull queue of the stack (close it when done). */
export function openQueue(stack, queueName) {
  const Queue = apiRequire('bull');
  return new Queue(queueName, stack.env.REDIS_URL, { prefix: stack.env.QUEUE_PREFIX });
}

// ---- the calendar cycle, queued as the cron does ----------------------------------------------

/** Adds `calendar.refresh-org:<org>` to the stack's calendar queue (what the 5-minute cron does). */
export function queueCalendarCycle(stack, orgId) {
  return queueOrgCycle(stack, 'calendar', 'calendar.refresh-org', orgId);
}

/** An org's cycle job on `queueName` (`mail`, `mail.cycle`: what the 10-minute mail cron does). */
export async function queueOrgCycle(stack, queueName, jobName, orgId) {
  const Queue = apiRequire('bull');
  const queue = new Queue(queueName, stack.env.REDIS_URL, { prefix: stack.env.QUEUE_PREFIX });
  try {
    const jobId = `${jobName}:${encodeURIComponent(orgId)}`;
    const existing = await queue.getJob(jobId);
    if (existing) {
      const state = await existing.getState();
      if (state === 'completed' || state === 'failed') await existing.remove();
      else return;
    }
    // Priority 1, as the API gives a cycle (QUEUE_FAIR_SHARE): a job without one would wait
    // behind every prioritized sync.
    await queue.add(
      jobName,
      { orgId },
      { jobId, attempts: 3, priority: 1, removeOnComplete: true, removeOnFail: 1000 },
    );
  } finally {
    await queue.close();
  }
}

/** Adds a keyed job to one of the stack's queues (what a cron or a lifecycle hook queues). */
export async function queueJob(stack, queueName, name, data, jobId) {
  const Queue = apiRequire('bull');
  const queue = new Queue(queueName, stack.env.REDIS_URL, { prefix: stack.env.QUEUE_PREFIX });
  try {
    const existing = await queue.getJob(jobId);
    if (existing) {
      const state = await existing.getState();
      if (state === 'completed' || state === 'failed') await existing.remove();
      else return;
    }
    await queue.add(name, data, { jobId, attempts: 3, removeOnComplete: true, removeOnFail: 1000 });
  } finally {
    await queue.close();
  }
}

/**
 * Waits until the named queues hold nothing waiting, running, delayed or paused, for two polls
 * in a row: the end of a cycle that may have queued nothing (no channel row moves then).
 */
export async function queuesIdle(stack, names, { timeoutMs = 10 * 60_000, intervalMs = 500 } = {}) {
  const Queue = apiRequire('bull');
  const queues = names.map(
    (n) => new Queue(n, stack.env.REDIS_URL, { prefix: stack.env.QUEUE_PREFIX }),
  );
  let steady = 0;
  try {
    await waitFor(
      `queues ${names.join(', ')}`,
      async () => {
        let busy = 0;
        for (const q of queues) {
          const c = await q.getJobCounts();
          busy += c.waiting + c.active + c.delayed + (c.paused ?? 0);
        }
        steady = busy === 0 ? steady + 1 : 0;
        return steady >= 2;
      },
      { timeoutMs, intervalMs },
    );
  } finally {
    await Promise.all(queues.map((q) => q.close()));
  }
}

/** p-th percentile (0–100) of numbers, nearest rank; null when empty. */
export function percentile(values, p) {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/**
 * Open-loop load at a steady rate: request i is due at start + i / rate, whether or not earlier
 * ones have answered, and its latency is counted from when it was due (a generator that falls
 * behind, or a server that queues, shows as latency: no coordinated omission). Requests go to
 * `urls` in turn (several API processes, as behind a load balancer) over keep-alive sockets.
 * autocannon's rate mode is not used for this: each of its connections sends its share of the
 * second back to back when the second starts, so "500/s" is a burst of 500 every second.
 */
export async function steadyLoad({ urls, rate, seconds, path, headers = {}, timeoutMs = 10_000 }) {
  const agents = urls.map(() => new http.Agent({ keepAlive: true, maxSockets: 256 }));
  const total = Math.round(rate * seconds);
  const latencies = [];
  let non2xx = 0;
  let errors = 0;
  let pending = 0;
  let sent = 0;
  let drained;
  const allDone = new Promise((resolve) => (drained = resolve));
  // The generator shares the machine with what it loads: its own CPU is reported beside theirs.
  const cpuBefore = process.cpuUsage();
  const start = performance.now();
  const fire = (i) => {
    const due = start + (i * 1000) / rate;
    const target = new URL(path(), urls[i % urls.length]);
    pending += 1;
    const finish = (ok, status) => {
      if (ok) latencies.push(performance.now() - due);
      else errors += 1;
      if (status !== undefined && (status < 200 || status > 299)) non2xx += 1;
      pending -= 1;
      if (sent === total && pending === 0) drained();
    };
    const req = http.get(
      target,
      { agent: agents[i % urls.length], headers, timeout: timeoutMs },
      (res) => {
        res.resume();
        res.once('end', () => finish(true, res.statusCode));
        res.once('error', () => finish(false));
      },
    );
    req.once('timeout', () => req.destroy(new Error('timeout')));
    req.once('error', () => finish(false));
  };
  await new Promise((resolve) => {
    const tick = () => {
      const due = Math.min(total, Math.floor(((performance.now() - start) * rate) / 1000) + 1);
      while (sent < due) fire(sent++);
      if (sent < total) setTimeout(tick, 1);
      else resolve();
    };
    tick();
  });
  if (pending > 0) await allDone;
  const cpu = process.cpuUsage(cpuBefore);
  for (const agent of agents) agent.destroy();
  const round = (v) => (v === null ? null : Math.round(v));
  return {
    p50: round(percentile(latencies, 50)),
    p99: round(percentile(latencies, 99)),
    answered: latencies.length,
    non2xx,
    errors,
    generatorCpuMsPerRequest: total > 0 ? (cpu.user + cpu.system) / 1000 / total : null,
  };
}

// ---- the API as a Rox backend and the admin's browser -----------------------------------------

function b64(value) {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function mint(secret, claims) {
  const now = Math.floor(Date.now() / 1000);
  const header = b64({ alg: 'HS256', typ: 'JWT' });
  const payload = b64({
    ...claims,
    iss: 'rox365-dev',
    aud: 'rox365-integration',
    iat: now,
    exp: now + 12 * 3600,
  });
  const signature = createHmac('sha256', secret).update(`${header}.${payload}`).digest('base64url');
  return `${header}.${payload}.${signature}`;
}

export function memberId(email) {
  return `m_${email.split('@')[0].replace(/[^a-z0-9]/gi, '_')}`.slice(0, 100);
}

/**
 * The API as one org's Rox backend and admin (the bench org on Contoso unless told otherwise:
 * `tenant` is its initial domain, `adminUpn` its Global Administrator). The soak passes each of
 * its tenants.
 */
export function apiClient(
  stack,
  { org, orgId = org ?? ORG, tenant = 'contoso.onmicrosoft.com', adminUpn = ADMIN_UPN } = {},
) {
  const secret = stack.env.ROX_DEV_JWT_SECRET;
  const tokens = {
    admin: mint(secret, { sub: 'bench-admin', org: orgId, role: 'admin', email: adminUpn }),
    service: mint(secret, { sub: 'bench-service', org: orgId, role: 'service' }),
    member: (email) => mint(secret, { sub: memberId(email), org: orgId, role: 'member', email }),
  };
  const call = async (method, path, body, token = tokens.admin) =>
    fetch(stack.apiUrl + path, {
      method,
      redirect: 'manual',
      headers: {
        authorization: `Bearer ${token}`,
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
    });
  return {
    tokens,
    call,
    async status() {
      return (await call('GET', '/api/v1/orgwide/status')).json();
    },
    async createMembers(emails) {
      for (let i = 0; i < emails.length; i += 20) {
        await Promise.all(
          emails.slice(i, i + 20).map(async (email) => {
            const res = await call(
              'PUT',
              `/api/v1/members/${memberId(email)}`,
              { email, displayName: email.split('@')[0], role: 'member' },
              tokens.service,
            );
            if (res.status >= 300) throw new Error(`member ${email}: ${res.status}`);
          }),
        );
      }
    },
    async saveSettings(levels) {
      const res = await call('PUT', '/api/v1/orgwide/settings', {
        tenant,
        restrictedDomains: [],
        restrictedUsers: [],
        ...levels,
      });
      if (res.status !== 200) throw new Error(`settings: ${res.status} ${await res.text()}`);
    },
    // The admin's browser: sign-in, then admin consent, carrying the API's cookie.
    async connect(emu) {
      const start = await call('POST', '/api/v1/orgwide/connect');
      if (start.status !== 200) throw new Error(`connect: ${start.status} ${await start.text()}`);
      const cookie = start.headers
        .getSetCookie()
        .map((c) => c.split(';')[0])
        .join('; ');
      let url = (await start.json()).consentUrl;
      for (let hop = 0; hop < 10; hop++) {
        if (url.startsWith(stack.emulatorUrl)) {
          url = await emu.signInAndAccept(url, adminUpn);
        } else {
          const res = await fetch(url, { redirect: 'manual', headers: { cookie } });
          const next = res.headers.get('location');
          if (!next) throw new Error(`callback answered ${res.status}`);
          if (next.includes('/integrations/microsoft/result')) {
            const outcome = new URL(next).searchParams.get('outcome');
            if (!outcome?.startsWith('connected')) throw new Error(`consent outcome ${outcome}`);
            return;
          }
          url = next;
        }
      }
      throw new Error('connect did not finish');
    },
  };
}

export function emulatorClient(stack) {
  const base = stack.emulatorUrl;
  const control = async (method, path, body) => {
    const res = await fetch(`${base}/_emulator${path}`, {
      method,
      headers: body ? { 'content-type': 'application/json' } : {},
      body: body ? JSON.stringify(body) : undefined,
    });
    if (res.status >= 300)
      throw new Error(`control ${method} ${path}: ${res.status} ${await res.text()}`);
    return res.status === 204 ? null : res.json();
  };
  const post = (url, form) =>
    fetch(url, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form).toString(),
    });
  // App tokens per tenant (the soak reads several).
  const tokens = new Map();
  const graph = async (tenantId, method, path, body) => {
    if (!tokens.has(tenantId)) tokens.set(tenantId, await appToken(base, tenantId, stack.env));
    const token = tokens.get(tenantId);
    const res = await fetch(`${base}/v1.0${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        prefer: 'IdType="ImmutableId", outlook.timezone="UTC"',
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
    });
    if (res.status >= 300) throw new Error(`graph ${method} ${path}: ${res.status}`);
    return res.status === 204 ? null : res.json();
  };
  return {
    control,
    graph,
    async signInAndAccept(url, user) {
      await (await fetch(url)).text();
      let res = await post(url, { action: 'signin', user });
      if (res.status === 200) res = await post(url, { action: 'accept', user });
      const next = res.headers.get('location');
      if (!next) throw new Error(`Microsoft's page answered ${res.status}`);
      return next;
    },
    /**
     * `count` generated member users (the named demo people, some of whom have no mailbox or sit
     * behind an access policy, are left out), read with an app-only token; the consent this
     * needs is taken back so connecting stays the benchmark's own step.
     */
    async generatedUsers(tenantId, count) {
      await control('POST', `/tenants/${tenantId}/admin-consent`, {});
      const people = [];
      let next = `/users?$select=id,userPrincipalName,mail,userType&$top=${GRAPH_PAGE}`;
      while (next && people.length < count) {
        const body = await graph(tenantId, 'GET', next);
        for (const u of body.value) {
          if (u.userType !== 'Guest' && /\d@/.test(u.userPrincipalName)) {
            people.push({
              id: u.id,
              upn: u.userPrincipalName,
              email: u.mail ?? u.userPrincipalName,
            });
          }
        }
        const link = body['@odata.nextLink'];
        next = link ? link.slice(link.indexOf('/v1.0') + 5) : null;
      }
      await control('DELETE', `/tenants/${tenantId}/service-principal`);
      tokens.delete(tenantId);
      return people.slice(0, count);
    },
    /** Requests counted by `METHOD path` since the last clear, and throttle violations. */
    async counters() {
      return control('GET', '/counters');
    },
    async violations() {
      return control('GET', '/throttle-violations');
    },
    /** Clears the request log, counters, throttle state and violations. */
    async clearRequests() {
      await control('DELETE', '/requests');
    },
  };
}

async function appToken(base, tenantId, env) {
  const res = await fetch(`${base}/${tenantId}/oauth2/v2.0/token`, {
    method: 'POST',
    body: new URLSearchParams({
      client_id: env.MS_ORGWIDE_CLIENT_ID,
      client_secret: env.MS_ORGWIDE_CLIENT_SECRET,
      grant_type: 'client_credentials',
      scope: 'https://graph.microsoft.com/.default',
    }),
  });
  const body = await res.json();
  if (!body.access_token) throw new Error(`app token: ${JSON.stringify(body)}`);
  return body.access_token;
}

/** Sums counters whose `METHOD path` key matches. */
export function countWhere(counters, pattern) {
  let n = 0;
  for (const [key, value] of Object.entries(counters.byPath)) if (pattern.test(key)) n += value;
  return n;
}

/** Graph requests only (not the login host or the control API). */
export function graphTotal(counters) {
  return countWhere(counters, /^\S+ \/v1\.0\//);
}

export function fmt(value) {
  if (value === undefined || value === null) return 'n/a';
  if (typeof value === 'number' && !Number.isInteger(value))
    return value < 10 ? value.toFixed(3) : value.toFixed(1);
  return String(value);
}

/** A Markdown table: one row per measure, one column per run. */
export function table(title, columns, rows) {
  const lines = ['', `## ${title}`, ''];
  lines.push(`| measure | ${columns.join(' | ')} | goal |`);
  lines.push(`|---|${columns.map(() => '---|').join('')}---|`);
  for (const row of rows) {
    lines.push(`| ${row.label} | ${row.values.map(fmt).join(' | ')} | ${row.goal ?? ''} |`);
  }
  return lines.join('\n');
}
