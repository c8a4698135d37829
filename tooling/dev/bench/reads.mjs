// Reads benchmark (`pnpm bench`, scenario `reads`): the API's read endpoints over a large org.
// Syncing a million rows through Graph would take hours, so the rows are written straight into
// PostgreSQL with set-based SQL, in the shape the sync writes them (calendar_event with a sealed
// invitation-sized body + one link per mailbox copy + a `created` feed row; mail_message + links +
// feed rows, metadata level so the sealed body columns stay null), after the members were created
// through the API. Then each read endpoint Rox backends and the SPA use, and /healthz as the
// baseline, is loaded at fixed rates; every request picks another member, message, contact,
// conversation or feed cursor.
//
// Sizes: BENCH_READS_ROWS=1000000 (half events, half messages), BENCH_READS_MEMBERS=1000.
// Load: BENCH_READS_RATES=100,250,500 requests per second, BENCH_LOAD_SECONDS=10 per step.
// BENCH_READS_ONLY=<part of an endpoint's name> loads only those (and /healthz); the last target,
// "every read above, in turn", rotates through all of them.
// BENCH_READS_API_PROCESSES=1 API processes sharing the load (ports 3103, 3104, …), as instances
// behind a load balancer. Arrivals are steady and open-loop (kit.mjs steadyLoad).
// BENCH_READS_REUSE=1 keeps a database seeded by an earlier run at the same sizes (for trying a
// fix without seeding again). BENCH_READS_EXPLAIN=1 prints EXPLAIN ANALYZE of the heaviest
// queries. Results: one Markdown table.
import { startStack } from '../stack.mjs';
import {
  apiClient,
  assertPortsFree,
  cpuMs,
  database,
  fmt,
  log,
  ORG,
  peakRssMb,
  postgresCpu,
  postgresCpuSince,
  resetPeakRss,
  rssMb,
  sleep,
  steadyLoad,
  trustEmulatorCa,
  waitFor,
} from './kit.mjs';

trustEmulatorCa();

const ROWS = Number(process.env.BENCH_READS_ROWS ?? 1_000_000);
const MEMBERS = Number(process.env.BENCH_READS_MEMBERS ?? 1000);
const RATES = (process.env.BENCH_READS_RATES ?? '100,250,500').split(',').map(Number);
const LOAD_SECONDS = Number(process.env.BENCH_LOAD_SECONDS ?? 10);
const REUSE = process.env.BENCH_READS_REUSE === '1';
const API_PROCESSES = Number(process.env.BENCH_READS_API_PROCESSES ?? 1);
const WARM_SECONDS = 5;
const EVENTS = Math.floor(ROWS / 2);
const MESSAGES = ROWS - EVENTS;
// External correspondents: a quarter of the mail is between two members, the rest with one of these.
const CONTACTS = Math.max(100, MEMBERS * 2);
// A customer's main address: on one message in 25 (15,000 of 500,000, with its shapes).
const BUSY_CONTACT = 'orders@fabrikam.example';
const DATABASE = 'rox365_bench_reads';
const GOAL_P99_MS = 25;
const DAY = 86_400_000;

if (MEMBERS < 2) throw new Error('BENCH_READS_MEMBERS must be at least 2');

function member(n) {
  const padded = String(n).padStart(5, '0');
  return { roxUserId: `m_reads${padded}`, email: `reads${padded}@contoso.onmicrosoft.com` };
}

const result = await run();
printSummary(result);
if (result.error) process.exitCode = 1;

async function run() {
  const apiPorts = Array.from({ length: API_PROCESSES }, (_, n) => 3103 + n);
  await assertPortsFree([5276, ...apiPorts, 4113]);
  const stack = await startStack({
    webPort: 5276,
    apiPort: 3103,
    emulatorPort: 4113,
    database: DATABASE,
    freshDatabase: !REUSE,
    queuePrefix: 'benchreads',
    apiProcesses: API_PROCESSES,
    // A quiet stack: nothing syncs (the org is never connected), the rows are seeded.
    env: { WORKER_CRONS_ENABLED: 'false' },
    // e.g. BENCH_API_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" to profile the API
    apiNodeArgs: (process.env.BENCH_API_NODE_ARGS ?? '').split(' ').filter(Boolean),
    log: (line) => process.stderr.write(`${line}\n`),
  });
  const out = {
    endpoints: [],
    events: EVENTS,
    messages: MESSAGES,
    members: MEMBERS,
    apiProcesses: API_PROCESSES,
  };
  // Every API process's CPU time together (ms), and whether one of them has exited.
  const apiCpuMs = () => stack.processes.apis.reduce((sum, p) => sum + cpuMs(p.pid), 0);
  const apiExited = () => stack.processes.apis.some((p) => p.exitCode !== null);
  const db = await database(stack);
  try {
    const api = apiClient(stack);
    const seeded = REUSE ? await seededCounts(db) : null;
    if (seeded && seeded.events === EVENTS && seeded.messages === MESSAGES) {
      log(`reads: reusing ${seeded.events} events and ${seeded.messages} messages`);
    } else {
      if (REUSE) throw new Error(`BENCH_READS_REUSE: the database holds ${JSON.stringify(seeded)}`);
      const started = Date.now();
      await createMembers(api, db);
      out.membersMs = Date.now() - started;
      log(`reads: ${MEMBERS} members and their mailbox rows in ${out.membersMs} ms`);
      const seedStarted = Date.now();
      await seed(db);
      out.seedMs = Date.now() - seedStarted;
      log(`reads: seeded in ${out.seedMs} ms`);
    }
    out.sizes = await db.one(
      `select (select count(*) from calendar_event)::int as events,
              (select count(*) from calendar_event_link)::int as event_links,
              (select count(*) from calendar_change)::int as calendar_changes,
              (select count(*) from mail_message)::int as messages,
              (select count(*) from mail_message_link)::int as message_links,
              (select count(*) from mail_change)::int as mail_changes,
              pg_size_pretty(pg_database_size(current_database())) as db_size`,
    );
    log(`reads: ${JSON.stringify(out.sizes)}`);
    await ensureAllVisible(db);
    out.allVisible = await visibility(db);
    log(`reads: pages all-visible ${JSON.stringify(out.allVisible)}`);
    const picks = await samples(db);
    if (process.env.BENCH_READS_EXPLAIN === '1') await explain(db, picks);

    const token = api.tokens.admin;
    const only = process.env.BENCH_READS_ONLY;
    const targets = endpoints(picks).filter(
      (t) => !only || t.name === '/healthz' || t.name.includes(only),
    );
    // The first requests of each route compile its code paths (and the first reads of each table
    // warm Postgres' cache): a discarded step at the lowest rate first.
    for (const target of targets) await load(stack.apiUrls, target, RATES[0], token, WARM_SECONDS);
    log('reads: warmed up');
    resetPeakRss(stack.processes.api.pid);
    out.apiRssBeforeMb = rssMb(stack.processes.api.pid);
    loading: for (const rate of RATES) {
      for (const target of targets) {
        if (!(await settled(stack))) {
          out.error = `the API did not recover before ${target.name} at ${rate}/s`;
          break loading;
        }
        const cpuBefore = apiCpuMs();
        const postgresBefore = postgresCpu();
        const measured = await load(stack.apiUrls, target, rate, token);
        // The API's own CPU per answered request (clock ticks of 10 ms, so an average), and
        // PostgreSQL's.
        measured.cpuMsPerRequest =
          measured.answered > 0 ? (apiCpuMs() - cpuBefore) / measured.answered : null;
        measured.postgresMsPerRequest =
          measured.answered > 0 ? postgresCpuSince(postgresBefore) / measured.answered : null;
        out.endpoints.push({ rate, name: target.name, ...measured });
        log(
          `reads @${rate}/s ${target.name}: p50 ${measured.p50} ms p99 ${measured.p99} ms, ` +
            `API CPU ${fmt(measured.cpuMsPerRequest)} ms/request, ` +
            `PostgreSQL ${fmt(measured.postgresMsPerRequest)} ms/request, ` +
            `load generator ${fmt(measured.generatorCpuMsPerRequest)} ms/request`,
        );
        if (apiExited()) {
          out.error = `the API exited under load on ${target.name} at ${rate}/s`;
          break loading;
        }
      }
    }
    out.apiPeakRssMb = peakRssMb(stack.processes.api.pid);
  } catch (error) {
    out.error =
      error instanceof Error ? `${error.message} ${String(error.cause ?? '')}` : String(error);
    log(`reads: ${out.error}`);
    if (process.env.BENCH_DEBUG) console.error(error);
  } finally {
    await db.close();
    await stack.stop();
  }
  return out;
}

async function seededCounts(db) {
  const exists = await db.one(`select to_regclass('calendar_event') is not null as ok`);
  if (!exists.ok) return null;
  return db.one(
    `select (select count(*) from calendar_event where org_id = $1)::int as events,
            (select count(*) from mail_message where org_id = $1)::int as messages`,
    [ORG],
  );
}

// Members through the API (as Rox backends create them); the worker materialises each one's
// mailbox row, which the member reads need.
async function createMembers(api, db) {
  const emails = Array.from({ length: MEMBERS }, (_, i) => member(i + 1).email);
  await api.createMembers(emails);
  await api.saveSettings({ calendarAccess: 'read', emailAccess: 'metadata' });
  await waitFor(
    'mailbox rows',
    async () => {
      const { n } = await db.one(`select count(*)::int as n from mailbox where org_id = $1`, [ORG]);
      return n >= MEMBERS;
    },
    { timeoutMs: 10 * 60_000, intervalMs: 1000 },
  );
}

/**
 * The rows a completed sync of every mailbox leaves behind, written set-based. Members are
 * numbered 1..M as in `member(n)`; every value derives from the row number, so a run is repeatable.
 */
async function seed(db) {
  const M = MEMBERS;
  const now = new Date();
  const q = async (what, sql, params = []) => {
    const started = Date.now();
    await db.rows(sql, params);
    log(`reads: ${what} (${Date.now() - started} ms)`);
  };
  await db.rows(`set synchronous_commit = off`);
  await db.rows(`set maintenance_work_mem = '256MB'`);
  await q(
    'members table',
    `create temp table seed_member as
       select n, 'm_reads' || lpad(n::text, 5, '0') as rox_user_id,
              'reads' || lpad(n::text, 5, '0') || '@contoso.onmicrosoft.com' as email
         from generate_series(1, $1::int) n`,
    [M],
  );
  await db.rows(`create unique index on seed_member (n)`);

  // ---- calendar: each event is organised by one member and attended by another and an
  // external guest; both members' mailboxes hold a copy (two links). Starts spread over the
  // two years around now, on quarter hours. Every event carries a sealed body the size of a
  // sealed Teams invitation (~4 KB of HTML → 5,440 characters), drawn from a pool of 1,000
  // incompressible ones: real rows carry them, and a read that fetched them would pay for it.
  await q(
    'calendar bodies',
    `create temp table seed_body as
       select i, (select string_agg(md5(i || '-' || j || '-' || random()), '')
                    from generate_series(1, 170) j) as body
         from generate_series(0, 999) i`,
  );
  await db.rows(`create unique index on seed_body (i)`);
  await q(
    'calendar plan',
    `create temp table seed_event as
       select g as n, gen_random_uuid() as id,
              (g % $2::int) + 1 as organizer_n,
              ((g % $2::int) + 1 + (g / $2::int) % ($2::int - 1)) % $2::int + 1 as attendee_n,
              date_trunc('hour', $3::timestamptz) - interval '365 days'
                + ((g::bigint * 2654435761) % (730 * 96)) * interval '15 minutes' as start_at,
              case when g % 3 = 0 then 60 else 30 end as minutes
         from generate_series(1, $1::int) g`,
    [EVENTS, M, now],
  );
  await q(
    'calendar_event',
    `insert into calendar_event (id, org_id, dedupe_key, i_cal_uid, series_ical_uid,
       original_start, kind, is_cancelled, is_private, is_all_day, start_at, end_at, start_date,
       end_date, time_zone, subject, body_sealed, location, join_url, show_as, organizer,
       attendees, is_from_organizer, updated_at)
     select e.id, $1, 'bench-ical-' || e.n, 'bench-ical-' || e.n, null, null, 'single', false,
            false, false, e.start_at, e.start_at + e.minutes * interval '1 minute', null, null,
            'UTC', 'Meeting ' || e.n, b.body, 'Room ' || (e.n % 40), null, 'busy', o.email,
            jsonb_build_array(
              jsonb_build_object('email', a.email, 'name', 'Attendee ' || a.n,
                                 'type', 'required', 'response', 'accepted'),
              jsonb_build_object('email', 'guest' || (e.n % $2::int) || '@fabrikam.example',
                                 'name', 'Guest', 'type', 'optional', 'response', 'none')),
            true, $3
       from seed_event e
       join seed_member o on o.n = e.organizer_n
       join seed_member a on a.n = e.attendee_n
       join seed_body b on b.i = e.n % 1000
      order by e.n`,
    [ORG, CONTACTS, now],
  );
  await q(
    'calendar_event_link',
    `insert into calendar_event_link (org_id, rox_user_id, graph_id, event_id, series_master_id,
       change_key, is_organizer, response, start_at, seen_round, event_start_at, event_end_at)
     select $1, m.rox_user_id, 'AAMkAGev' || c.organizer || '-' || e.n, e.id, null,
            'ck' || e.n, c.organizer, case when c.organizer then 'organizer' else 'accepted' end,
            e.start_at, 1, e.start_at, e.start_at + e.minutes * interval '1 minute'
       from seed_event e
       cross join (values (true), (false)) c(organizer)
       join seed_member m on m.n = case when c.organizer then e.organizer_n else e.attendee_n end
      order by e.n, c.organizer desc`,
    [ORG],
  );
  await q(
    'calendar_change',
    `insert into calendar_change (org_id, event_id, change, at)
     select $1, e.id, 'created', $2 from seed_event e order by e.n`,
    [ORG, now],
  );
  await q(
    'calendar_channel',
    `insert into calendar_channel (org_id, rox_user_id, stage, delta_link, delta_link_at,
       window_start, window_end, full_round, last_sync_at, last_full_sync_at, last_counts)
     select $1, m.rox_user_id, 'ok',
            'https://graph.microsoft.com/v1.0/users/' || m.email || '/calendarView/delta?$deltatoken=bench',
            $2, $2::timestamptz - interval '365 days', $2::timestamptz + interval '365 days', 1,
            $2, $2, '{"added":0,"updated":0,"removed":0,"total":0}'
       from seed_member m`,
    [ORG, now],
  );

  // ---- mail: a quarter between two members (a Sent Items copy and an Inbox copy), half from an
  // external contact to a member, a quarter from a member to a contact; five messages a
  // conversation; received over the past year.
  await q(
    'mail plan',
    `create temp table seed_message as
       select g as n, gen_random_uuid() as id,
              (g % $2::int) + 1 as member_n,
              case when g % 4 = 0
                   then ((g % $2::int) + 1 + (g / $2::int) % ($2::int - 1)) % $2::int + 1 end as peer_n,
              case when g % 25 = 1 then '${BUSY_CONTACT}'
                   else 'contact' || ((g::bigint * 7919) % $3::int) || '@fabrikam.example' end as contact,
              case g % 4 when 0 then 'internal' when 3 then 'outgoing' else 'incoming' end as shape,
              $4::timestamptz - ((g::bigint * 2654435761) % (365 * 1440)) * interval '1 minute' as received_at
         from generate_series(1, $1::int) g`,
    [MESSAGES, M, CONTACTS, now],
  );
  await q(
    'mail_message',
    `insert into mail_message (id, org_id, internet_message_id, conversation_id, subject,
       from_address, sender_address, reply_to, to_recipients, cc_recipients, bcc_recipients,
       participants, sent_at, received_at, has_attachments, importance, body_available,
       body_sealed, body_content_type, created_at, updated_at)
     select x.id, $1, '<bench-' || x.n || '@contoso.onmicrosoft.com>', 'AAQkAGconv' || (x.n / 5),
            'Message ' || x.n, x.sender, x.sender, '[]', jsonb_build_array(x.recipient), '[]', '[]',
            array[x.sender->>'address', x.recipient->>'address'],
            x.received_at - interval '1 minute', x.received_at, x.n % 10 = 0, 'normal', false,
            null, null, $2, $2
       from (
         select s.*,
                case s.shape when 'incoming'
                  then jsonb_build_object('address', s.contact, 'name', 'Contact')
                  else jsonb_build_object('address', m.email, 'name', 'Member ' || m.n) end as sender,
                case s.shape when 'internal'
                  then jsonb_build_object('address', p.email, 'name', 'Member ' || p.n)
                  when 'outgoing' then jsonb_build_object('address', s.contact, 'name', 'Contact')
                  else jsonb_build_object('address', m.email, 'name', 'Member ' || m.n) end as recipient
           from seed_message s
           join seed_member m on m.n = s.member_n
           left join seed_member p on p.n = s.peer_n
       ) x
      order by x.n`,
    [ORG, now],
  );
  // A message's copies: the member's (Sent Items unless incoming), and the peer's Inbox copy.
  await q(
    'mail copies',
    `create temp table seed_copy as
       select s.n, s.id, s.received_at, m.rox_user_id, 1 as copy,
              case when s.shape = 'incoming' then 'inbox' else 'sentitems' end as folder
         from seed_message s join seed_member m on m.n = s.member_n
       union all
       select s.n, s.id, s.received_at, p.rox_user_id, 2, 'inbox'
         from seed_message s join seed_member p on p.n = s.peer_n`,
  );
  await q(
    'mail_message_link',
    `insert into mail_message_link (org_id, rox_user_id, graph_id, message_id, folder, is_read,
       seen_round, received_at, updated_at)
     select $1, c.rox_user_id, 'AAMkAGms' || c.copy || '-' || c.n, c.id, c.folder,
            c.n % 3 <> 0, 1, c.received_at, $2
       from seed_copy c order by c.n, c.copy`,
    [ORG, now],
  );
  // As the sync writes it: the first copy creates the message, a later copy updates it.
  await q(
    'mail_change',
    `insert into mail_change (org_id, message_id, change, at)
     select $1, c.id, case when c.copy = 1 then 'created' else 'updated' end, $2
       from seed_copy c order by c.n, c.copy`,
    [ORG, now],
  );
  await q(
    'mail_channel',
    `insert into mail_channel (org_id, rox_user_id, folder, stage, delta_link, delta_link_at,
       full_round, last_sync_at, last_full_sync_at, last_counts)
     select $1, m.rox_user_id, f.folder, 'ok',
            'https://graph.microsoft.com/v1.0/users/' || m.email || '/mailFolders/' || f.folder
              || '/messages/delta?$deltatoken=bench',
            $2, 1, $2, $2, '{"added":0,"updated":0,"removed":0,"total":0}'
       from seed_member m cross join (values ('inbox'), ('sentitems')) f(folder)`,
    [ORG, now],
  );
  // A long-lived table has its statistics and visibility map; a fresh bulk load has neither.
  // VACUUM marks a page all-visible only when its rows' commits are known to every snapshot; right
  // after this bulk load (asynchronous commits, other sessions' snapshots) it has left a million
  // links unmarked, and every count of a member's links then read the heap (1,000 fetches, 6 ms)
  // instead of the index alone. So: no other snapshot, and again until the map is set.
  await db.rows(`set synchronous_commit = on`);
  await settleTransactions(db);
  await q(
    'vacuum analyze',
    `vacuum (analyze) calendar_event, calendar_event_link, calendar_change, calendar_channel,
       mail_message, mail_message_link, mail_message_participant, mail_change, mail_channel, mailbox`,
  );
}

// Vacuums again, with no other snapshot open, the tables whose visibility map is not set.
async function ensureAllVisible(db) {
  for (let pass = 0; pass < 3; pass += 1) {
    const unmarked = (await visibility(db)).filter((v) => v.percent < 99).map((v) => v.table);
    if (unmarked.length === 0) return;
    await settleTransactions(db);
    const started = Date.now();
    await db.rows(`vacuum ${unmarked.join(', ')}`);
    log(`reads: vacuum ${unmarked.join(', ')} again (${Date.now() - started} ms)`);
  }
}

// Waits (up to a minute) until no other session of this database holds a snapshot.
async function settleTransactions(db) {
  for (let i = 0; i < 600; i += 1) {
    const { n } = await db.one(
      `select count(*)::int as n from pg_stat_activity
        where datname = current_database() and pid <> pg_backend_pid() and backend_xmin is not null`,
    );
    if (n === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  log('reads: other sessions kept a snapshot open for a minute; VACUUM may leave pages unmarked');
}

// The share of each seeded table's pages VACUUM marked all-visible (index-only scans need it).
async function visibility(db) {
  return db.rows(
    `select relname as table, round(100.0 * relallvisible / greatest(relpages, 1))::int as percent
       from pg_class
      where relname in ('calendar_event_link', 'mail_message_link', 'mail_message_participant')
      order by relname`,
  );
}

// Ids the load picks from at random: members, messages, contacts, conversations, feed heads.
async function samples(db) {
  const members = Array.from({ length: MEMBERS }, (_, i) => member(i + 1).roxUserId);
  const messages = (
    await db.rows(`select id from mail_message where org_id = $1 order by random() limit 2000`, [
      ORG,
    ])
  ).map((r) => r.id);
  const conversations = (
    await db.rows(
      `select distinct conversation_id from mail_message where org_id = $1 and id = any($2::uuid[])`,
      [ORG, messages],
    )
  ).map((r) => r.conversation_id);
  // Contacts the sampled messages name (every one of them has mail).
  const contacts = (
    await db.rows(
      `select distinct p from mail_message, unnest(participants) p
        where org_id = $1 and id = any($2::uuid[]) and p like 'contact%'`,
      [ORG, messages],
    )
  ).map((r) => r.p);
  const heads = await db.one(
    `select (select coalesce(max(sequence), 0) from calendar_change where org_id = $1)::bigint::text as calendar,
            (select coalesce(max(sequence), 0) from mail_change where org_id = $1)::bigint::text as mail,
            (select coalesce(min(sequence), 1) from calendar_change where org_id = $1)::bigint::text as calendar_min,
            (select coalesce(min(sequence), 1) from mail_change where org_id = $1)::bigint::text as mail_min`,
    [ORG],
  );
  const busy = await db.one(
    `select count(*)::int as n from mail_message_participant where org_id = $1 and address = $2`,
    [ORG, BUSY_CONTACT],
  );
  log(`reads: the busy contact is on ${busy.n} messages`);
  return { members, messages, conversations, contacts, heads, busyMessages: busy.n };
}

function pick(list) {
  return list[Math.floor(Math.random() * list.length)];
}

function between(lo, hi) {
  return lo + Math.floor(Math.random() * Math.max(1, hi - lo));
}

// The read endpoints, each request with fresh parameters.
function endpoints(p) {
  const enc = encodeURIComponent;
  const month = () => {
    const from = new Date(Date.now() - 330 * DAY + Math.random() * 630 * DAY);
    from.setUTCHours(0, 0, 0, 0);
    return `from=${from.toISOString()}&to=${new Date(from.getTime() + 31 * DAY).toISOString()}`;
  };
  // A reader polling the feed resumes anywhere in it (a page of 100 after a random cursor).
  const feedCursor = (min, head) => String(between(Number(min) - 1, Number(head) - 100));
  const reads = [
    {
      name: 'calendar events of a member, 31 days',
      path: () => `/api/v1/calendar/members/${pick(p.members)}/events?${month()}`,
    },
    {
      name: 'calendar changes, 100 after a cursor',
      path: () =>
        `/api/v1/calendar/changes?cursor=${feedCursor(p.heads.calendar_min, p.heads.calendar)}`,
    },
    {
      name: 'calendar status of a member',
      path: () => `/api/v1/calendar/channels/${pick(p.members)}`,
    },
    {
      name: 'mail changes, 100 after a cursor',
      path: () => `/api/v1/mail/changes?cursor=${feedCursor(p.heads.mail_min, p.heads.mail)}`,
    },
    {
      name: 'mail messages of a member, 50',
      path: () => `/api/v1/mail/messages?roxUserId=${pick(p.members)}`,
    },
    {
      name: 'mail messages with a contact, 50',
      path: () => `/api/v1/mail/messages?address=${enc(pick(p.contacts))}`,
    },
    ...(p.busyMessages > 0
      ? [
          {
            name: `mail messages with a busy contact (${p.busyMessages}), 50`,
            path: () => `/api/v1/mail/messages?address=${enc(BUSY_CONTACT)}`,
          },
        ]
      : []),
    {
      name: 'mail messages of a conversation',
      path: () => `/api/v1/mail/messages?conversationId=${enc(pick(p.conversations))}`,
    },
    { name: 'one mail message', path: () => `/api/v1/mail/messages/${pick(p.messages)}` },
    {
      name: 'mail status of a member',
      path: () => `/api/v1/orgwide/mail/members/${pick(p.members)}`,
    },
  ];
  // Every read above equally often, in turn: a whole API's traffic at the step's rate rather
  // than one endpoint's (how often each is read in a deployment is the callers' to say).
  let turn = 0;
  const mix = {
    name: 'every read above, in turn',
    path: () => reads[turn++ % reads.length].path(),
  };
  return [{ name: '/healthz', path: () => '/healthz' }, ...reads, mix];
}

function load(urls, target, rate, token, seconds = LOAD_SECONDS) {
  return steadyLoad({
    urls,
    rate,
    seconds,
    path: target.path,
    headers: { authorization: `Bearer ${token}` },
  });
}

// True once every API process answers /healthz quickly again (the previous step's backlog has
// drained).
async function settled(stack) {
  const deadline = Date.now() + 60_000;
  const quick = async (url) => {
    const started = Date.now();
    try {
      const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) });
      return res.ok && Date.now() - started < 100;
    } catch {
      return false; // still busy
    }
  };
  while (Date.now() < deadline) {
    if (stack.processes.apis.some((p) => p.exitCode !== null)) return false;
    if ((await Promise.all(stack.apiUrls.map(quick))).every(Boolean)) return true;
    await sleep(500);
  }
  return false;
}

// The plans of the reads that touch the most rows, for one random member / contact.
async function explain(db, p) {
  const m = pick(p.members);
  const from = new Date(Date.now() - 30 * DAY);
  const to = new Date(from.getTime() + 31 * DAY);
  const plans = {
    'calendar events of a member': [
      `select distinct l.event_start_at, l.event_id as id from calendar_event_link l
        where l.org_id = $1 and l.rox_user_id = $2 and l.event_start_at < $3 and l.event_end_at > $4
        order by l.event_start_at, l.event_id limit 101`,
      [ORG, m, to, from],
    ],
    'mail messages of a member': [
      `select m.* from (
         select distinct l.received_at, l.message_id from mail_message_link l
          where l.org_id = $1 and l.rox_user_id = $2
          order by l.received_at desc, l.message_id desc limit 51
       ) k join mail_message m on m.org_id = $1 and m.id = k.message_id
       order by k.received_at desc, k.message_id desc`,
      [ORG, m],
    ],
    'mail messages with a contact': [
      `select m.* from (
         select p.received_at, p.message_id from mail_message_participant p
          where p.org_id = $1 and p.address = $2
          order by p.received_at desc, p.message_id desc limit 51
       ) k join mail_message m on m.org_id = $1 and m.id = k.message_id
       order by k.received_at desc, k.message_id desc`,
      [ORG, BUSY_CONTACT],
    ],
  };
  for (const [name, [sql, params]] of Object.entries(plans)) {
    const rows = await db.rows(`explain (analyze, buffers) ${sql}`, params);
    process.stderr.write(`\n-- ${name}\n${rows.map((r) => r['QUERY PLAN']).join('\n')}\n`);
  }
}

function printSummary(r) {
  const lines = ['', '## Reads benchmark', ''];
  const s = r.sizes ?? {};
  lines.push(
    `${fmt(s.events)} events (${fmt(s.event_links)} mailbox copies, ${fmt(s.calendar_changes)} feed rows), ` +
      `${fmt(s.messages)} messages (${fmt(s.message_links)} copies, ${fmt(s.mail_changes)} feed rows), ` +
      `${r.members} members in one org; database ${s.db_size ?? 'n/a'}; ` +
      `${r.apiProcesses} API process(es), steady open-loop arrivals. ` +
      `Seeded in ${fmt(r.seedMs)} ms. API RSS before the load ${fmt(r.apiRssBeforeMb)} MB, peak ${fmt(r.apiPeakRssMb)} MB. ` +
      `Pages all-visible: ${(r.allVisible ?? []).map((v) => `${v.table} ${v.percent}%`).join(', ') || 'n/a'}.`,
  );
  if (r.error) lines.push('', `Stopped early: ${r.error}`);
  const names = [...new Set(r.endpoints.map((e) => e.name))];
  const rates = [...new Set(r.endpoints.map((e) => e.rate))];
  lines.push(
    '',
    `p50 / p99 in ms (goal: p99 < ${GOAL_P99_MS} ms at 500/s), the CPU ms per request of the ` +
      'API + PostgreSQL (+ the load generator, on the same cores) in parentheses, then the rate answered, non-2xx or errors in brackets',
    '',
  );
  lines.push(`| endpoint | ${rates.map((x) => `${x}/s`).join(' | ')} |`);
  lines.push(`|---|${rates.map(() => '---|').join('')}`);
  for (const name of names) {
    const cells = rates.map((rate) => {
      const e = r.endpoints.find((x) => x.name === name && x.rate === rate);
      if (!e) return 'n/a';
      const bad = e.non2xx + e.errors;
      const perSecond = Math.round(e.answered / LOAD_SECONDS);
      const cpu =
        `${fmt(e.cpuMsPerRequest)} + ${fmt(e.postgresMsPerRequest)}` +
        ` (+ ${fmt(e.generatorCpuMsPerRequest)})`;
      return `${e.p50} / ${e.p99} (${cpu}) ${perSecond}/s${bad ? ` [${bad}]` : ''}`;
    });
    lines.push(`| ${name} | ${cells.join(' | ')} |`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}
