// Chaos soak (`pnpm soak`): the real stack (emulator, API, three workers, PostgreSQL and a Redis of
// its own) against several generated tenants while Outlook users keep changing their mail and
// calendars, Rox sends mail and writes meetings, and the run is hurt on purpose throughout: 20 %
// 429s, 5 % 503s, connection resets, lost answers on writes, one 410 per mailbox, two workers
// killed with SIGKILL mid-round, a Redis restart, and (when Rox subscribes to change
// notifications) dropped and duplicated notifications. At the end Rox must hold exactly what
// Outlook holds, mailbox by mailbox; it prints the figures and exits 1 when one is not zero.
//
// Sizes: SOAK_TENANTS=3, SOAK_MAILBOXES=300 (members over all tenants), SOAK_MINUTES=20 (the
// chaos phase; settling and the comparison come after). SOAK_NOTIFICATIONS=on (default) or off.
// Quick run: SOAK_TENANTS=3 SOAK_MAILBOXES=24 SOAK_MINUTES=4 pnpm soak
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import Redis from 'ioredis';

import { ControlClient } from '@rox365/m365-emulator';

import {
  apiClient,
  assertPortsFree,
  database,
  emulatorClient,
  memberId,
  openQueue,
  queueCalendarCycle,
  sleep,
  trustEmulatorCa,
  waitFor,
} from './bench/kit.mjs';
import { startStack } from './stack.mjs';

trustEmulatorCa();

const TENANTS = Number(process.env.SOAK_TENANTS ?? 3);
const MAILBOXES = Number(process.env.SOAK_MAILBOXES ?? 300);
const MINUTES = Number(process.env.SOAK_MINUTES ?? 20);
const NOTIFICATIONS = process.env.SOAK_NOTIFICATIONS ?? 'auto';
// Generated users of each tenant that are not Rox members: Rox must never read their mailboxes.
const OUT_OF_SCOPE = 4;
const DOMAINS = ['contoso', 'northwind', 'tailspin', 'fourthcoffee', 'litware', 'adatum'];
const PARTNER = 'partner@customer.example';
const PORTS = { web: 5375, api: 3201, emulator: 4211 };
const CHAOS_MS = MINUTES * 60_000;
const OVERLAP_GRACE_MS = 250;
const SAFETY_POLL_MINUTES = 1;
// The crons run every 5 (calendar) and 10 (mail) minutes; a soak of a few minutes queues the
// same org cycles itself this often, as the crons would over a longer run.
const CYCLE_EVERY_MS = 20_000;
const SETTLE_TIMEOUT_MS = Number(process.env.SOAK_SETTLE_MINUTES ?? 15) * 60_000;
const HOUR = 3_600_000;

// The emulator tries faults in order, each on what the ones before let through.
const WRITE_PATHS = String.raw`^POST /v1\.0/users/[^/]+/(events|messages|messages/[^/]+/send|sendMail)$`;
const GRAPH_PATHS = String.raw`^\S+ /v1\.0/`;
const FAULTS = [
  // Lost answers: Graph did the write, the answer never arrived.
  { match: WRITE_PATHS, probability: 0.1, afterExecute: true, status: 504 },
  { match: WRITE_PATHS, probability: 0.05, afterExecute: true, resetConnection: true },
  // 20 % 429s, 5 % 503s (0.05 / 0.8), 3 % resets (0.03 / 0.75) of every Graph request.
  {
    match: GRAPH_PATHS,
    probability: 0.2,
    status: 429,
    errorCode: 'ApplicationThrottled',
    retryAfterSeconds: 0.5,
  },
  { match: GRAPH_PATHS, probability: 0.0625, status: 503 },
  { match: GRAPH_PATHS, probability: 0.04, resetConnection: true },
];

// A small deterministic generator, so two runs make the same changes in the same order.
let seed = 0x5eed;
function random() {
  seed = (seed * 1_103_515_245 + 12_345) & 0x7fffffff;
  return seed / 0x7fffffff;
}
const pick = (list) => list[Math.floor(random() * list.length)];

function say(line) {
  process.stderr.write(`[soak ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
}

async function run() {
  await assertPortsFree(Object.values(PORTS));
  const redis = await startRedis();
  let stack = null;
  // Interrupted (Ctrl-C, a kill): the stack and the soak's own Redis go with it.
  const interrupted = (signal) => {
    say(`${signal}: stopping the stack`);
    void Promise.allSettled([stack?.stop(), redis.stop()]).then(() => process.exit(130));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  const dir = mkdtempSync(join(tmpdir(), 'rox365-soak-'));
  const perTenant = spread(MAILBOXES, TENANTS);
  const domains = DOMAINS.slice(0, TENANTS);
  if (domains.length < TENANTS) throw new Error(`at most ${DOMAINS.length} tenants`);
  const tenantFile = join(dir, 'tenants.json');
  // The named demo people come first (the admin who consents among them); generated users follow.
  writeFileSync(
    tenantFile,
    JSON.stringify(
      domains.map((domain, i) => ({
        domain,
        people: 'contoso',
        users: 29 + perTenant[i] + OUT_OF_SCOPE + 2,
        messagesPerMailbox: 6,
        eventsPerMailbox: 8,
      })),
    ),
  );
  say(`starting: ${TENANTS} tenants, ${MAILBOXES} mailboxes, ${MINUTES} min of chaos`);
  stack = await startStack({
    webPort: PORTS.web,
    apiPort: PORTS.api,
    emulatorPort: PORTS.emulator,
    database: 'rox365_soak',
    freshDatabase: true,
    queuePrefix: 'soak',
    emulatorTenantFile: tenantFile,
    workers: 3,
    // Change notifications on unless SOAK_NOTIFICATIONS=off. Lost work is looked for after 2 min
    // (not 30), and channels kept fresh by notifications are polled after 1 min of quiet (not 6 h)
    // as the safety net for dropped notifications, so the run sees both recover.
    notifications: NOTIFICATIONS !== 'off',
    env: {
      REDIS_URL: redis.url(),
      STALE_JOB_MINUTES: '2',
      NOTIFICATIONS_SAFETY_POLL_MINUTES: String(SAFETY_POLL_MINUTES),
    },
    log: (line) => process.stderr.write(`${line}\n`),
  });
  const db = await database(stack);
  const emu = emulatorClient(stack);
  const control = new ControlClient(stack.emulatorUrl, readFileSync(stack.caPath, 'utf8'));
  const figures = { mustBeZero: {}, chaos: {}, work: {} };
  try {
    // 1. Tenants, members and consent, before any fault.
    const orgs = [];
    for (const [i, domain] of domains.entries()) {
      const tenant = await control.tenant(`${domain}.onmicrosoft.com`);
      const people = await emu.generatedUsers(tenant.id, perTenant[i] + OUT_OF_SCOPE);
      const members = people.slice(0, perTenant[i]);
      const outside = people.slice(perTenant[i]);
      const api = apiClient(stack, {
        orgId: `org_soak_${domain}`,
        tenant: `${domain}.onmicrosoft.com`,
        adminUpn: `admin@${domain}.onmicrosoft.com`,
      });
      await api.createMembers(members.map((p) => p.email));
      await api.saveSettings({ calendarAccess: 'read_write', emailAccess: 'read_send' });
      await api.connect(emu);
      orgs.push({
        domain,
        orgId: `org_soak_${domain}`,
        tenantId: tenant.id,
        api,
        members: members.map((p) => ({ ...p, roxUserId: memberId(p.email) })),
        outside,
        writes: [],
        sends: [],
        outlook: new Map(members.map((p) => [p.id, { events: [], messages: [] }])),
      });
      say(`${domain}: ${members.length} members, ${outside.length} users outside, connected`);
    }
    await control.clearRequests();
    for (const org of orgs) {
      await control.clearInvitations(org.tenantId);
      await control.clearDeliveries(org.tenantId);
    }

    // 2. Faults from here to the end of the chaos phase; notifications only if Rox subscribes.
    for (const fault of FAULTS) await control.addFault(fault);
    // Three workers and the emulator share two cores: a request may leave a worker a few
    // milliseconds before another's 429 is read there. Such overlaps are counted on their own;
    // a request arriving later, or the throttled request itself again, is a violation.
    await control.updateSettings({ throttle: { inFlightGraceMs: OVERLAP_GRACE_MS } });
    const notifications = await notificationsConfigured(control, orgs);
    if (notifications) {
      await control.updateSettings({ notificationFaults: { dropRate: 0.1, duplicateRate: 0.1 } });
      say('notifications: 10 % dropped, 10 % duplicated');
    } else {
      say('notifications: skipped (not configured)');
    }
    figures.notifications = notifications;

    await waitFor(
      'mailbox rows',
      async () => {
        const { n } = await db.one(
          `select count(*)::int as n from mailbox where directory_user_id is not null
             and calendar_in_scope and mail_in_scope`,
        );
        return n >= MAILBOXES;
      },
      { timeoutMs: 10 * 60_000, intervalMs: 1000 },
    );

    // 3. The chaos phase: changes stream in while the scheduled hurts happen at their time.
    const started = Date.now();
    // When the hurts happened, to read the throttle violations against.
    const marks = { chaosStarted: new Date(started).toISOString() };
    const elapsed = () => (Date.now() - started) / CHAOS_MS;
    const stream = streamChanges(control, orgs, () => elapsed() < 1);
    const writes = streamWrites(orgs, () => elapsed() < 1);
    const cycles = everyWhile(
      CYCLE_EVERY_MS,
      () => elapsed() < 1,
      () => queueCycles(stack, orgs),
    );
    const expired = expireEveryMailbox(control, orgs, () => elapsed() < 1);
    const pauses = watchPauses(redis.url());
    // The emulator keeps the last 20,000 requests (a few minutes here): each throttle violation's
    // surroundings are copied while the log still holds the "wait" answer it came after.
    let watching = true;
    const violationContexts = [];
    const watch = everyWhile(
      15_000,
      () => watching,
      async () => {
        const fresh = (await control.throttleViolations()).slice(violationContexts.length);
        if (fresh.length === 0) return;
        const log = await control.requests();
        for (const violation of fresh) {
          const at = Date.parse(violation.at);
          const requests = log.filter((r) => Math.abs(Date.parse(r.at) - at) <= 10_000);
          violationContexts.push({ violation, requests });
        }
      },
    );

    await until(() => elapsed() >= 0.35);
    figures.chaos.workersKilled = await killTwoWorkersMidRound(stack, db, orgs);
    marks.workersKilled = new Date().toISOString();
    await until(() => elapsed() >= 0.65);
    marks.redisDown = new Date().toISOString();
    pauses.endAll(Date.parse(marks.redisDown));
    await redis.restart();
    marks.redisUp = new Date().toISOString();
    figures.chaos.redisRestarts = 1;
    say('redis restarted (its data gone with it)');
    await until(() => elapsed() >= 1);
    const [changes, work] = await Promise.all([stream, writes, cycles]).then(([c, w]) => [c, w]);
    figures.chaos.mailboxesExpired = await expired;
    figures.work = { ...work, outlookChanges: changes };
    say(
      `chaos over: ${changes} Outlook changes, ${work.calendarWrites} writes, ${work.sends} sends`,
    );

    // 4. Settle under the same faults: every write and send finished, every round done twice.
    const settled = await settle(stack, db, orgs, notifications);
    figures.mustBeZero['writes or sends not finished'] = settled.unfinished;
    figures.mustBeZero['mailbox channels not ok'] = settled.channelsNotOk;

    // What the run did to Rox, read before the comparison adds requests of its own.
    const counters = await control.counters();
    figures.chaos.graphRequests = Object.entries(counters.byPath)
      .filter(([k]) => / \/v1\.0\//.test(k))
      .reduce((n, [, v]) => n + v, 0);
    figures.chaos.throttled429 = counters.byStatus['429'] ?? 0;
    figures.chaos.unavailable503 = counters.byStatus['503'] ?? 0;
    figures.chaos.resetsOrLost = counters.byStatus['0'] ?? 0;
    figures.chaos.lostAnswers = counters.byStatus['504'] ?? 0;
    figures.chaos.gone410 = counters.byStatus['410'] ?? 0;
    watching = false;
    await watch;
    const violations = await control.throttleViolations();
    figures.mustBeZero['throttle violations'] = violations.length;
    const overlaps = await control.throttleOverlaps();
    figures.chaos[`requests in flight as a 429 was answered (≤ ${OVERLAP_GRACE_MS} ms)`] =
      overlaps.length;
    pauses.stop();
    figures.chaos['mailbox pauses seen in Redis'] = [...pauses.began.values()].reduce(
      (n, mailboxPauses) => n + mailboxPauses.size,
      0,
    );
    // The same reading for the overlaps: which side of the race they were on.
    const ahead = overlaps
      .map((o) => explainViolation(o, pauses.began).knownBeforeArrivalMs)
      .filter((ms) => ms !== null);
    figures.chaos['overlaps arriving after their pause was in Redis'] = ahead.length;
    if (ahead.length > 0) {
      figures.chaos['overlaps: most ms after their pause was in Redis'] = Math.max(...ahead);
    }
    const explained = violations.map((v) => explainViolation(v, pauses.began));
    for (const line of explained) say(line.summary);
    if (violations.length > 0) {
      const file = join(dir, 'throttle-violations.json');
      // With the request log, to tell a request already in flight from one sent after the 429.
      const requests = await control.requests();
      writeFileSync(
        file,
        JSON.stringify({ marks, violations, explained, violationContexts, requests }, null, 1),
      );
      say(`throttle violations: ${file}`);
    }
    figures.mustBeZero['requests to out-of-scope mailboxes'] = orgs
      .flatMap((o) => o.outside)
      .reduce((n, p) => n + (counters.byMailbox[p.id] ?? 0), 0);
    if (notifications) figures.chaos.notifications = await notificationFigures(control);

    // 5. The faults go; Rox against the emulator's ground truth, mailbox by mailbox.
    await control.clearFaults();
    const truth = await compare(db, emu, orgs);
    Object.assign(figures.mustBeZero, truth.mustBeZero);
    figures.work = { ...figures.work, ...truth.work };
    if (truth.mismatches.length > 0) {
      const file = join(dir, 'mismatches.json');
      writeFileSync(file, JSON.stringify(truth.mismatches, null, 1));
      say(`missing and ghosts: ${file}`);
    }
    return figures;
  } finally {
    await db.close().catch(() => {});
    await stack.stop();
    await redis.stop();
  }
}

// ---- when each mailbox's pause reached Redis ------------------------------------------------------

/**
 * Listens for the workers' pause flags (`…:graph-slots:{app|tenant|users/<id>}:paused`) and reads
 * the time each pause began, which the flag holds (Redis' clock, this machine's). A throttle
 * violation is then read against it: a request that arrived before the pause reached Redis left
 * before any process could know; one that arrived well after was sent although it was known.
 * Survives the Redis restart (ioredis subscribes again).
 */
function watchPauses(url) {
  const options = { maxRetriesPerRequest: 1, retryStrategy: () => 200 };
  const listener = new Redis(url, options);
  const reader = new Redis(url, options);
  /** mailbox id → pause start (ms) → its latest known end (ms), both on Redis' clock */
  const began = new Map();
  listener.on('error', () => {});
  reader.on('error', () => {});
  void listener.psubscribe('__keyspace@0__:*:paused').catch(() => {});
  listener.on('pmessage', (_pattern, channel, event) => {
    if (event !== 'set') return;
    const key = channel.slice('__keyspace@0__:'.length);
    const mailbox = /users\/([^/}|]+)\}:paused$/.exec(key)?.[1];
    if (!mailbox) return;
    reader
      .multi()
      .get(key)
      .pttl(key)
      .time()
      .exec()
      .then((answers) => {
        const [[, value], [, ttl], [, [seconds, micros]]] = answers;
        const since = Number(value);
        if (!Number.isFinite(since) || since <= 0 || ttl < 0) return;
        const until = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000) + ttl;
        const pauses = began.get(mailbox) ?? new Map();
        pauses.set(since, Math.max(pauses.get(since) ?? 0, until));
        began.set(mailbox, pauses);
      })
      .catch(() => {}); // expired before it was read: that pause is not explained
  });
  return {
    began,
    /** The Redis restart drops every flag without an event: the pauses standing end here. */
    endAll(atMs) {
      for (const pauses of began.values())
        for (const [since, until] of pauses) if (until > atMs) pauses.set(since, atMs);
    },
    stop() {
      listener.disconnect();
      reader.disconnect();
    },
  };
}

/** A violation next to the pauses recorded for its mailbox around its "wait" answer. */
function explainViolation(violation, began) {
  const arrivedMs = Date.parse(violation.at);
  const answeredMs = arrivedMs - (violation.afterAnswerMs ?? 0);
  const pauses = [...(began.get(violation.mailbox.toLowerCase()) ?? new Map())]
    .filter(([since, until]) => until >= answeredMs - 10_000 && since <= arrivedMs + 10_000)
    .sort(([a], [b]) => a - b);
  const starts = pauses.map(([since]) => since);
  // The pause standing in Redis as the request arrived, if any.
  const knownAt =
    pauses.filter(([since, until]) => since <= arrivedMs && arrivedMs < until).at(-1)?.[0] ?? null;
  const nextStart = starts.find((ms) => ms > arrivedMs) ?? null;
  const head = `throttle violation ${violation.path}: ${violation.afterAnswerMs} ms after the "wait" answer`;
  let summary;
  if (knownAt !== null) {
    summary = `${head}; a pause of that mailbox reached Redis ${arrivedMs - knownAt} ms before the request arrived (${knownAt - answeredMs} ms after the answer)`;
  } else if (nextStart !== null) {
    summary = `${head}; its pause reached Redis ${nextStart - arrivedMs} ms after the request arrived: sent before any process knew`;
  } else {
    summary = `${head}; no pause of that mailbox seen in Redis around it`;
  }
  return {
    violation,
    pauseStartsAfterAnswerMs: starts.map((ms) => ms - answeredMs),
    knownBeforeArrivalMs: knownAt === null ? null : arrivedMs - knownAt,
    summary,
  };
}

// ---- the soak's own Redis -----------------------------------------------------------------------

/** A redis-server child on a free port, never the shared one: the soak restarts it. */
async function startRedis() {
  const port = await freePort();
  let child = null;
  const start = async () => {
    child = spawn(
      'redis-server',
      // The keyspace events of string commands: the soak hears each pause flag being set.
      // prettier-ignore
      ['--port', String(port), '--save', '', '--appendonly', 'no', '--daemonize', 'no',
        '--notify-keyspace-events', 'K$'],
      { stdio: 'ignore' },
    );
    await waitFor('redis', () => ping(port), { timeoutMs: 10_000, intervalMs: 100 });
  };
  const stop = () =>
    new Promise((resolveStop) => {
      if (!child || child.exitCode !== null || child.signalCode !== null) return resolveStop();
      child.once('exit', () => resolveStop());
      child.kill('SIGKILL');
    });
  await start();
  return {
    url: () => `redis://127.0.0.1:${port}`,
    async restart() {
      await stop();
      await sleep(2_000);
      await start();
    },
    stop,
  };
}

function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

function ping(port) {
  return new Promise((resolvePing) => {
    const child = spawn('redis-cli', ['-p', String(port), 'ping'], { stdio: ['ignore', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    child.on('exit', () => resolvePing(out.trim() === 'PONG'));
    child.on('error', () => resolvePing(false));
  });
}

// ---- notifications ------------------------------------------------------------------------------

/**
 * Whether Rox takes change notifications: SOAK_NOTIFICATIONS=on|off, else (auto) whether it has
 * subscribed to any soak mailbox in the emulator or its status says notifications are configured.
 */
async function notificationsConfigured(control, orgs) {
  if (NOTIFICATIONS === 'on') return true;
  if (NOTIFICATIONS === 'off') return false;
  const tenants = new Set(orgs.map((o) => o.tenantId));
  // Rox may subscribe shortly after connect.
  for (let i = 0; i < 10; i++) {
    const subs = await control.subscriptions();
    if (subs.some((s) => tenants.has(s.tenantId))) return true;
    const status = await orgs[0].api.status().catch(() => ({}));
    const section = status?.notifications;
    if (section && (section.configured === true || section.enabled === true)) return true;
    await sleep(500);
  }
  return false;
}

async function notificationFigures(control) {
  const log = (await control.notifications()).filter((d) => d.kind === 'notification');
  return {
    sent: log.filter((d) => typeof d.status === 'number' && !d.duplicate).length,
    dropped: log.filter((d) => d.status === 'dropped').length,
    duplicated: log.filter((d) => d.duplicate).length,
  };
}

// ---- what happens during the chaos phase --------------------------------------------------------

const until = (done) => waitFor('chaos phase', done, { timeoutMs: 24 * HOUR, intervalMs: 250 });

async function everyWhile(ms, going, fn) {
  while (going()) {
    await fn().catch((e) => say(`cycle: ${e.message}`));
    await sleep(ms);
  }
}

async function queueCycles(stack, orgs) {
  for (const org of orgs) {
    await queueCalendarCycle(stack, org.orgId);
    // The admin's "sync now", the same keyed cycle the mail cron queues.
    await org.api.call('POST', '/api/v1/orgwide/mail/sync');
  }
}

/** Outlook users at work: new, renamed, cancelled and deleted meetings; mail in, read, moved, deleted. */
async function streamChanges(control, orgs, going) {
  let n = 0;
  const tomorrow = Date.now() + 24 * HOUR;
  while (going()) {
    const org = pick(orgs);
    const member = pick(org.members);
    const mine = org.outlook.get(member.id);
    const kind = random();
    n += 1;
    try {
      if (kind < 0.25 || mine.events.length === 0) {
        const start = new Date(tomorrow + Math.floor(random() * 72) * HOUR);
        const event = await control.createEvent(org.tenantId, member.id, {
          subject: `Outlook ${n}`,
          start: start.toISOString().slice(0, 19),
          end: new Date(start.getTime() + HOUR / 2).toISOString().slice(0, 19),
          timeZone: 'UTC',
        });
        mine.events.push(event.id);
      } else if (kind < 0.35) {
        await control.updateEvent(org.tenantId, member.id, pick(mine.events), {
          subject: `Outlook ${n} renamed`,
        });
      } else if (kind < 0.4) {
        await control.cancelEvent(org.tenantId, member.id, mine.events.shift());
      } else if (kind < 0.45) {
        await control.deleteEvent(org.tenantId, member.id, mine.events.shift());
      } else if (kind < 0.75 || mine.messages.length === 0) {
        const from = pick(org.members);
        const message = await control.deliverMail(org.tenantId, member.id, {
          subject: `Mail ${n}`,
          body: `Body ${n}`,
          from: { name: from.email, address: from.email },
        });
        mine.messages.push(message.id);
      } else if (kind < 0.85) {
        await control.updateMail(org.tenantId, member.id, pick(mine.messages), { isRead: true });
      } else if (kind < 0.93) {
        await control.moveMail(org.tenantId, member.id, mine.messages.shift(), 'archive');
      } else {
        await control.deleteMail(org.tenantId, member.id, mine.messages.shift());
      }
    } catch (error) {
      say(`outlook change ${n}: ${error.message}`);
    }
    await sleep(150);
  }
  return n;
}

/** Rox's own writes: meetings with in-tenant attendees, and mail to a colleague and a partner. */
async function streamWrites(orgs, going) {
  let calendarWrites = 0;
  let sends = 0;
  let n = 0;
  const base = Date.now() + 96 * HOUR;
  while (going()) {
    n += 1;
    const org = pick(orgs);
    const [from, a, b] = [pick(org.members), pick(org.members), pick(org.members)];
    const attendees = [...new Set([a, b].filter((x) => x.id !== from.id))];
    if (n % 2 === 0 && attendees.length > 0) {
      const start = new Date(base + n * HOUR);
      const body = {
        idempotencyKey: `soak-write-${org.orgId}-${n}`,
        subject: `Rox meeting ${n}`,
        start: start.toISOString(),
        end: new Date(start.getTime() + HOUR / 2).toISOString(),
        attendees: attendees.map((x) => ({ email: x.email })),
      };
      const write = await accepted(org, `/api/v1/calendar/members/${from.roxUserId}/events`, body);
      if (write) {
        org.writes.push({ id: write.id, subject: body.subject, attendees, organizer: from });
        calendarWrites += 1;
      }
    } else {
      const to = attendees[0] ?? a;
      const body = {
        idempotencyKey: `soak-send-${org.orgId}-${n}`,
        roxUserId: from.roxUserId,
        to: [to.email],
        bcc: [PARTNER],
        subject: `Rox send ${n}`,
        body: { contentType: 'text', content: `Sent by Rox (${n})` },
      };
      const send = await accepted(org, '/api/v1/mail/sends', body);
      if (send) {
        org.sends.push({ id: send.id, recipients: [to.email, PARTNER] });
        sends += 1;
      }
    }
    await sleep(400);
  }
  return { calendarWrites, sends };
}

/** POSTs as the org's Rox backend; a refusal it can retry (the API without Redis) is retried. */
async function accepted(org, path, body) {
  for (let attempt = 0; attempt < 30; attempt++) {
    const res = await org.api.call('POST', path, body, org.api.tokens.service).catch(() => null);
    if (res?.status === 202 || res?.status === 200) return res.json();
    if (res && res.status < 500) {
      say(`${path}: ${res.status} ${await res.text()}`);
      return null;
    }
    await sleep(1_000);
  }
  say(`${path}: no answer after 30 attempts`);
  return null;
}

/** Every member mailbox's calendar and mail delta tokens die once, spread over the first half. */
async function expireEveryMailbox(control, orgs, going) {
  const all = orgs.flatMap((o) => o.members.map((m) => ({ tenantId: o.tenantId, id: m.id })));
  const gap = (CHAOS_MS * 0.5) / Math.max(1, all.length);
  let n = 0;
  for (const mailbox of all) {
    if (!going()) break;
    try {
      await control.expireDeltaTokens(mailbox.tenantId, { resource: 'events', user: mailbox.id });
      await control.expireDeltaTokens(mailbox.tenantId, { resource: 'messages', user: mailbox.id });
      n += 1;
    } catch (error) {
      say(`delta expiry of ${mailbox.id}: ${error.message}`);
    }
    await sleep(gap);
  }
  return n;
}

/** Waits until a round is running, then SIGKILLs two of the three workers and starts two more. */
async function killTwoWorkersMidRound(stack, db, orgs) {
  await queueCycles(stack, orgs);
  await waitFor(
    'a round in progress',
    async () => {
      const { n } = await db.one(
        `select (select count(*) from calendar_channel where stage = 'running')
              + (select count(*) from mail_channel where stage = 'running') as n`,
      );
      return Number(n) > 0;
    },
    { timeoutMs: 5 * 60_000, intervalMs: 100 },
  );
  const alive = stack.processes.workers.filter((w) => w.exitCode === null && !w.signalCode);
  const victims = alive.slice(0, 2);
  for (const w of victims) {
    w.stopping = true;
    w.kill('SIGKILL');
  }
  say(`killed workers ${victims.map((w) => w.pid).join(', ')} (SIGKILL) mid-round`);
  for (let i = 0; i < victims.length; i++) stack.spawnWorker();
  return victims.length;
}

// ---- settling -----------------------------------------------------------------------------------

/** Every write and send finished and two full rounds of every mailbox done since, under faults. */
async function settle(stack, db, orgs, notifications) {
  const deadline = Date.now() + SETTLE_TIMEOUT_MS;
  const unfinished = async () => {
    let n = 0;
    for (const org of orgs) {
      for (const w of org.writes) {
        const s = await status(org, `/api/v1/calendar/writes/${w.id}`);
        w.status = s?.status;
        if (!['succeeded', 'failed'].includes(w.status)) n += 1;
      }
      for (const s of org.sends) {
        const st = await status(org, `/api/v1/mail/sends/${s.id}`);
        s.status = st?.status;
        s.internetMessageId = st?.internetMessageId;
        if (!['sent', 'unknown_delivery', 'failed'].includes(s.status)) n += 1;
      }
    }
    return n;
  };
  // Waits while they make progress; one whose job is gone (lost with Redis) is queued again by
  // the stale-job check (STALE_JOB_MINUTES=2 here, checked every minute).
  let left = await unfinished();
  let progressAt = Date.now();
  while (left > 0 && Date.now() < deadline && Date.now() - progressAt < 5 * 60_000) {
    say(`settling: ${left} writes or sends not finished`);
    await queueCycles(stack, orgs);
    await sleep(10_000);
    const now = await unfinished();
    if (now < left) progressAt = Date.now();
    left = now;
  }
  // A change whose notification was dropped reaches Rox through the safety poll: wait it out.
  if (notifications) await sleep(SAFETY_POLL_MINUTES * 60_000 + 5_000);
  // Two rounds of every mailbox after the last change, each with its own time limit.
  let notOk = 0;
  for (let round = 0; round < 2; round++) {
    await queueCycles(stack, orgs);
    await sleep(3_000);
    notOk = await waitQuiet(stack, db, Date.now() + SETTLE_TIMEOUT_MS / 2);
  }
  return { unfinished: left, channelsNotOk: notOk };
}

async function status(org, path) {
  const res = await org.api.call('GET', path, undefined, org.api.tokens.service).catch(() => null);
  return res?.ok ? res.json() : null;
}

/** Waits for no calendar or mail job and every channel ok; answers the channels still not ok. */
async function waitQuiet(stack, db, deadline) {
  const queues = [openQueue(stack, 'calendar'), openQueue(stack, 'mail')];
  try {
    for (;;) {
      let busy = 0;
      for (const q of queues) {
        const counts = await q.getJobCounts();
        busy += counts.waiting + counts.active + counts.delayed;
      }
      const { n } = await db.one(
        `select (select count(*) from calendar_channel where stage <> 'ok')
              + (select count(*) from mail_channel where stage <> 'ok') as n`,
      );
      if ((busy === 0 && Number(n) === 0) || Date.now() > deadline) return Number(n);
      await sleep(2_000);
    }
  } finally {
    await Promise.all(queues.map((q) => q.close()));
  }
}

// ---- the comparison -----------------------------------------------------------------------------

async function compare(db, emu, orgs) {
  const z = {
    missing: 0,
    duplicates: 0,
    ghosts: 0,
    'duplicate sends': 0,
    'duplicate invitations': 0,
    'sends with a missing copy': 0,
    'missing invitations': 0,
    'unexpected meeting updates': 0,
  };
  const work = { writesSucceeded: 0, writesFailed: 0, sent: 0, unknownDelivery: 0, sendsFailed: 0 };
  // Which item of which mailbox is missing or a ghost, for the run's folder.
  const mismatches = [];
  for (const org of orgs) {
    const list = async (path) => {
      const out = [];
      let next = path;
      while (next) {
        const page = await emu.graph(org.tenantId, 'GET', next);
        out.push(...page.value);
        const link = page['@odata.nextLink'];
        next = link ? link.slice(link.indexOf('/v1.0') + 5) : null;
      }
      return out;
    };
    const channels = await db.rows(
      'select rox_user_id, window_start, window_end from calendar_channel where org_id = $1',
      [org.orgId],
    );
    const windows = new Map(channels.map((c) => [c.rox_user_id, c]));
    for (const m of org.members) {
      // Calendar: the channel's window in Outlook against Rox's links.
      const c = windows.get(m.roxUserId);
      if (c) {
        const truth = await list(
          `/users/${m.id}/calendarView?startDateTime=${new Date(c.window_start).toISOString()}` +
            `&endDateTime=${new Date(c.window_end).toISOString()}&$top=500&$select=id`,
        );
        const held = await db.rows(
          'select graph_id from calendar_event_link where org_id = $1 and rox_user_id = $2',
          [org.orgId, m.roxUserId],
        );
        diff(
          z,
          new Set(truth.map((e) => e.id)),
          new Set(held.map((h) => h.graph_id)),
          { org: org.domain, mailbox: m.id, channel: 'calendar' },
          mismatches,
        );
      } else {
        z.missing += 1;
        mismatches.push({
          org: org.domain,
          mailbox: m.id,
          channel: 'calendar',
          kind: 'no channel',
        });
      }
      // Mail: Inbox and Sent Items against Rox's links of each folder.
      for (const folder of ['inbox', 'sentitems']) {
        const truth = await list(
          `/users/${m.id}/mailFolders/${folder}/messages?$select=id&$top=1000`,
        );
        const held = await db.rows(
          'select graph_id from mail_message_link where org_id = $1 and rox_user_id = $2 and folder = $3',
          [org.orgId, m.roxUserId, folder],
        );
        diff(
          z,
          new Set(truth.map((e) => e.id)),
          new Set(held.map((h) => h.graph_id)),
          { org: org.domain, mailbox: m.id, channel: folder },
          mismatches,
        );
      }
    }
    // Nothing twice: one meeting once per mailbox, one Rox event per meeting, one message per folder.
    const dupes = await db.one(
      `select
         (select count(*) from (select 1 from calendar_event_link where org_id = $1
            group by rox_user_id, event_id having count(*) > 1) a)
       + (select count(*) from (select 1 from calendar_event where org_id = $1 and i_cal_uid is not null
            group by i_cal_uid, original_start having count(*) > 1) b)
       + (select count(*) from (select 1 from mail_message_link where org_id = $1
            group by rox_user_id, folder, message_id having count(*) > 1) c) as n`,
      [org.orgId],
    );
    z.duplicates += Number(dupes.n);

    // Sends: each recipient got exactly one copy.
    for (const s of org.sends) {
      if (s.status === 'sent') work.sent += 1;
      else if (s.status === 'unknown_delivery') work.unknownDelivery += 1;
      else if (s.status === 'failed') work.sendsFailed += 1;
      if (!s.internetMessageId) continue;
      const copies = await emu.control(
        'GET',
        `/tenants/${org.tenantId}/deliveries?internetMessageId=${encodeURIComponent(s.internetMessageId)}`,
      );
      const count = new Map(copies.map((d) => [d.recipient.toLowerCase(), d.count]));
      for (const r of s.recipients) {
        const got = count.get(r.toLowerCase()) ?? 0;
        if (got > 1) z['duplicate sends'] += got - 1;
        // An unfinished send is counted on its own; a finished one must have arrived.
        if (got === 0 && ['sent', 'unknown_delivery'].includes(s.status))
          z['sends with a missing copy'] += 1;
      }
    }
    // Invitations: one per attendee of each succeeded write, none from anything else.
    const expected = new Map();
    // A write that never finished may or may not have reached Outlook (reported on its own).
    const maybe = new Map();
    for (const w of org.writes) {
      if (!['succeeded', 'failed'].includes(w.status))
        for (const a of w.attendees) maybe.set(a.id, (maybe.get(a.id) ?? 0) + 1);
      if (w.status === 'succeeded') work.writesSucceeded += 1;
      else if (w.status === 'failed') work.writesFailed += 1;
      if (w.status !== 'succeeded') continue;
      for (const a of w.attendees) expected.set(a.id, (expected.get(a.id) ?? 0) + 1);
    }
    const invitations = await emu.control('GET', `/tenants/${org.tenantId}/invitations`);
    for (const user of new Set([...expected.keys(), ...Object.keys(invitations)])) {
      const got = invitations[user]?.created ?? 0;
      const want = expected.get(user) ?? 0;
      if (got > want + (maybe.get(user) ?? 0))
        z['duplicate invitations'] += got - want - (maybe.get(user) ?? 0);
      if (got < want) z['missing invitations'] += want - got;
      // Rox only creates meetings here; an update or cancellation copy would be a stray write.
      z['unexpected meeting updates'] +=
        (invitations[user]?.updated ?? 0) + (invitations[user]?.cancelled ?? 0);
    }
  }
  return { mustBeZero: z, work, mismatches };
}

function diff(z, truth, held, where, mismatches) {
  for (const id of truth)
    if (!held.has(id)) {
      z.missing += 1;
      mismatches.push({ ...where, kind: 'missing', id });
    }
  for (const id of held)
    if (!truth.has(id)) {
      z.ghosts += 1;
      mismatches.push({ ...where, kind: 'ghost', id });
    }
}

/** `total` split over `parts` as evenly as whole numbers allow. */
function spread(total, parts) {
  return Array.from(
    { length: parts },
    (_, i) => Math.floor(total / parts) + (i < total % parts ? 1 : 0),
  );
}

function report(f) {
  const rows = [
    `soak: ${TENANTS} tenants, ${MAILBOXES} mailboxes, ${MINUTES} min of chaos`,
    '',
    'must be zero:',
    ...Object.entries(f.mustBeZero).map(([k, v]) => `  ${k.padEnd(40)} ${v}`),
    '',
    'chaos:',
    ...Object.entries(f.chaos).map(
      ([k, v]) => `  ${k.padEnd(40)} ${typeof v === 'object' ? JSON.stringify(v) : v}`,
    ),
    `  ${'notifications'.padEnd(40)} ${f.notifications ? 'faulted' : 'skipped (not configured)'}`,
    '',
    'work:',
    ...Object.entries(f.work).map(([k, v]) => `  ${k.padEnd(40)} ${v}`),
  ];
  return rows.join('\n');
}

// A background step that throws must say what it was doing, not kill the run silently.
process.on('unhandledRejection', (error) => {
  say(`background step failed: ${error instanceof Error ? (error.stack ?? error.message) : error}`);
});

const figures = await run().catch((error) => {
  say(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  return null;
});
if (!figures) process.exit(1);
process.stdout.write(`${report(figures)}\n`);
process.exit(Object.values(figures.mustBeZero).every((n) => n === 0) ? 0 : 1);
