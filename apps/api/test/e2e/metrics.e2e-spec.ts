import { type INestApplicationContext } from '@nestjs/common';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { DEMO_TENANT } from '@rox365/m365-emulator';

import { WorkerMetricsServer } from '../../src/platform/metrics/worker-metrics.server';
import { syncFinished, syncNow } from '../support/directory-env';
import { freePort, startApiWithEmulator, type ApiWithEmulator } from '../support/emulator';
import { connectOrg, orgTokens, type OrgTokens } from '../support/orgwide';
import { startTestApp, type TestApp } from '../support/test-app';
import { newOrgId } from '../support/test-env';

const METRICS_TOKEN = 'metrics-token-for-the-e2e-scrape-0123456789';

/** The value of one sample whose labels include `labels`; 0 when absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found = Object.fromEntries(
      [...(match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]),
    );
    if (Object.entries(labels).every(([k, v]) => found[k] === v)) total += Number(match[3]);
  }
  return total;
}

const METRIC_NAMES = [
  'rox365_graph_requests_total',
  'rox365_graph_throttles_total',
  'rox365_graph_retry_after_seconds',
  'rox365_graph_token_failures_total',
  'rox365_sync_lag_seconds',
  'rox365_sync_rounds_total',
  'rox365_queue_jobs',
  'rox365_webhook_receipt_seconds',
];

describe('GET /metrics when metrics are off (the default)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('is not served at all', async () => {
    const res = await t.http().get('/metrics').set('authorization', `Bearer ${METRICS_TOKEN}`);
    expect(res.status).toBe(404);
  });
});

describe('GET /metrics when enabled', () => {
  let env: ApiWithEmulator;
  let worker: INestApplicationContext;
  let workerUrl: string;
  let org: OrgTokens;

  beforeAll(async () => {
    env = await startApiWithEmulator({
      emulator: { seed: [{ domain: 'contoso', users: 30 }] },
      env: {
        METRICS_ENABLED: 'true',
        METRICS_TOKEN,
        WORKER_METRICS_PORT: String(await freePort()),
      },
    });
    worker = await env.api.startWorker();
    workerUrl = `http://127.0.0.1:${worker.get(WorkerMetricsServer).port()}`;
    org = await orgTokens(env, newOrgId());
  });
  afterAll(() => env.close());

  const scrapeWorker = async () => {
    const res = await request(workerUrl)
      .get('/metrics')
      .set('authorization', `Bearer ${METRICS_TOKEN}`);
    expect(res.status).toBe(200);
    return res.text;
  };

  it('refuses a scrape without the token, with a wrong one and with a Rox caller token', async () => {
    const none = await env.api.http().get('/metrics');
    expect(none.status).toBe(401);
    expect(none.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(none.body.code).toBe('TOKEN_MISSING');

    const wrong = await env.api
      .http()
      .get('/metrics')
      .set('authorization', `Bearer ${METRICS_TOKEN}-not`);
    expect(wrong.status).toBe(401);
    expect(wrong.body.code).toBe('TOKEN_INVALID');

    const caller = await env.api.http().get('/metrics').set('authorization', `Bearer ${org.admin}`);
    expect(caller.status).toBe(401);

    const workerNone = await request(workerUrl).get('/metrics');
    expect(workerNone.status).toBe(401);
    expect(workerNone.body.code).toBe('TOKEN_MISSING');
    const workerOther = await request(workerUrl)
      .get('/healthz')
      .set('authorization', `Bearer ${METRICS_TOKEN}`);
    expect(workerOther.status).toBe(404);
  });

  it('serves the text exposition with every metric, on the API and on the worker', async () => {
    const res = await env.api
      .http()
      .get('/metrics')
      .set('authorization', `Bearer ${METRICS_TOKEN}`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain;.*version=0\.0\.4/);
    for (const name of METRIC_NAMES) expect(res.text).toContain(`# TYPE ${name} `);
    // Queue depths are read from Redis on the scrape: every queue is there.
    expect(res.text).toContain('rox365_queue_jobs{queue="directory",state="waiting"}');
    expect(res.text).toContain('rox365_process_resident_memory_bytes');

    const text = await scrapeWorker();
    for (const name of METRIC_NAMES) expect(text).toContain(`# TYPE ${name} `);
    // Each kind of round the worker runs is a series from its start, before any round ended.
    for (const kind of ['directory', 'calendar', 'mail'])
      expect(text).toMatch(
        new RegExp(`^rox365_sync_rounds_total\\{kind="${kind}",outcome="ok",code=""\\} \\d+$`, 'm'),
      );
  });

  it('counts the Graph requests and the round of a directory sync in the worker', async () => {
    const ok = { app: 'orgwide', kind: 'request', status_class: '2xx' };
    const before = await scrapeWorker();
    expect(
      await connectOrg(env, org, {
        settings: {
          tenant: DEMO_TENANT.initialDomain,
          calendarAccess: 'read',
          emailAccess: 'metadata',
        },
        user: DEMO_TENANT.users.admin,
      }),
    ).toBe('connected');
    expect((await syncFinished(env, org, null)).state).toBe('ok');
    const first = await scrapeWorker();
    expect(sample(first, 'rox365_graph_requests_total', ok)).toBeGreaterThan(
      sample(before, 'rox365_graph_requests_total', ok),
    );
    expect(sample(first, 'rox365_sync_rounds_total', { kind: 'directory', outcome: 'ok' })).toBe(
      sample(before, 'rox365_sync_rounds_total', { kind: 'directory', outcome: 'ok' }) + 1,
    );

    // A second round has a previous one: its lag is observed.
    expect((await syncNow(env, org)).state).toBe('ok');
    const second = await scrapeWorker();
    expect(sample(second, 'rox365_graph_requests_total', ok)).toBeGreaterThan(
      sample(first, 'rox365_graph_requests_total', ok),
    );
    expect(sample(second, 'rox365_sync_lag_seconds_count', { kind: 'directory' })).toBe(
      sample(first, 'rox365_sync_lag_seconds_count', { kind: 'directory' }) + 1,
    );
  });
});
