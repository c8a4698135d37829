import { PageIterator, type PageCollection } from '@microsoft/microsoft-graph-client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { DEMO_TENANT, startEmulator, type RunningEmulator } from '../src/index';
import { appToken, expectGraphError, graphClient } from './helpers';

let emu: RunningEmulator;
const BIG = 'bigcorp.com';

beforeAll(async () => {
  emu = await startEmulator({
    seed: [{ domain: 'contoso' }, { domain: 'bigcorp', users: 1200, adminConsented: true }],
  });
  await emu.control.adminConsent(DEMO_TENANT.id);
});

afterAll(async () => {
  await emu.stop();
});

beforeEach(async () => {
  await emu.control.clearFaults();
  await emu.control.clearRequests();
});

describe('directory through the Graph SDK', () => {
  it('pages 1,200 users at 999 per page with @odata.nextLink', async () => {
    const client = graphClient(emu, () => appToken(emu, BIG));
    const first = (await client
      .api('/users')
      .select(['id', 'userPrincipalName', 'mail'])
      .top(999)
      .get()) as PageCollection;
    expect(first.value).toHaveLength(999);
    expect(first['@odata.nextLink']).toContain('$skiptoken=');
    const ids = new Set<string>();
    const it = new PageIterator(client, first, (u: { id: string }) => {
      ids.add(u.id);
      return true;
    });
    await it.iterate();
    expect(ids.size).toBe(1200);
    const counters = await emu.control.counters();
    expect(counters.byPath['GET /v1.0/users']).toBe(2);
  });

  it('rejects $top=1000 and $count without ConsistencyLevel, and counts with it', async () => {
    const client = graphClient(emu, () => appToken(emu, BIG));
    const tooBig = await expectGraphError(client.api('/users').top(1000).get());
    expect(tooBig.statusCode).toBe(400);
    expect(tooBig.code).toBe('Request_UnsupportedQuery');
    expect(tooBig.message).toBe(
      "Invalid page size specified: '1000'. Must be between 1 and 999 inclusive.",
    );
    const noHeader = await expectGraphError(client.api('/users').count(true).get());
    expect(noHeader.statusCode).toBe(400);
    const counted = (await client
      .api('/users')
      .header('ConsistencyLevel', 'eventual')
      .count(true)
      .top(5)
      .get()) as { '@odata.count': number; value: unknown[] };
    expect(counted['@odata.count']).toBe(1200);
    expect(counted.value).toHaveLength(5);
  });

  it('filters on mail and userPrincipalName', async () => {
    const client = graphClient(emu, () => appToken(emu, DEMO_TENANT.id));
    const res = (await client
      .api('/users')
      .filter(`mail eq '${DEMO_TENANT.users.member}'`)
      .get()) as { value: { userPrincipalName: string }[] };
    expect(res.value.map((u) => u.userPrincipalName)).toEqual([DEMO_TENANT.users.member]);
    const byUpn = (await client
      .api('/users')
      .filter(`userPrincipalName eq '${DEMO_TENANT.users.admin}'`)
      .select('id,accountEnabled')
      .get()) as { value: Record<string, unknown>[] };
    expect(Object.keys(byUpn.value[0] ?? {}).sort()).toEqual(['accountEnabled', 'id']);
  });

  it('reports adds, updates and deletes through /users/delta', async () => {
    const client = graphClient(emu, () => appToken(emu, DEMO_TENANT.id));
    let page = (await client
      .api('/users/delta')
      .select('id,displayName,accountEnabled')
      .get()) as Record<string, unknown>;
    let seen = 0;
    while (page['@odata.nextLink']) {
      seen += (page.value as unknown[]).length;
      page = (await client.api(page['@odata.nextLink'] as string).get()) as Record<string, unknown>;
    }
    seen += (page.value as unknown[]).length;
    expect(seen).toBe(29);
    const deltaLink = page['@odata.deltaLink'] as string;
    expect(deltaLink).toContain('$deltatoken=');

    const added = await emu.control.addUser(DEMO_TENANT.id, {
      userPrincipalName: 'new.hire@contoso.com',
      displayName: 'New Hire',
    });
    await emu.control.updateUser(DEMO_TENANT.id, DEMO_TENANT.users.member, {
      displayName: 'Megan B.',
    });
    await emu.control.deleteUser(DEMO_TENANT.id, 'lee.gu@contoso.com');

    const next = (await client.api(deltaLink).get()) as {
      value: Record<string, unknown>[];
      '@odata.deltaLink': string;
    };
    const byId = new Map(next.value.map((v) => [v.id as string, v]));
    expect(next.value).toHaveLength(3);
    expect(byId.get(added.id)?.displayName).toBe('New Hire');
    expect([...byId.values()].find((v) => v.displayName === 'Megan B.')).toBeDefined();
    expect([...byId.values()].find((v) => v['@removed'])?.['@removed']).toEqual({
      reason: 'changed',
    });
    const quiet = (await client.api(next['@odata.deltaLink']).get()) as { value: unknown[] };
    expect(quiet.value).toHaveLength(0);
  });

  it('answers 410 resyncRequired with a Location header for an expired users delta token', async () => {
    const client = graphClient(emu, () => appToken(emu, DEMO_TENANT.id));
    const latest = (await client.api('/users/delta?$deltatoken=latest').get()) as {
      '@odata.deltaLink': string;
    };
    await emu.control.expireDeltaTokens(DEMO_TENANT.id);
    const gone = await expectGraphError(client.api(latest['@odata.deltaLink']).get());
    expect(gone.statusCode).toBe(410);
    expect(gone.code).toBe('resyncRequired');
    const raw = await fetch(latest['@odata.deltaLink'], {
      headers: { authorization: `Bearer ${await appToken(emu, DEMO_TENANT.id)}` },
    });
    expect(raw.headers.get('location')).toContain('/v1.0/users/delta?$deltatoken=');
  });

  it('returns transitive members of a nested group', async () => {
    const client = graphClient(emu, () => appToken(emu, DEMO_TENANT.id));
    const groups = (await client.api('/groups').get()) as {
      value: { id: string; mail: string | null }[];
    };
    const all = groups.value.find((g) => g.mail === DEMO_TENANT.groups.allCompany);
    const members = (await client.api(`/groups/${all?.id ?? ''}/transitiveMembers`).get()) as {
      value: { '@odata.type': string; userPrincipalName?: string }[];
    };
    expect(members.value.filter((m) => m['@odata.type'] === '#microsoft.graph.group')).toHaveLength(
      1,
    );
    const upns = members.value
      .filter((m) => m['@odata.type'] === '#microsoft.graph.user')
      .map((m) => m.userPrincipalName);
    // Nested Leadership members are listed once; deleted users (lee.gu, above) drop out.
    expect(upns).toContain(DEMO_TENANT.users.admin);
    expect(new Set(upns).size).toBe(upns.length);
    expect(upns).not.toContain('lee.gu@contoso.com');
  });
});

describe('enforcement', () => {
  it('answers 403 Authorization_RequestDenied when the token lacks a directory role', async () => {
    await emu.control.createTenant({ domain: 'woodgrove', adminConsented: true, users: 5 });
    await emu.control.revokeRole('woodgrove.com', 'Directory.Read.All');
    await emu.control.revokeRole('woodgrove.com', 'User.Read.All');
    const client = graphClient(emu, () => appToken(emu, 'woodgrove.com'));
    const denied = await expectGraphError(client.api('/users').get());
    expect(denied.statusCode).toBe(403);
    expect(denied.code).toBe('Authorization_RequestDenied');
    expect(denied.message).toBe('Insufficient privileges to complete the operation.');
  });

  it('answers 403 ErrorAccessDenied for a mailbox outside the ApplicationAccessPolicy', async () => {
    const client = graphClient(emu, () => appToken(emu, DEMO_TENANT.id));
    const denied = await expectGraphError(
      client.api(`/users/${DEMO_TENANT.users.policyRestricted}/messages`).get(),
    );
    expect(denied.statusCode).toBe(403);
    expect(denied.code).toBe('ErrorAccessDenied');
    expect(
      (await emu.control.testAccessPolicy(DEMO_TENANT.id, DEMO_TENANT.users.policyRestricted))
        .AccessCheckResult,
    ).toBe('Denied');
    expect(
      (await emu.control.testAccessPolicy(DEMO_TENANT.id, DEMO_TENANT.users.member))
        .AccessCheckResult,
    ).toBe('Granted');
    // Directory calls are not scoped by the policy.
    const user = (await client.api(`/users/${DEMO_TENANT.users.policyRestricted}`).get()) as {
      userPrincipalName: string;
    };
    expect(user.userPrincipalName).toBe(DEMO_TENANT.users.policyRestricted);
  });

  it('answers 404 MailboxNotEnabledForRESTAPI for a user without a mailbox', async () => {
    const client = graphClient(emu, () => appToken(emu, DEMO_TENANT.id));
    const missing = await expectGraphError(
      client.api(`/users/${DEMO_TENANT.users.noMailbox}/mailFolders/inbox/messages/delta`).get(),
    );
    expect(missing.statusCode).toBe(404);
    expect(missing.code).toBe('MailboxNotEnabledForRESTAPI');
  });

  it('throttles with 429 + Retry-After and the SDK RetryHandler honours it without early retries', async () => {
    const client = graphClient(emu, () => appToken(emu, DEMO_TENANT.id));
    await emu.control.addFault({
      match: '^GET /v1\\.0/users/[^/]+/messages',
      status: 429,
      retryAfterSeconds: 1,
      count: 1,
    });
    const res = (await client.api(`/users/${DEMO_TENANT.users.member}/messages`).top(3).get()) as {
      value: unknown[];
    };
    expect(res.value).toHaveLength(3);
    const log = await emu.control.requests({ pathContains: '/messages' });
    expect(log.map((l) => l.status)).toEqual([429, 200]);
    expect(await emu.control.throttleViolations()).toHaveLength(0);
  });

  it('records a violation when a client retries before Retry-After elapses, and a fifth concurrent request', async () => {
    const token = await appToken(emu, DEMO_TENANT.id);
    const url = `${emu.graphBaseUrl}/v1.0/users/${DEMO_TENANT.users.member}/messages?$top=1`;
    await emu.control.addFault({
      match: '^GET /v1\\.0/users/[^/]+/messages',
      status: 429,
      retryAfterSeconds: 30,
      count: 1,
    });
    const first = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
    expect(first.status).toBe(429);
    expect(first.headers.get('retry-after')).toBe('30');
    const early = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
    expect(early.status).toBe(429);
    expect(((await early.json()) as { error: { code: string } }).error.code).toBe(
      'ApplicationThrottled',
    );
    const violations = await emu.control.throttleViolations();
    expect(violations.map((v) => v.kind)).toEqual(['beforeRetryAfter']);

    await emu.control.clearRequests();
    const other = `${emu.graphBaseUrl}/v1.0/users/${DEMO_TENANT.users.admin}/messages?$top=1`;
    await emu.control.addFault({ match: 'admin%40contoso|admin@contoso', latencyMs: 1500 });
    const statuses = await Promise.all(
      Array.from({ length: 5 }, () =>
        fetch(other, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.status),
      ),
    );
    expect(statuses.filter((s) => s === 429)).toHaveLength(1);
    expect((await emu.control.throttleViolations()).map((v) => v.kind)).toEqual(['concurrency']);
  });

  it('does not count a request that came while the "wait" answer was still unwritten', async () => {
    const token = await appToken(emu, DEMO_TENANT.id);
    const user = DEMO_TENANT.users.member;
    const auth = { authorization: `Bearer ${token}` };
    const messages = `${emu.graphBaseUrl}/v1.0/users/${user}/messages?$top=1`;
    await emu.control.addFault({
      match: `^GET /v1\\.0/users/${user}/messages\\?\\$top=1`,
      status: 429,
      retryAfterSeconds: 30,
      count: 1,
    });
    await emu.control.addFault({ match: '/events\\?', latencyMs: 800, count: 1 });
    // One batch: the first item is throttled at once, the second (another mailbox) keeps the
    // batch's answer open.
    const batch = fetch(`${emu.graphBaseUrl}/v1.0/$batch`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({
        requests: [
          { id: '1', method: 'GET', url: `/users/${user}/messages?$top=1` },
          { id: '2', method: 'GET', url: `/users/${DEMO_TENANT.users.admin}/events?$top=1` },
        ],
      }),
    });
    await new Promise((r) => setTimeout(r, 300));
    const meanwhile = await fetch(messages, { headers: auth });
    expect(meanwhile.status).toBe(429);
    expect((await batch).status).toBe(200);
    expect(await emu.control.throttleViolations()).toEqual([]);

    const after = await fetch(messages, { headers: auth });
    expect(after.status).toBe(429);
    const violations = await emu.control.throttleViolations();
    expect(violations.map((v) => v.kind)).toEqual(['beforeRetryAfter']);
    expect(violations[0]?.afterAnswerMs).toBeGreaterThanOrEqual(0);
  });

  it('with an in-flight grace, counts another request as an overlap but an early retry as a violation', async () => {
    const token = await appToken(emu, DEMO_TENANT.id);
    const auth = { authorization: `Bearer ${token}` };
    const base = `${emu.graphBaseUrl}/v1.0/users/${DEMO_TENANT.users.member}`;
    await emu.control.updateSettings({ throttle: { inFlightGraceMs: 60_000 } });
    try {
      expect((await emu.control.settings()).throttle).toMatchObject({
        concurrentPerMailbox: 4,
        inFlightGraceMs: 60_000,
      });
      await emu.control.addFault({
        match: '^GET /v1\\.0/users/[^/]+/messages',
        status: 429,
        retryAfterSeconds: 30,
        count: 1,
      });
      const send = (path: string, requestId: string) =>
        fetch(`${base}${path}`, { headers: { ...auth, 'client-request-id': requestId } });
      expect((await send('/messages?$top=1', 'first')).status).toBe(429);
      // Other requests within the grace, the same URL from another client included: they may
      // have left before the answer was read.
      expect((await send('/mailFolders/inbox', 'second')).status).toBe(429);
      expect((await send('/messages?$top=1', 'third')).status).toBe(429);
      expect(await emu.control.throttleViolations()).toEqual([]);
      expect((await emu.control.throttleOverlaps()).map((o) => o.path)).toEqual([
        `/users/${DEMO_TENANT.users.member}/mailFolders/inbox`,
        `/users/${DEMO_TENANT.users.member}/messages`,
      ]);
      // The throttled request itself again (its client-request-id): early, whatever the grace.
      expect((await send('/messages?$top=1', 'first')).status).toBe(429);
      expect((await emu.control.throttleViolations()).map((v) => v.path)).toEqual([
        `/users/${DEMO_TENANT.users.member}/messages`,
      ]);
    } finally {
      await emu.control.updateSettings({ throttle: { inFlightGraceMs: 0 } });
    }
  });

  it('enforces the per-mailbox request budget and injects connection resets', async () => {
    const token = await appToken(emu, DEMO_TENANT.id);
    const url = `${emu.graphBaseUrl}/v1.0/users/lidia.holloway@contoso.com/messages?$top=1`;
    await emu.control.updateSettings({
      throttle: { concurrentPerMailbox: 4, requestsPerWindow: 3, windowSeconds: 600 },
    });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++)
        statuses.push((await fetch(url, { headers: { authorization: `Bearer ${token}` } })).status);
      expect(statuses).toEqual([200, 200, 200, 429]);
      // Another mailbox is not affected.
      const other = await fetch(url.replace('lidia.holloway', 'lynne.robbins'), {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(other.status).toBe(200);
    } finally {
      await emu.control.updateSettings({
        throttle: { concurrentPerMailbox: 4, requestsPerWindow: 10_000, windowSeconds: 600 },
      });
    }
    await emu.control.addFault({ match: '^GET /v1\\.0/groups$', resetConnection: true, count: 1 });
    await expect(
      fetch(`${emu.graphBaseUrl}/v1.0/groups`, { headers: { authorization: `Bearer ${token}` } }),
    ).rejects.toThrow();
    const after = await fetch(`${emu.graphBaseUrl}/v1.0/groups`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(after.status).toBe(200);
  });

  it('answers 401 InvalidAuthenticationToken without a token', async () => {
    const res = await fetch(`${emu.graphBaseUrl}/v1.0/users`);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain('Bearer realm=""');
    const body = (await res.json()) as { error: { code: string; innerError: { date: string } } };
    expect(body.error.code).toBe('InvalidAuthenticationToken');
    expect(body.error.innerError.date).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/);
  });
});
