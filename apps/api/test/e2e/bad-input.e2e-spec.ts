import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { ProblemSchema } from '@rox365/contracts';

import { startApiWithEmulator, type ApiWithEmulator } from '../support/emulator';
import {
  closeFuzzAgent,
  operationsOf,
  sendRaw,
  variantsOf,
  type FuzzOperation,
  type FuzzRequest,
  type FuzzResponse,
  type OpenApiDocument,
} from '../support/openapi-fuzz';
import { orgTokens, saveSettings, seedMembers, type OrgTokens } from '../support/orgwide';
import { newOrgId } from '../support/test-env';

// Fixed, so a failure names a request that fails again on the next run.
const SEED = 365;

// Probes and the API reference are public and keep their own caching.
const isUnprefixed = (path: string) =>
  path === '/healthz' || path === '/readyz' || path.startsWith('/api/docs');

// Browser redirects (Microsoft's consent callback) answer with a redirect or a 4xx page; the
// fuzzer relies on nothing else about them.
const isBrowserCallback = (op: FuzzOperation) =>
  op.roles.includes('public') && op.path.endsWith('/callback');

/** What is wrong with one answer, if anything. */
function faultsOf(op: FuzzOperation, req: FuzzRequest, res: FuzzResponse): string | null {
  const summary = `${req.label} → ${res.status} ${res.text.slice(0, 160)}`;
  if (res.status >= 500 || res.status < 200) return `server error: ${summary}`;
  if (isBrowserCallback(op)) {
    return res.status >= 300 && res.status < 500 ? null : `callback answered: ${summary}`;
  }
  if (res.status < 400) return null;
  const type = String(res.headers['content-type'] ?? '');
  if (!type.startsWith('application/problem+json')) return `not problem+json (${type}): ${summary}`;
  if (res.headers['cache-control'] !== 'no-store') return `problem without no-store: ${summary}`;
  const parsed = ProblemSchema.safeParse(JSON.parse(res.text));
  if (!parsed.success || parsed.data.status !== res.status) return `bad problem body: ${summary}`;
  return null;
}

describe('bad input never costs a 5xx (every operation of the OpenAPI document)', () => {
  let env: ApiWithEmulator;
  let org: OrgTokens;
  let ops: FuzzOperation[];
  let doc: OpenApiDocument;
  let cursorLists: string[];

  const tokenFor = (role: string | undefined): string | undefined =>
    role === 'admin' || role === 'member' || role === 'service' ? org[role] : undefined;

  beforeAll(async () => {
    env = await startApiWithEmulator();
    org = await orgTokens(env, newOrgId('fuzz'));
    await seedMembers(env, org, [
      { roxUserId: 'u-a', email: 'a@contoso.com', role: 'admin' },
      { roxUserId: 'u-b', email: 'b@contoso.com' },
      { roxUserId: 'u-c', email: 'c@contoso.com' },
    ]);
    // The settings PUT resolves the tenant through the emulator; a stored tenant lets connect run.
    await saveSettings(env, org);
    const res = await env.api.http().get('/api/docs/openapi.json');
    expect(res.status).toBe(200);
    doc = res.body as OpenApiDocument;
    ops = operationsOf(doc);

    // Real cursors name their list; forged ones reuse those names with absurd keys.
    const lists = new Set(['members', 'audit']);
    for (const op of ops) {
      if (op.method !== 'GET' || !op.queryParams.some((q) => q.name === 'cursor')) continue;
      const page = await sendRaw(env.apiUrl, {
        label: 'cursor probe',
        method: 'GET',
        url: `${op.path}?limit=1`,
        headers: { authorization: `Bearer ${tokenFor(op.roles[0])}` },
      });
      const next = page.status === 200 ? (JSON.parse(page.text) as { nextCursor?: unknown }) : {};
      if (typeof next.nextCursor === 'string') {
        lists.add(Buffer.from(next.nextCursor, 'base64url').toString('utf8').split(':')[0] ?? '');
      }
    }
    cursorLists = [...lists].filter(Boolean).sort();
  });
  afterAll(async () => {
    closeFuzzAgent();
    await env.close();
  });

  // Every operation of the document times every variant: minutes on a busy machine.
  it('answers every malformed variant with 2xx/3xx or a problem+json 4xx', async () => {
    expect(ops.length).toBeGreaterThan(20);
    const faults: string[] = [];
    const statuses = new Map<number, number>();
    let sent = 0;
    for (const [index, op] of ops.entries()) {
      const variants = variantsOf(op, {
        doc,
        token: tokenFor(op.roles[0]),
        cursorLists,
        seed: SEED + index,
      });
      for (const req of variants) {
        const res = await sendRaw(env.apiUrl, req);
        sent += 1;
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        const fault = faultsOf(op, req, res);
        if (fault) faults.push(fault);
      }
    }
    expect(faults).toEqual([]);
    // Bounded, and the junk really reached validation rather than bouncing off auth.
    expect(sent).toBeGreaterThan(1000);
    expect(sent).toBeLessThan(12_000);
    expect(statuses.get(400) ?? 0).toBeGreaterThan(sent / 2);
    expect([...statuses.keys()].some((s) => s >= 200 && s < 300)).toBe(true);
  }, 180_000);

  it('rejects NUL, lone surrogates and year 0000 as field errors, one check for every route', async () => {
    const get = (url: string, token = org.admin) =>
      sendRaw(env.apiUrl, {
        label: url,
        method: 'GET',
        url,
        headers: { authorization: `Bearer ${token}` },
      });
    const nul = await get('/api/v1/members?q=a%00b');
    expect(nul.status).toBe(400);
    expect(JSON.parse(nul.text)).toMatchObject({
      code: 'VALIDATION_FAILED',
      errors: [{ path: 'query.q', message: 'contains a NUL character' }],
    });
    const surrogate = await get('/api/v1/members/%ED%A0%80');
    expect(surrogate.status).toBe(400);
    expect(JSON.parse(surrogate.text)).toMatchObject({ code: 'MALFORMED_REQUEST' });
    const year0 = await get('/api/v1/audit?from=0000-01-01T00:00:00Z');
    expect(year0.status).toBe(400);
    expect(JSON.parse(year0.text).errors[0].path).toBe('query.from');
    const cursor = await get(
      `/api/v1/audit?cursor=${Buffer.from('audit:99999999999999999999').toString('base64url')}`,
    );
    expect(JSON.parse(cursor.text)).toMatchObject({ status: 400, code: 'CURSOR_INVALID' });

    const body = await sendRaw(env.apiUrl, {
      label: 'escaped surrogate',
      method: 'PUT',
      url: '/api/v1/members/u-b',
      headers: { authorization: `Bearer ${org.service}`, 'content-type': 'application/json' },
      body: Buffer.from(
        '{"email":"b@contoso.com","displayName":"B \\ud800","role":"member","x":{"y":["\\u0000"]}}',
      ),
    });
    expect(body.status).toBe(400);
    expect(JSON.parse(body.text).errors).toEqual(
      expect.arrayContaining([
        { path: 'body.displayName', message: 'contains an unpaired UTF-16 surrogate' },
        { path: 'body.x.y.0', message: 'contains a NUL character' },
      ]),
    );
    const wrongType = await sendRaw(env.apiUrl, {
      label: 'text body',
      method: 'PUT',
      url: '/api/v1/members/u-b',
      headers: { authorization: `Bearer ${org.service}`, 'content-type': 'text/plain' },
      body: Buffer.from('{"email":"b@contoso.com","displayName":"B","role":"member"}'),
    });
    expect(wrongType.status).toBe(415);
    expect(JSON.parse(wrongType.text).code).toBe('UNSUPPORTED_MEDIA_TYPE');
    // Nothing of the refused writes was stored.
    const member = await get('/api/v1/members/u-b');
    expect(JSON.parse(member.text)).toMatchObject({ displayName: 'u-b' });
  });

  it('refuses a cursor whose key is not what its list writes, before it reaches SQL', async () => {
    const get = (url: string) =>
      sendRaw(env.apiUrl, {
        label: url,
        method: 'GET',
        url,
        headers: { authorization: `Bearer ${org.admin}` },
      });
    const enc = (key: string) => Buffer.from(key).toString('base64url');
    const at = '2026-01-01T00:00:00.000Z';
    const uuid = '0f8fad5b-d9cb-469f-a165-70867728950e';
    const notUuid = '-'.repeat(36);
    const month = 'from=2026-01-01T00:00:00Z&to=2026-02-01T00:00:00Z';
    const events = (key: string) =>
      `/api/v1/calendar/members/u-a/events?${month}&cursor=${enc(`calendar-events:${key}`)}`;
    const connections = (key: string) =>
      `/api/v1/individual-connections?all=true&cursor=${enc(`individual-connections:${key}`)}`;
    const messages = (key: string) => `/api/v1/mail/messages?roxUserId=u-a&cursor=${enc(key)}`;
    // A 500 before (a `::uuid` cast or an out-of-range timestamp in PostgreSQL), but for the key
    // of three parts, which the calendar read as its first two.
    const forged = [
      events(`${at}\u0001x`),
      events(`${at}\u0001${notUuid}`),
      events(`-271821-04-20T00:00:00.000Z\u0001${uuid}`),
      events(`${at}\u0001${uuid}\u0001${uuid}`),
      connections(`${at}\u0001${notUuid}`),
      connections(`+275760-09-13T00:00:00.000Z\u0001${uuid}`),
      messages(`${at}|${'a'.repeat(36)}`),
      messages(`-271821-04-20T00:00:00.000Z|${uuid}`),
    ];
    for (const url of forged) {
      const res = await get(url);
      expect({ url, status: res.status, code: JSON.parse(res.text).code }).toEqual({
        url,
        status: 400,
        code: 'CURSOR_INVALID',
      });
    }
    // Keys of the right shape pass (an empty page, or the member's 404 without a mailbox).
    for (const url of [
      events(`${at}\u0001${uuid}`),
      connections(`${at}\u0001${uuid}`),
      messages(`${at}|${uuid}`),
    ]) {
      const res = await get(url);
      expect([200, 404], url).toContain(res.status);
    }
  });

  it('marks every API response no-store, for each role the route allows and for refusals', async () => {
    const missing: string[] = [];
    for (const op of ops) {
      const isPublic = op.roles.includes('public');
      const callers = isPublic ? [undefined] : [...op.roles, undefined];
      // A role the route does not allow, for the 403.
      const refused = ['admin', 'member', 'service'].find((r) => !op.roles.includes(r));
      if (!isPublic && refused) callers.push(refused);
      for (const role of callers) {
        const [baseline] = variantsOf(op, {
          doc,
          token: tokenFor(role),
          cursorLists,
          seed: SEED,
        });
        if (!baseline) continue;
        const res = await sendRaw(env.apiUrl, baseline);
        const isProblem = String(res.headers['content-type']).startsWith(
          'application/problem+json',
        );
        if (isUnprefixed(op.path) && !isProblem) continue;
        if (res.headers['cache-control'] !== 'no-store') {
          missing.push(`${baseline.label} as ${role ?? 'anonymous'} → ${res.status}`);
        }
      }
    }
    expect(missing).toEqual([]);
  });
});
