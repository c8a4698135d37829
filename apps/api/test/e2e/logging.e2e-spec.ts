import { Writable } from 'node:stream';

import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { GraphRequestError } from '@rox365/graph-client';

import { createHttpApp } from '../../src/bootstrap';
import { requestContext } from '../../src/platform/http/request-context';
import { createRootLogger } from '../../src/platform/logging/logger';
import { eventually, signTestToken, startTestApp, type TestApp } from '../support/test-app';
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

describe('job logs', () => {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  const logger = createRootLogger({ level: 'debug', destination: sink });
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ LOG_LEVEL: 'debug' }, { logger });
    await t.startWorker();
  });
  afterAll(() => t.close());

  it('carries the job, queue, org and mailbox ids on every line of a job, and no address', async () => {
    const orgId = newOrgId();
    const roxUserId = 'member-log-fields';
    const email = 'grace.hopper@fabrikam.example';
    const service = await t.tokenFor({ roxUserId: 'svc', orgId, role: 'service' });
    const put = await t
      .http()
      .put(`/api/v1/members/${roxUserId}`)
      .set('authorization', `Bearer ${service}`)
      .send({ email, displayName: 'Grace Hopper', role: 'member' });
    expect(put.status).toBe(201);
    // Removing the member purges their data in a job of the members queue.
    const removed = await t
      .http()
      .delete(`/api/v1/members/${roxUserId}`)
      .set('authorization', `Bearer ${service}`);
    expect(removed.status).toBe(204);

    const done = await eventually(() =>
      Promise.resolve(
        lines
          .map((l) => JSON.parse(l) as Record<string, unknown>)
          .find((l) => l.msg === 'job done' && l.orgId === orgId && l.queue === 'members'),
      ),
    );
    expect(done).toMatchObject({
      queue: 'members',
      job: 'members.purge-member-data',
      jobId: expect.stringContaining(roxUserId),
      orgId,
      mailboxId: roxUserId,
      requestId: expect.stringMatching(/^job:members:/),
    });
    expect(lines.join('\n')).not.toContain(email);
  });

  it('censors tokens, clientState and addresses in job data and error messages', () => {
    const fields = { jobId: 'j-1', queue: 'mail', orgId: 'org-x', mailboxId: 'm-1' };
    requestContext.run({ requestId: 'job:mail:j-1', log: fields }, () => {
      logger.warn(
        {
          data: { email: 'ada@contoso.example', accessToken: 'eyJ-access', clientState: 'cs-1' },
          notification: {
            value: { clientState: 'cs-2', userPrincipalName: 'ada@contoso.example' },
          },
          err: new Error('The mailbox ada@contoso.example is not enabled for REST'),
        },
        'job failed',
      );
    });
    const line = lines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l.requestId === 'job:mail:j-1');
    expect(line).toMatchObject(fields);
    const text = JSON.stringify(line);
    for (const secret of ['ada@contoso.example', 'eyJ-access', 'cs-1', 'cs-2'])
      expect(text).not.toContain(secret);
    expect(text).toContain('The mailbox [email] is not enabled for REST');
  });
  it("censors addresses in a Graph error's own fields and in its cause", () => {
    const graphError = new GraphRequestError({
      status: 400,
      code: 'ErrorInvalidRecipients',
      message: 'The recipient grace@fabrikam.example is invalid.',
      method: 'POST',
      path: '/users/bob%40contoso.example/sendMail',
      location: 'https://graph.example/users/bob@contoso.example',
    });
    requestContext.run({ requestId: 'job:mail:j-2' }, () => {
      logger.error({ err: new Error('send failed', { cause: graphError }) }, 'send failed');
      logger.error({ err: graphError }, 'graph call failed');
    });
    const text = lines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l.requestId === 'job:mail:j-2')
      .map((l) => JSON.stringify(l))
      .join('\n');
    expect(text).toContain('ErrorInvalidRecipients');
    expect(text).toContain('/users/[email]/sendMail');
    for (const address of ['grace@fabrikam.example', 'bob@contoso.example', 'bob%40contoso'])
      expect(text).not.toContain(address);
  });
});
