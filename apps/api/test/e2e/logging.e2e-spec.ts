import { Writable } from 'node:stream';

import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createHttpApp } from '../../src/bootstrap';
import { createRootLogger } from '../../src/platform/logging/logger';
import { signTestToken } from '../support/test-app';
import { newOrgId, testConfig } from '../support/test-env';

describe('structured logs', () => {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  const config = testConfig({ LOG_LEVEL: 'info' });
  let app: Awaited<ReturnType<typeof createHttpApp>>;

  beforeAll(async () => {
    app = await createHttpApp(config, {
      logger: createRootLogger({ level: 'info', destination: sink }),
    });
    await app.init();
  });
  afterAll(() => app.close());

  it('logs each request with its id and never the bearer token or a body field named like a secret', async () => {
    const token = await signTestToken(config, {
      roxUserId: 'svc',
      orgId: newOrgId(),
      role: 'service',
    });
    const logger = createRootLogger({ level: 'info', destination: sink });
    await request(app.getHttpServer())
      .get('/api/v1/members')
      .set('authorization', `Bearer ${token}`)
      .set('x-request-id', 'log-test-0001');
    const callback = await request(app.getHttpServer()).get(
      '/api/v1/orgwide/consent/callback?state=one-time-state-value&code=c0de',
    );
    expect(callback.status).toBe(302);
    logger.info(
      { payload: { refresh_token: 'rt-secret-value', body: 'Quarterly numbers attached' } },
      'sample',
    );

    const text = lines.join('\n');
    expect(text).toContain('/api/v1/orgwide/consent/callback?state=%5Bredacted%5D');
    const requestLine = lines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l.requestId === 'log-test-0001' && 'res' in l);
    expect(requestLine).toBeDefined();
    expect(text).not.toContain(token);
    expect(text).not.toContain('rt-secret-value');
    expect(text).not.toContain('Quarterly numbers');
    expect(text).not.toContain('one-time-state-value');
    expect(text).not.toContain('c0de');
    expect(text).toContain('[redacted]');
  });
});
