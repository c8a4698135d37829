import { MikroORM } from '@mikro-orm/postgresql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { AuditLog } from '../../src/platform/audit/audit-log.service';
import { requestContext } from '../../src/platform/http/request-context';
import { startTestApp, type TestApp } from '../support/test-app';
import { newOrgId } from '../support/test-env';

describe('audit log', () => {
  let t: TestApp;
  const org = newOrgId();
  const otherOrg = newOrgId();
  let admin: string;

  beforeAll(async () => {
    t = await startTestApp();
    admin = await t.tokenFor({ roxUserId: 'adm', orgId: org, role: 'admin' });
    const audit = t.app.get(AuditLog);
    const orm = t.app.get(MikroORM);
    await requestContext.run({ requestId: 'seed' }, () =>
      orm.em.fork().transactional(async () => {
        for (let i = 0; i < 7; i += 1) {
          await audit.record({
            orgId: org,
            action: i % 2 === 0 ? 'consent.connect' : 'directory.sync',
            target: { type: 'connection', id: 'c1' },
            details: { i },
            actor: { id: i < 4 ? 'alice' : 'bob', role: 'admin' },
          });
        }
        await audit.record({
          orgId: otherOrg,
          action: 'consent.connect',
          target: { type: 'connection' },
        });
      }),
    );
  });
  afterAll(() => t.close());

  const list = (query: Record<string, string | number>, token = admin) =>
    t.http().get('/api/v1/audit').query(query).set('authorization', `Bearer ${token}`);

  it('pages newest first with a cursor and never shows another org', async () => {
    const ids: number[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await list({ limit: 3, ...(cursor ? { cursor } : {}) });
      expect(res.status).toBe(200);
      ids.push(...res.body.items.map((e: { details: { i: number } }) => e.details.i));
      cursor = res.body.nextCursor as string | null;
      pages += 1;
    } while (cursor);
    expect(ids).toEqual([6, 5, 4, 3, 2, 1, 0]);
    expect(pages).toBe(3);
  });

  it('filters by action, action prefix, actor and time range', async () => {
    expect((await list({ action: 'directory.sync' })).body.items).toHaveLength(3);
    expect((await list({ action: 'consent.*' })).body.items).toHaveLength(4);
    expect((await list({ actorId: 'bob' })).body.items).toHaveLength(3);
    const future = new Date(Date.now() + 60_000).toISOString();
    expect((await list({ from: future })).body.items).toHaveLength(0);
    const bad = await list({ from: future, to: new Date(0).toISOString() });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].path).toBe('query.from');
  });

  it('is append-only in the database', async () => {
    const orm = t.app.get(MikroORM);
    await expect(
      orm.em
        .fork()
        .getConnection()
        .execute(`update audit_entry set action = 'x' where org_id = ?`, [org]),
    ).rejects.toThrow(/append-only/);
  });

  it('refuses members and services: only admins read the audit log', async () => {
    const member = await t.tokenFor({ roxUserId: 'm', orgId: org, role: 'member' });
    expect((await list({}, member)).status).toBe(403);
  });
});
