import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { eventually, startTestApp, type TestApp } from '../support/test-app';
import { newOrgId } from '../support/test-env';

describe('members', () => {
  let t: TestApp;
  const orgA = newOrgId('a');
  const orgB = newOrgId('b');
  let serviceA: string;
  let serviceB: string;
  let adminA: string;
  let memberA: string;

  beforeAll(async () => {
    t = await startTestApp();
    serviceA = await t.tokenFor({ roxUserId: 'svc', orgId: orgA, role: 'service' });
    serviceB = await t.tokenFor({ roxUserId: 'svc', orgId: orgB, role: 'service' });
    adminA = await t.tokenFor({ roxUserId: 'u1', orgId: orgA, role: 'admin' });
    memberA = await t.tokenFor({ roxUserId: 'u2', orgId: orgA, role: 'member' });
  });
  afterAll(() => t.close());

  const put = (token: string, id: string, body: object) =>
    t.http().put(`/api/v1/members/${id}`).set('authorization', `Bearer ${token}`).send(body);

  it('creates with 201, replaces with 200, and audits each change with before/after', async () => {
    const created = await put(serviceA, 'u1', {
      email: 'Ada@Contoso.com',
      displayName: 'Ada',
      role: 'admin',
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      roxUserId: 'u1',
      email: 'Ada@Contoso.com',
      role: 'admin',
    });

    const same = await put(serviceA, 'u1', {
      email: 'Ada@Contoso.com',
      displayName: 'Ada',
      role: 'admin',
    });
    expect(same.status).toBe(200);

    const renamed = await put(serviceA, 'u1', {
      email: 'ada@contoso.com',
      displayName: 'Ada L.',
      role: 'admin',
    });
    expect(renamed.status).toBe(200);
    expect(renamed.body.displayName).toBe('Ada L.');

    const audit = await t
      .http()
      .get('/api/v1/audit?action=members.*')
      .set('authorization', `Bearer ${adminA}`);
    expect(audit.status).toBe(200);
    const actions = audit.body.items.map((e: { action: string }) => e.action);
    // The no-op replace writes nothing.
    expect(actions).toEqual(['members.update', 'members.create']);
    expect(audit.body.items[0].details).toEqual({
      before: { email: 'Ada@Contoso.com', displayName: 'Ada', role: 'admin' },
      after: { email: 'ada@contoso.com', displayName: 'Ada L.', role: 'admin' },
    });
    expect(audit.body.items[0].actor).toEqual({ id: 'svc', role: 'service' });
    expect(audit.body.items[0].requestId).toEqual(expect.any(String));
  });

  it('rejects bad input with problem+json naming each field, and stores nothing', async () => {
    const res = await put(serviceA, 'bad', {
      email: 'not-an-email',
      displayName: '',
      role: 'owner',
    });
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({
      status: 400,
      code: 'VALIDATION_FAILED',
      title: 'Bad Request',
    });
    const paths = res.body.errors.map((e: { path: string }) => e.path).sort();
    expect(paths).toEqual(['body.displayName', 'body.email', 'body.role']);
    const get = await t
      .http()
      .get('/api/v1/members/bad')
      .set('authorization', `Bearer ${serviceA}`);
    expect(get.status).toBe(404);
    expect(get.body.code).toBe('MEMBER_NOT_FOUND');
  });

  it('refuses a second member with the same email in one org', async () => {
    await put(serviceA, 'dup1', { email: 'dup@contoso.com', displayName: 'One', role: 'member' });
    const res = await put(serviceA, 'dup2', {
      email: 'DUP@contoso.com',
      displayName: 'Two',
      role: 'member',
    });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('MEMBER_EMAIL_TAKEN');
  });

  it('keeps orgs apart: same ids in two orgs are two members, and lists never cross', async () => {
    await put(serviceB, 'u1', {
      email: 'someone@fabrikam.com',
      displayName: 'B one',
      role: 'member',
    });
    const a = await t.http().get('/api/v1/members/u1').set('authorization', `Bearer ${serviceA}`);
    const b = await t.http().get('/api/v1/members/u1').set('authorization', `Bearer ${serviceB}`);
    expect(a.body.email).toBe('ada@contoso.com');
    expect(b.body.email).toBe('someone@fabrikam.com');
    const listB = await t.http().get('/api/v1/members').set('authorization', `Bearer ${serviceB}`);
    expect(listB.body.items.map((m: { roxUserId: string }) => m.roxUserId)).toEqual(['u1']);
    const del = await t
      .http()
      .delete('/api/v1/members/dup1')
      .set('authorization', `Bearer ${serviceB}`);
    expect(del.status).toBe(404);
  });

  it('pages with an opaque cursor and searches', async () => {
    for (let i = 0; i < 5; i += 1) {
      await put(serviceA, `p${i}`, {
        email: `p${i}@contoso.com`,
        displayName: `Pager ${i}`,
        role: 'member',
      });
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res: {
        status: number;
        body: { items: { roxUserId: string }[]; nextCursor: string | null };
      } = await t
        .http()
        .get('/api/v1/members')
        .query({ limit: 2, q: 'pager', ...(cursor ? { cursor } : {}) })
        .set('authorization', `Bearer ${adminA}`);
      expect(res.status).toBe(200);
      seen.push(...res.body.items.map((m) => m.roxUserId));
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(['p0', 'p1', 'p2', 'p3', 'p4']);
    const bad = await t
      .http()
      .get('/api/v1/members?cursor=zzz')
      .set('authorization', `Bearer ${adminA}`);
    expect(bad.status).toBe(400);
  });

  it('lets only service callers write and members not read the list', async () => {
    const byAdmin = await put(adminA, 'x', {
      email: 'x@contoso.com',
      displayName: 'X',
      role: 'member',
    });
    expect(byAdmin.status).toBe(403);
    expect(byAdmin.body.code).toBe('ROLE_NOT_ALLOWED');
    const byMember = await t
      .http()
      .get('/api/v1/members')
      .set('authorization', `Bearer ${memberA}`);
    expect(byMember.status).toBe(403);
  });

  it('deletes, and a separately started worker purges the member’s data from the queue', async () => {
    await t.startWorker();
    await put(serviceA, 'leaver', {
      email: 'leaver@contoso.com',
      displayName: 'Leaver',
      role: 'member',
    });
    const del = await t
      .http()
      .delete('/api/v1/members/leaver')
      .set('authorization', `Bearer ${serviceA}`);
    expect(del.status).toBe(204);
    const entry = await eventually(async () => {
      const res = await t
        .http()
        .get('/api/v1/audit?action=members.data-purged')
        .set('authorization', `Bearer ${adminA}`);
      return res.body.items.find((e: { target: { id: string } }) => e.target.id === 'leaver');
    });
    expect(entry).toMatchObject({
      actor: { id: 'system', role: 'system' },
      details: { removed: { member_override: 0, individual_connection: 0, directory_probe: 0 } },
    });
    expect(entry.requestId).toMatch(/^job:members:/);
  });
});
