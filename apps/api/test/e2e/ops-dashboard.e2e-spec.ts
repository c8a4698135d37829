import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { QUEUE } from '../../src/platform/queue/queue-names';
import { startTestApp, type TestApp } from '../support/test-app';
import { newOrgId } from '../support/test-env';

const OPS_TOKEN = 'ops-token-for-the-queue-dashboard-0123456789';
const DASHBOARD = '/api/v1/ops/queues';

describe('queue dashboard when off (the default)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('is not served at all', async () => {
    const res = await t.http().get(DASHBOARD).set('authorization', `Bearer ${OPS_TOKEN}`);
    expect(res.status).toBe(404);
  });
});

describe('queue dashboard when enabled', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ OPS_DASHBOARD_ENABLED: 'true', OPS_TOKEN });
  });
  afterAll(() => t.close());

  it('asks anonymous callers to authenticate (401 with a Basic challenge)', async () => {
    for (const path of [DASHBOARD, `${DASHBOARD}/api/queues`, `${DASHBOARD}/static/js/x.js`]) {
      const res = await t.http().get(path);
      expect(res.status, path).toBe(401);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.headers['www-authenticate']).toMatch(/^Basic realm=/);
      expect(res.body).toMatchObject({ code: 'TOKEN_MISSING', status: 401 });
    }
  });

  it('refuses Rox callers, even admins and services, and a wrong operator token', async () => {
    const orgId = newOrgId();
    for (const role of ['admin', 'member', 'service'] as const) {
      const token = await t.tokenFor({ roxUserId: `u-${role}`, orgId, role });
      const res = await t.http().get(DASHBOARD).set('authorization', `Bearer ${token}`);
      expect(res.status, role).toBe(401);
      expect(res.body.code).toBe('TOKEN_INVALID');
    }
    const wrong = await t
      .http()
      .get(`${DASHBOARD}/api/queues`)
      .set('authorization', `Bearer ${OPS_TOKEN.slice(0, -1)}`);
    expect(wrong.status).toBe(401);
  });

  it('shows the operator every queue, by bearer token or by a browser’s Basic prompt', async () => {
    const page = await t.http().get(DASHBOARD).set('authorization', `Bearer ${OPS_TOKEN}`);
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.text).toContain('Rox 365 queues');

    const basic = Buffer.from(`operator:${OPS_TOKEN}`).toString('base64');
    const queues = await t
      .http()
      .get(`${DASHBOARD}/api/queues`)
      .query({ activeQueue: 'directory', status: 'latest', page: 1 })
      .set('authorization', `Basic ${basic}`);
    expect(queues.status).toBe(200);
    const names = (queues.body.queues as { name: string; readOnlyMode: boolean }[]).map((q) => [
      q.name,
      q.readOnlyMode,
    ]);
    // Every queue the app declares, each read-only.
    expect(names.sort()).toEqual(
      Object.values(QUEUE)
        .sort()
        .map((n) => [n, true]),
    );
  });

  it('is read-only: the operator cannot change jobs through it', async () => {
    const res = await t
      .http()
      .put(`${DASHBOARD}/api/queues/directory/retry/failed`)
      .set('authorization', `Bearer ${OPS_TOKEN}`);
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('OPS_DASHBOARD_READ_ONLY');
  });
});
