import { MikroORM, RequestContext } from '@mikro-orm/postgresql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  GraphRequestError,
  messagesDeltaHeaders,
  messagesDeltaPages,
  MicrosoftGraph,
  type BoundGraphClient,
  type DeltaPage,
  type GraphUser,
} from '@rox365/graph-client';
import { type RunningEmulator } from '@rox365/m365-emulator';

import { startTestEmulator, tenantIdOf } from '../../../test/support/emulator';
import { testDatabaseUrl } from '../../../test/support/test-database';
import { newOrgId } from '../../../test/support/test-env';
import { buildOrmOptions } from '../database/mikro-orm.config';
import { Transactions } from '../database/transactions.service';
import { Metrics } from '../metrics/metrics.service';
import { type Clock } from '../time/clock';
import {
  batchItemUrl,
  DeltaSyncEngine,
  type DeltaChannel,
  type IdleDeltaChannel,
  type IdleRoundStore,
  type SyncFailure,
} from './delta-sync-engine.service';
import { NO_COUNTS, type PageCounts, type SyncChannelState } from './sync-channel';

const TENANT_USERS = 25;
// Small pages, so one round spans three of them.
const PAGE_SIZE = 10;

/**
 * The engine with a channel of its own, not the directory's: Graph users through graph-client
 * against the emulator as the page source, and two tables of this spec as the store.
 */
describe('DeltaSyncEngine (Postgres + emulator)', () => {
  let orm: MikroORM;
  let emu: RunningEmulator;
  let tenantId: string;
  let client: BoundGraphClient;
  let engine: DeltaSyncEngine;
  let now = new Date('2026-11-20T08:00:00Z');
  const metrics = new Metrics();

  // One sample of the engine's metrics (summed over the labels not given).
  async function metric(name: string, labels: Record<string, string>): Promise<number> {
    const base = name.replace(/_count$/, '');
    const values = (await metrics.registry.getSingleMetric(base)?.get())?.values ?? [];
    return values
      .filter((v) => ((v as { metricName?: string }).metricName ?? base) === name)
      .filter((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l))
      .reduce((sum, v) => sum + v.value, 0);
  }

  beforeAll(async () => {
    orm = await MikroORM.init(
      buildOrmOptions({ database: { url: testDatabaseUrl(), poolMax: 2 }, nodeEnv: 'test' }),
    );
    const connection = orm.em.getConnection();
    await connection.execute(
      `create table if not exists sync_spec_item (
         org_id text not null, id text not null, display_name text, seen_round int not null,
         primary key (org_id, id))`,
    );
    await connection.execute(
      `create table if not exists sync_spec_state (org_id text primary key, state jsonb not null)`,
    );
    emu = await startTestEmulator('http://127.0.0.1:9', {
      seed: [{ domain: 'contoso', users: TENANT_USERS }],
    });
    tenantId = tenantIdOf(emu, 'contoso.com');
    await emu.control.adminConsent(tenantId);
    const graph = new MicrosoftGraph({
      authorityHost: emu.authorityHost,
      graphBaseUrl: emu.graphBaseUrl,
      clientId: emu.apps.orgwide.clientId,
      credential: { kind: 'secret', secret: emu.apps.orgwide.clientSecret },
    });
    client = graph.forTenant(tenantId);
    const clock: Clock = { now: () => now };
    engine = new DeltaSyncEngine(clock, new Transactions(orm.em), metrics);
  });

  afterAll(async () => {
    await emu?.stop();
    await orm?.close(true);
  });

  // Every database call runs in a request context, as in a job, so transactions join.
  const inContext = <T>(work: () => Promise<T>) => RequestContext.create(orm.em, work);

  async function loadState(orgId: string): Promise<SyncChannelState> {
    const rows = await orm.em.execute<{ state: SyncChannelState }[]>(
      'select state from sync_spec_state where org_id = ?',
      [orgId],
    );
    const stored = rows[0]?.state;
    const dates = [
      'cursorAt',
      'queuedAt',
      'startedAt',
      'lastSyncAt',
      'lastFullSyncAt',
      'lastErrorAt',
    ];
    if (!stored) {
      return {
        stage: 'never',
        cursor: null,
        cursorAt: null,
        fullRound: 0,
        queuedAt: null,
        startedAt: null,
        lastSyncAt: null,
        lastFullSyncAt: null,
        lastErrorCode: null,
        lastErrorAt: null,
        lastCounts: { ...NO_COUNTS },
      };
    }
    const record = stored as unknown as Record<string, unknown>;
    for (const key of dates)
      if (typeof record[key] === 'string') record[key] = new Date(record[key]);
    return stored;
  }

  async function items(orgId: string): Promise<{ id: string; display_name: string | null }[]> {
    return orm.em.execute(
      'select id, display_name from sync_spec_item where org_id = ? order by id',
      [orgId],
    );
  }

  function channel(
    orgId: string,
    state: SyncChannelState,
    over: Partial<DeltaChannel<GraphUser, SyncChannelState, SyncFailure>> = {},
  ): DeltaChannel<GraphUser, SyncChannelState, SyncFailure> {
    return {
      key: { orgId, kind: 'spec-users', mailboxKey: '' },
      state,
      saveState: async (s) => {
        await orm.em.execute(
          `insert into sync_spec_state (org_id, state) values (?, ?::jsonb)
           on conflict (org_id) do update set state = excluded.state`,
          [orgId, JSON.stringify(s)],
        );
      },
      pages: (cursor) =>
        client.deltaPages<GraphUser>(
          cursor ?? client.url('/users/delta', { $select: 'id,displayName' }),
          { headers: { Prefer: `odata.maxpagesize=${PAGE_SIZE}` } },
        ),
      applyPage: (page, round) => applyPage(orgId, page, round),
      reconcile: async (round) =>
        Number(
          (
            await orm.em.execute<{ n: number }[]>(
              `with gone as (delete from sync_spec_item where org_id = ? and seen_round < ? returning 1)
               select count(*)::int as n from gone`,
              [orgId, round],
            )
          )[0]?.n ?? 0,
        ),
      count: async () =>
        Number(
          (
            await orm.em.execute<{ n: number }[]>(
              'select count(*)::int as n from sync_spec_item where org_id = ?',
              [orgId],
            )
          )[0]?.n ?? 0,
        ),
      isCursorUsable: () => true,
      classifyFailure: (error) => ({
        code: error instanceof GraphRequestError ? `GRAPH_${error.status}` : 'SPEC_FAILED',
        error,
        willRetry: error instanceof GraphRequestError ? error.isTransient : true,
      }),
      ...over,
    };
  }

  // One transaction per page: upsert what Graph sent (marking it seen in `round`), delete removals.
  function applyPage(
    orgId: string,
    page: DeltaPage<Pick<GraphUser, 'id' | 'displayName'>>,
    round: number,
  ): Promise<PageCounts> {
    return orm.em.transactional(async (em) => {
      const counts: PageCounts = { added: 0, updated: 0, removed: 0 };
      for (const user of page.items) {
        const [row] = await em.execute<{ display_name: string | null }[]>(
          'select display_name from sync_spec_item where org_id = ? and id = ?',
          [orgId, user.id],
        );
        const name = user.displayName ?? row?.display_name ?? null;
        if (!row) counts.added += 1;
        else if (row.display_name !== name) counts.updated += 1;
        await em.execute(
          `insert into sync_spec_item (org_id, id, display_name, seen_round) values (?, ?, ?, ?)
           on conflict (org_id, id) do update set display_name = excluded.display_name,
             seen_round = greatest(sync_spec_item.seen_round, excluded.seen_round)`,
          [orgId, user.id, name, round],
        );
      }
      for (const removed of page.removed) {
        const gone = await em.execute<{ id: string }[]>(
          'delete from sync_spec_item where org_id = ? and id = ? returning id',
          [orgId, removed.id],
        );
        counts.removed += gone.length;
      }
      return counts;
    });
  }

  async function run(orgId: string, over: Parameters<typeof channel>[2] = {}, final = false) {
    return inContext(async () => {
      const state = await loadState(orgId);
      try {
        return await engine.run(channel(orgId, state, over), { isFinalAttempt: final });
      } finally {
        now = new Date(now.getTime() + 60_000);
      }
    });
  }

  const state = (orgId: string) => inContext(() => loadState(orgId));
  const deltaCalls = () => emu.control.requests({ pathContains: '/users/delta' });

  it('a first run is a full round over every page; the cursor is stored once it is committed', async () => {
    const orgId = newOrgId();
    await emu.control.clearRequests();
    expect(await run(orgId)).toEqual({
      added: TENANT_USERS,
      updated: 0,
      removed: 0,
      total: TENANT_USERS,
      full: true,
    });
    expect(await deltaCalls()).toHaveLength(Math.ceil(TENANT_USERS / PAGE_SIZE));
    const stored = await state(orgId);
    expect(stored).toMatchObject({ stage: 'ok', fullRound: 1, lastErrorCode: null });
    expect(stored.cursor).toMatch(/deltatoken=/i);
    expect(stored.lastFullSyncAt).toEqual(stored.lastSyncAt);
    expect(await inContext(() => items(orgId))).toHaveLength(TENANT_USERS);
  });

  it('resumes from the cursor: only changes arrive, and nothing is reconciled', async () => {
    const orgId = newOrgId();
    const { total } = await run(orgId);
    const before = await state(orgId);
    const added = await emu.control.addUser(tenantId, {
      userPrincipalName: `engine.${orgId}@contoso.com`,
      displayName: 'Engine Added',
    });
    const [first, second] = await inContext(() => items(orgId));
    await emu.control.updateUser(tenantId, first!.id, { displayName: 'Renamed by the spec' });
    await emu.control.deleteUser(tenantId, second!.id);
    await emu.control.clearRequests();

    const lagsBefore = await metric('rox365_sync_lag_seconds_count', { kind: 'spec-users' });
    const outcome = await run(orgId);
    expect(outcome).toEqual({ added: 1, updated: 1, removed: 1, total, full: false });
    // The channel had synced before: this round observes how long ago.
    expect(await metric('rox365_sync_lag_seconds_count', { kind: 'spec-users' })).toBe(
      lagsBefore + 1,
    );
    const calls = await deltaCalls();
    expect(calls[0]?.query).toMatch(/deltatoken=/i);
    const after = await state(orgId);
    expect(after.fullRound).toBe(before.fullRound);
    expect(after.cursor).not.toBe(before.cursor);
    expect(after.lastFullSyncAt).toEqual(before.lastFullSyncAt);
    expect((await inContext(() => items(orgId))).map((i) => i.id)).toContain(added.id);
    await emu.control.deleteUser(tenantId, added.id, { hard: true });
  });

  it('stores a full round’s number before its first page: a row another writer adds meanwhile, marked with the stored number, survives the reconcile', async () => {
    const orgId = newOrgId();
    await run(orgId);
    await emu.control.expireDeltaTokens(tenantId, { resource: 'users' });
    let pages = 0;
    const outcome = await run(orgId, {
      applyPage: async (page, round) => {
        pages += 1;
        if (pages === 1) {
          // A write from Rox made while the round runs: it reads the stored round, as
          // CalendarWriteService.record does, and its row is one Graph's pages do not hold.
          const stored = await loadState(orgId);
          expect(stored.fullRound).toBe(round);
          await orm.em.execute(
            `insert into sync_spec_item (org_id, id, display_name, seen_round) values (?, 'made-by-rox', null, ?)`,
            [orgId, stored.fullRound],
          );
        }
        return applyPage(orgId, page, round);
      },
    });
    expect(outcome.full).toBe(true);
    expect((await inContext(() => items(orgId))).map((i) => i.id)).toContain('made-by-rox');
    expect(await state(orgId)).toMatchObject({ stage: 'ok', fullRound: 2 });
  });

  it('a first round stores its number before its first page too', async () => {
    const orgId = newOrgId();
    let seen: number | null = null;
    await run(orgId, {
      applyPage: async (page, round) => {
        seen ??= (await loadState(orgId)).fullRound;
        expect(round).toBe(1);
        return applyPage(orgId, page, round);
      },
    });
    expect(seen).toBe(1);
  });

  it('a commit refused before the row is written keeps what others stored meanwhile: the reset cursor is not written back', async () => {
    const orgId = newOrgId();
    await run(orgId);
    const before = await state(orgId);
    await emu.control.addUser(tenantId, {
      userPrincipalName: `engine.reset.${orgId}@contoso.com`,
      displayName: 'Engine Reset',
    });
    const reload = async (s: SyncChannelState) => {
      Object.assign(s, await loadState(orgId));
      return true;
    };
    await expect(
      run(orgId, {
        // A purge resets the stored cursor while the round runs, then its commit is refused.
        applyPage: async (page, round) => {
          await orm.em.execute(
            `update sync_spec_state set state = jsonb_set(state, '{cursor}', 'null') where org_id = ?`,
            [orgId],
          );
          return applyPage(orgId, page, round);
        },
        beforeCommit: () => Promise.reject(new Error('lists changed')),
        reloadState: reload,
      }),
    ).rejects.toThrow('lists changed');
    const after = await state(orgId);
    expect(after).toMatchObject({ stage: 'queued', cursor: null, lastErrorCode: 'SPEC_FAILED' });
    expect(before.cursor).not.toBeNull();

    // The row cannot be read again (the database is away): the failure is still stored.
    await expect(
      run(orgId, {
        beforeCommit: () => Promise.reject(new Error('refused again')),
        reloadState: () => Promise.reject(new Error('no database')),
      }),
    ).rejects.toThrow('refused again');
    expect(await state(orgId)).toMatchObject({ stage: 'queued', lastErrorCode: 'SPEC_FAILED' });

    // A row gone meanwhile (the mailbox was purged) is not written again.
    await expect(
      run(orgId, {
        applyPage: async (page, round) => {
          await orm.em.execute('delete from sync_spec_state where org_id = ?', [orgId]);
          return applyPage(orgId, page, round);
        },
        beforeCommit: () => Promise.reject(new Error('gone')),
        reloadState: () => Promise.resolve(false),
      }),
    ).rejects.toThrow('gone');
    expect(await orm.em.execute('select 1 from sync_spec_state where org_id = ?', [orgId])).toEqual(
      [],
    );
  });

  it('forgets a cursor it will not resume as the round starts: a full round that fails leaves none', async () => {
    const orgId = newOrgId();
    await run(orgId);
    expect((await state(orgId)).cursor).not.toBeNull();
    await expect(
      run(orgId, {
        isCursorUsable: () => false,
        applyPage: () => Promise.reject(new Error('page failed')),
      }),
    ).rejects.toThrow('page failed');
    expect(await state(orgId)).toMatchObject({ cursor: null, cursorAt: null, stage: 'queued' });
  });

  it('a dead cursor (410) runs a full round that deletes what it did not see', async () => {
    const orgId = newOrgId();
    await run(orgId);
    const [doomed] = await inContext(() => items(orgId));
    // Hard-deleted while the token is dead: no @removed will ever say so.
    await emu.control.deleteUser(tenantId, doomed!.id, { hard: true });
    await emu.control.expireDeltaTokens(tenantId, { resource: 'users' });
    await emu.control.clearRequests();

    const outcome = await run(orgId);
    expect(outcome.full).toBe(true);
    expect(outcome.removed).toBe(1);
    expect(outcome.total).toBe((await inContext(() => items(orgId))).length);
    expect((await deltaCalls()).some((c) => c.status === 410)).toBe(true);
    expect((await inContext(() => items(orgId))).map((i) => i.id)).not.toContain(doomed!.id);
    expect(await state(orgId)).toMatchObject({ stage: 'ok', fullRound: 2, lastErrorCode: null });
  });

  it('an unusable cursor (too old, other host) is not even tried: a full round instead', async () => {
    const orgId = newOrgId();
    await run(orgId);
    await emu.control.clearRequests();
    const outcome = await run(orgId, { isCursorUsable: () => false });
    expect(outcome.full).toBe(true);
    const calls = await deltaCalls();
    expect(calls.some((c) => /deltatoken=/i.test(c.query))).toBe(false);
    expect(outcome.updated).toBe(0);
  });

  it('a page that fails keeps the old cursor and the reason; the next run resumes from it', async () => {
    const orgId = newOrgId();
    const { total } = await run(orgId);
    const before = await state(orgId);
    // More changes than one page holds, so the resumed round has a second page; that one fails.
    const hires = [];
    for (let i = 0; i < PAGE_SIZE + 5; i += 1) {
      hires.push(
        await emu.control.addUser(tenantId, {
          userPrincipalName: `hire${i}.${orgId}@contoso.com`,
          displayName: `Hire ${i}`,
        }),
      );
    }
    await emu.control.addFault({
      match: 'GET /v1.0/users/delta\\?.*skiptoken',
      status: 403,
      count: 1,
    });
    try {
      await expect(run(orgId)).rejects.toBeInstanceOf(GraphRequestError);
    } finally {
      await emu.control.clearFaults();
    }
    const failed = await state(orgId);
    expect(failed).toMatchObject({ stage: 'failed', lastErrorCode: 'GRAPH_403' });
    expect(failed.cursor).toBe(before.cursor);
    expect(failed.lastSyncAt).toEqual(before.lastSyncAt);
    // The first page's rows were committed on their own.
    const committed = (await inContext(() => items(orgId))).length - total;
    expect(committed).toBe(PAGE_SIZE);

    // Replaying from the old cursor brings the first page again: no row is added twice.
    await emu.control.clearRequests();
    const outcome = await run(orgId);
    expect((await deltaCalls())[0]?.query).toMatch(/deltatoken=/i);
    expect(outcome).toMatchObject({ added: hires.length - committed, full: false });
    expect(outcome.total).toBe(total + hires.length);
    expect(await state(orgId)).toMatchObject({ stage: 'ok', lastErrorCode: null });
    for (const hire of hires) await emu.control.deleteUser(tenantId, hire.id, { hard: true });
  });

  it('a full round that fails after a dead cursor stores no cursor: the next run starts over', async () => {
    const orgId = newOrgId();
    await run(orgId);
    await emu.control.expireDeltaTokens(tenantId, { resource: 'users' });
    await emu.control.addFault({
      match: 'GET /v1.0/users/delta\\?.*skiptoken',
      status: 403,
      count: 1,
    });
    try {
      await expect(run(orgId)).rejects.toBeInstanceOf(GraphRequestError);
    } finally {
      await emu.control.clearFaults();
    }
    expect(await state(orgId)).toMatchObject({ stage: 'failed', cursor: null, fullRound: 2 });
    const outcome = await run(orgId);
    expect(outcome.full).toBe(true);
    expect(await state(orgId)).toMatchObject({ stage: 'ok', fullRound: 3 });
  });

  it('a retryable failure says queued, unless it was the last attempt', async () => {
    const orgId = newOrgId();
    await emu.control.addFault({ match: 'GET /v1.0/users/delta', status: 400, count: 2 });
    try {
      const retrying = {
        classifyFailure: (error: unknown) => ({ code: 'SPEC_RETRY', error, willRetry: true }),
      };
      const rounds = (outcome: string) =>
        metric('rox365_sync_rounds_total', { kind: 'spec-users', outcome, code: 'SPEC_RETRY' });
      const [retryingBefore, failedBefore] = [await rounds('retrying'), await rounds('failed')];
      await expect(run(orgId, retrying)).rejects.toBeInstanceOf(GraphRequestError);
      expect(await state(orgId)).toMatchObject({ stage: 'queued', lastErrorCode: 'SPEC_RETRY' });
      await expect(run(orgId, retrying, true)).rejects.toBeInstanceOf(GraphRequestError);
      expect(await state(orgId)).toMatchObject({ stage: 'failed', lastErrorCode: 'SPEC_RETRY' });
      expect([await rounds('retrying'), await rounds('failed')]).toEqual([
        retryingBefore + 1,
        failedBefore + 1,
      ]);
    } finally {
      await emu.control.clearFaults();
    }
  });

  it('the cursor and the commit hook share one transaction: a failing hook moves nothing', async () => {
    const orgId = newOrgId();
    await run(orgId);
    const before = await state(orgId);
    await emu.control.addUser(tenantId, {
      userPrincipalName: `hook.${orgId}@contoso.com`,
      displayName: 'Hook',
    });
    await expect(
      run(orgId, {
        onCommitted: async () => {
          await orm.em.execute('select 1');
          throw new Error('audit insert failed');
        },
      }),
    ).rejects.toThrow('audit insert failed');
    const after = await state(orgId);
    expect(after.cursor).toBe(before.cursor);
    expect(after.lastSyncAt).toEqual(before.lastSyncAt);
    expect(after).toMatchObject({ stage: 'queued', lastErrorCode: 'SPEC_FAILED' });
    // The page was committed: the next run sees the user again and counts no new row.
    const outcome = await run(orgId);
    expect(outcome).toMatchObject({ added: 0, full: false });
  });
  // ---- idle rounds in $batch -------------------------------------------------------------------

  // One channel per mailbox (its Inbox): the state row and the items are keyed by org + mailbox.
  const MAIL_PAGE = 10;
  // Mailboxes of their own, added after the directory tests above (which delete users).
  const mailboxUsers: string[] = [];
  async function ensureMailboxes(): Promise<void> {
    for (let i = mailboxUsers.length; i < 5; i += 1) {
      const upn = `inbox${i}.engine@contoso.com`;
      await emu.control.addUser(tenantId, { userPrincipalName: upn, displayName: `Inbox ${i}` });
      await emu.control.deliverMail(tenantId, upn, { subject: `Seeded ${i}` });
      mailboxUsers.push(upn);
    }
  }
  const userIdOf = (upn: string) => emu.state.findTenant(tenantId)?.findUser(upn)?.id ?? '';
  const rowKey = (orgId: string, upn: string) => `${orgId}|${userIdOf(upn)}`;

  function inboxChannel(orgId: string, upn: string, state: SyncChannelState) {
    const key = rowKey(orgId, upn);
    const base = channel(key, state);
    const owner = `/users/${userIdOf(upn)}`;
    return {
      ...base,
      key: { orgId, kind: 'spec-inbox', mailboxKey: userIdOf(upn) },
      pages: async function* (cursor: string | null) {
        for await (const page of messagesDeltaPages(
          client,
          owner,
          cursor ? { deltaLink: cursor } : { folder: 'inbox' },
          { maxPageSize: MAIL_PAGE, select: ['subject'] },
        )) {
          yield { ...page, items: page.items.map((m) => ({ id: m.id, displayName: m.subject })) };
        }
      },
      applyPage: (page: DeltaPage<Pick<GraphUser, 'id' | 'displayName'>>, round: number) =>
        applyPage(key, page, round),
    } as unknown as DeltaChannel<GraphUser, SyncChannelState, SyncFailure>;
  }

  function idleChannel(orgId: string, upn: string, state: SyncChannelState): IdleDeltaChannel {
    return {
      key: inboxChannel(orgId, upn, state).key,
      state,
      headers: messagesDeltaHeaders({ maxPageSize: MAIL_PAGE }),
    };
  }

  // The spec's channel rows: one per org + mailbox in sync_spec_state, the items beside them.
  function idleStore(orgId: string, over: Partial<IdleRoundStore> = {}): IdleRoundStore {
    const rowOf = (c: IdleDeltaChannel) => `${orgId}|${c.key.mailboxKey}`;
    return {
      lockStored: async (channels) => {
        const rows = await orm.em.execute<{ org_id: string; state: SyncChannelState }[]>(
          `select org_id, state from sync_spec_state
           where org_id = any(array(select json_array_elements_text(?::json)))
           order by org_id for update`,
          [JSON.stringify(channels.map(rowOf))],
        );
        return new Map(
          rows.map((r) => [
            r.org_id.slice(orgId.length + 1),
            { stage: r.state.stage, cursor: r.state.cursor },
          ]),
        );
      },
      counts: async (channels) => {
        const counts = new Map<string, number>();
        for (const c of channels)
          counts.set(c.key.mailboxKey, await channel(rowOf(c), c.state).count());
        return counts;
      },
      saveStates: async (channels) => {
        for (const c of channels) await channel(rowOf(c), c.state).saveState(c.state);
      },
      ...over,
    };
  }

  const runInbox = (orgId: string, upn: string) =>
    inContext(async () => {
      const stored = await loadState(rowKey(orgId, upn));
      try {
        return await engine.run(inboxChannel(orgId, upn, stored));
      } finally {
        now = new Date(now.getTime() + 60_000);
      }
    });

  async function idleRounds(orgId: string, upns: readonly string[], batch = client) {
    return inContext(async () => {
      const channels = [];
      for (const upn of upns)
        channels.push(idleChannel(orgId, upn, await loadState(rowKey(orgId, upn))));
      try {
        return await engine.idleRounds(batch, channels, idleStore(orgId));
      } finally {
        now = new Date(now.getTime() + 60_000);
      }
    });
  }

  const inboxState = (orgId: string, upn: string) => state(rowKey(orgId, upn));
  const inboxItems = (orgId: string, upn: string) => inContext(() => items(rowKey(orgId, upn)));

  it('idle rounds of many channels go in one $batch and are committed like a round that found nothing', async () => {
    await ensureMailboxes();
    const orgId = newOrgId();
    for (const upn of mailboxUsers) await runInbox(orgId, upn);
    const before = new Map<string, SyncChannelState>();
    for (const upn of mailboxUsers) before.set(upn, await inboxState(orgId, upn));
    await emu.control.clearRequests();

    const results = await idleRounds(orgId, mailboxUsers);

    expect(results).toEqual(mailboxUsers.map(() => ({ kind: 'committed' })));
    const log = await emu.control.requests();
    expect(log.filter((r) => !r.batchItem && r.path.endsWith('/$batch'))).toHaveLength(1);
    expect(log.filter((r) => !r.batchItem && r.path.includes('/messages/delta'))).toEqual([]);
    const items = log.filter((r) => r.batchItem);
    expect(items).toHaveLength(mailboxUsers.length);
    for (const item of items) {
      expect(item.path).toMatch(/\/messages\/delta$/);
      expect(item.query).toMatch(/^\$deltatoken=/);
      expect(item.prefer).toMatch(/IdType="ImmutableId"/);
      expect(item.prefer).toMatch(new RegExp(`odata\\.maxpagesize=${MAIL_PAGE}`));
    }
    for (const upn of mailboxUsers) {
      const was = before.get(upn) as SyncChannelState;
      const after = await inboxState(orgId, upn);
      // The link the batch item returned (Outlook hands out a new one per read; the emulator
      // may hand back the same one when nothing changed).
      expect(after.cursor).toMatch(/deltatoken=/);
      expect(after.cursorAt!.getTime()).toBeGreaterThan(was.cursorAt!.getTime());
      expect(after.lastSyncAt!.getTime()).toBeGreaterThan(was.lastSyncAt!.getTime());
      expect(after).toMatchObject({
        stage: 'ok',
        fullRound: was.fullRound,
        lastErrorCode: null,
        lastCounts: { added: 0, updated: 0, removed: 0, total: was.lastCounts.total },
      });
      expect(after.lastFullSyncAt).toEqual(was.lastFullSyncAt);
    }
    // The committed link is a good cursor: the job resumes from it and finds nothing.
    await emu.control.clearRequests();
    expect(await runInbox(orgId, mailboxUsers[0]!)).toMatchObject({ added: 0, full: false });
    const resumed = await emu.control.requests({ pathContains: '/messages/delta' });
    expect(resumed[0]?.query).toBe(
      new URL((await inboxState(orgId, mailboxUsers[0]!)).cursor!).search.slice(1),
    );
  });

  it('a mixed batch commits only the idle channel; changes, 410 and 429 are left to their jobs, which lose nothing and apply nothing twice', async () => {
    await ensureMailboxes();
    const orgId = newOrgId();
    const [idle, changed, expired, throttled] = mailboxUsers as [string, string, string, string];
    for (const upn of [idle, changed, expired, throttled]) await runInbox(orgId, upn);
    const before = new Map<string, SyncChannelState>();
    for (const upn of [idle, changed, expired, throttled])
      before.set(upn, await inboxState(orgId, upn));
    const heldBefore = (await inboxItems(orgId, changed)).length;
    const fresh = await emu.control.deliverMail(tenantId, changed, { subject: 'Arrives once' });
    const doomed = (await inboxItems(orgId, expired))[0]!.id;
    // Deleted while the token is dead: no @removed will ever say so.
    await emu.control.deleteMail(tenantId, expired, doomed);
    await emu.control.deleteMail(tenantId, expired, doomed);
    await emu.control.expireDeltaTokens(tenantId, { resource: 'messages', user: expired });
    await emu.control.addFault({
      match: `GET /v1\\.0/users/${userIdOf(throttled)}/mailFolders`,
      status: 429,
      errorCode: 'ApplicationThrottled',
      retryAfterSeconds: 0.2,
      count: 1,
    });
    await emu.control.clearRequests();
    let results;
    try {
      results = await idleRounds(orgId, [idle, changed, expired, throttled]);
    } finally {
      await emu.control.clearFaults();
    }

    expect(results).toEqual([
      { kind: 'committed' },
      { kind: 'fallback', reason: 'changes', status: 200 },
      { kind: 'fallback', reason: 'expired', status: 410 },
      { kind: 'fallback', reason: 'throttled', status: 429 },
    ]);
    // One envelope: the throttled item was not retried inside the batch.
    expect(
      (await emu.control.requests({ pathContains: '$batch' })).filter((r) => !r.batchItem),
    ).toHaveLength(1);
    // Nothing the batch read was applied, and the fallbacks keep the link their job will read.
    expect(await inboxItems(orgId, changed)).toHaveLength(heldBefore);
    for (const upn of [changed, expired, throttled]) {
      const was = before.get(upn) as SyncChannelState;
      expect(await inboxState(orgId, upn)).toMatchObject({
        stage: 'ok',
        cursor: was.cursor,
        lastSyncAt: was.lastSyncAt,
      });
    }
    expect((await inboxState(orgId, idle)).cursor).not.toBe(before.get(idle)?.cursor);

    // The jobs replay the stored links: the new mail arrives exactly once, the dead cursor
    // runs a full round that drops what was deleted meanwhile, the throttled one catches up.
    expect(await runInbox(orgId, changed)).toMatchObject({ added: 1, updated: 0, full: false });
    const held = await inboxItems(orgId, changed);
    expect(held).toHaveLength(heldBefore + 1);
    expect(held.filter((i) => i.id === fresh.id)).toHaveLength(1);
    expect(await runInbox(orgId, changed)).toMatchObject({ added: 0, updated: 0 });
    expect(await runInbox(orgId, expired)).toMatchObject({ full: true, removed: 1 });
    expect((await inboxItems(orgId, expired)).map((i) => i.id)).not.toContain(doomed);
    expect(await runInbox(orgId, throttled)).toMatchObject({ added: 0, full: false });
  });

  it("a batch's idle rounds are committed together: one lock, one count and one save in one transaction; a failed save leaves all to their jobs", async () => {
    await ensureMailboxes();
    const orgId = newOrgId();
    for (const upn of mailboxUsers) await runInbox(orgId, upn);
    const before = new Map<string, SyncChannelState>();
    for (const upn of mailboxUsers) before.set(upn, await inboxState(orgId, upn));
    const run = (store: IdleRoundStore) =>
      inContext(async () => {
        const channels = [];
        for (const upn of mailboxUsers)
          channels.push(idleChannel(orgId, upn, await loadState(rowKey(orgId, upn))));
        try {
          return await engine.idleRounds(client, channels, store);
        } finally {
          now = new Date(now.getTime() + 60_000);
        }
      });
    const txid = async () =>
      String((await orm.em.execute<{ id: string }[]>('select txid_current() as id'))[0]?.id);

    // A save that fails rolls the batch back: every channel keeps its stored round.
    const failing = idleStore(orgId, {
      saveStates: () => Promise.reject(new Error('disk full')),
    });
    expect(await run(failing)).toEqual(
      mailboxUsers.map(() => ({ kind: 'fallback', reason: 'commit_failed', status: null })),
    );
    for (const upn of mailboxUsers) expect(await inboxState(orgId, upn)).toEqual(before.get(upn));

    const calls: { step: string; channels: number; tx: string }[] = [];
    const store = idleStore(orgId);
    const results = await run({
      lockStored: async (channels) => {
        calls.push({ step: 'lock', channels: channels.length, tx: await txid() });
        return store.lockStored(channels);
      },
      counts: async (channels) => {
        calls.push({ step: 'count', channels: channels.length, tx: await txid() });
        return store.counts(channels);
      },
      saveStates: async (channels) => {
        calls.push({ step: 'save', channels: channels.length, tx: await txid() });
        return store.saveStates(channels);
      },
    });
    expect(results).toEqual(mailboxUsers.map(() => ({ kind: 'committed' })));
    expect(calls.map((c) => [c.step, c.channels])).toEqual([
      ['lock', mailboxUsers.length],
      ['count', mailboxUsers.length],
      ['save', mailboxUsers.length],
    ]);
    expect(new Set(calls.map((c) => c.tx)).size).toBe(1);
    for (const upn of mailboxUsers) {
      const stored = await inboxState(orgId, upn);
      expect(stored.lastSyncAt).not.toEqual(before.get(upn)?.lastSyncAt);
      expect(stored.lastCounts.total).toBe(before.get(upn)?.lastCounts.total);
    }
  });

  it('a channel whose job started meanwhile is left alone, and one with no usable link is not sent', async () => {
    await ensureMailboxes();
    const orgId = newOrgId();
    const [busy, never] = mailboxUsers as [string, string];
    await runInbox(orgId, busy);
    // The pre-pass loaded the channel, then its job started (stage running, same cursor).
    const loaded = await inboxState(orgId, busy);
    await orm.em
      .fork()
      .execute(
        `update sync_spec_state set state = jsonb_set(state, '{stage}', '"running"') where org_id = ?`,
        [rowKey(orgId, busy)],
      );
    await emu.control.clearRequests();

    const results = await inContext(() =>
      engine.idleRounds(
        client,
        [
          idleChannel(orgId, busy, loaded),
          idleChannel(orgId, never, { ...loaded, stage: 'never', cursor: null, cursorAt: null }),
        ],
        idleStore(orgId),
      ),
    );

    expect(results).toEqual([
      { kind: 'superseded' },
      { kind: 'fallback', reason: 'not_batchable', status: null },
    ]);
    // Only the busy channel's link was sent; its row is the job's, untouched.
    expect((await emu.control.requests()).filter((r) => r.batchItem)).toHaveLength(1);
    expect(await inboxState(orgId, busy)).toMatchObject({
      stage: 'running',
      cursor: loaded.cursor,
      lastSyncAt: loaded.lastSyncAt,
    });
  });

  it('a $batch refused as a whole leaves every channel to its job', async () => {
    await ensureMailboxes();
    const orgId = newOrgId();
    const upns = mailboxUsers.slice(0, 2);
    for (const upn of upns) await runInbox(orgId, upn);
    const cursors = await Promise.all(upns.map(async (u) => (await inboxState(orgId, u)).cursor));
    await emu.control.addFault({ match: 'POST /v1\\.0/\\$batch', status: 400, count: 1 });
    try {
      expect(await idleRounds(orgId, upns)).toEqual(
        upns.map(() => ({ kind: 'fallback', reason: 'batch_failed', status: null })),
      );
    } finally {
      await emu.control.clearFaults();
    }
    for (const [i, upn] of upns.entries())
      expect((await inboxState(orgId, upn)).cursor).toBe(cursors[i]);
  });

  it.each<[string, string | null]>([
    [
      'https://graph.microsoft.com/v1.0/users/u1/calendarView/delta?$deltatoken=a%2Bb',
      '/users/u1/calendarView/delta?$deltatoken=a%2Bb',
    ],
    [
      "https://graph.microsoft.com/v1.0/users/u1/mailFolders('inbox')/messages/delta?$deltatoken=x",
      "/users/u1/mailFolders('inbox')/messages/delta?$deltatoken=x",
    ],
    // A nextLink is not a cursor; the directory and /me are not one app-token mailbox item.
    ['https://graph.microsoft.com/v1.0/users/u1/calendarView/delta?$skiptoken=x', null],
    ['https://graph.microsoft.com/v1.0/users/delta?$deltatoken=x', null],
    ['https://graph.microsoft.com/beta/users/u1/events/delta?$deltatoken=x', null],
    ['https://graph.microsoft.com/v1.0/me/calendarView/delta?$deltatoken=x', null],
    ['not a url', null],
  ])('batchItemUrl(%s) → %j', (cursor, expected) => {
    expect(batchItemUrl(cursor)).toBe(expected);
  });
});
