import { createServer, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';

import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { ApiDocs } from '../../src/platform/http/openapi/api-docs.service';
import { signTestToken, startTestApp, type TestApp } from '../support/test-app';
import { newOrgId } from '../support/test-env';

describe('access control and HTTP conventions', () => {
  let t: TestApp;
  const org = newOrgId();

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('declares an access rule on every route (default deny)', () => {
    const routes = t.app.get(ApiDocs).routes();
    expect(routes.length).toBeGreaterThan(5);
    const undeclared = routes.filter((r) => !r.access).map((r) => `${r.method} ${r.path}`);
    expect(undeclared).toEqual([]);
  });

  it('lists every non-doc route in the OpenAPI 3.1 document, with roles and schemas', async () => {
    const res = await t.http().get('/api/docs/openapi.json');
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe('3.1.0');
    const documented = Object.entries(
      res.body.paths as Record<string, Record<string, unknown>>,
    ).flatMap(([path, ops]) => Object.keys(ops).map((method) => `${method} ${path}`));
    const served = t.app
      .get(ApiDocs)
      .routes()
      .filter((r) => !r.path.startsWith('/api/docs'))
      .map((r) => `${r.method} ${r.path.replace(/:(\w+)/g, '{$1}')}`);
    expect(documented.sort()).toEqual(served.sort());
    const put = res.body.paths['/api/v1/members/{roxUserId}'].put;
    expect(put['x-roles']).toEqual(['service']);
    expect(put.requestBody.content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/PutMemberRequest',
    });
    expect(res.body.components.schemas.Problem.required).toEqual(
      expect.arrayContaining(['type', 'title', 'status', 'detail', 'code', 'requestId']),
    );
    const page = await t.http().get('/api/docs');
    expect(page.status).toBe(200);
    expect(page.text).toContain('swagger-ui-bundle.js');
    const asset = await t.http().get('/api/docs/assets/swagger-ui-bundle.js');
    expect(asset.status).toBe(200);
  });

  it('answers 401 problem+json without a token, with a bad signature, and when expired', async () => {
    const none = await t.http().get('/api/v1/members');
    expect(none.status).toBe(401);
    expect(none.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(none.body).toMatchObject({
      type: 'urn:rox365:problem:token-missing',
      title: 'Unauthorized',
      status: 401,
      code: 'TOKEN_MISSING',
      requestId: none.headers['x-request-id'],
    });

    const forged = await signTestToken(
      t.config,
      { roxUserId: 'u', orgId: org, role: 'admin' },
      {
        secret: 'another-secret-that-is-also-32-characters',
      },
    );
    const bad = await t.http().get('/api/v1/members').set('authorization', `Bearer ${forged}`);
    expect(bad.status).toBe(401);
    expect(bad.body.code).toBe('TOKEN_INVALID');

    const expired = await signTestToken(
      t.config,
      { roxUserId: 'u', orgId: org, role: 'admin' },
      {
        expiresInSeconds: -60,
      },
    );
    const old = await t.http().get('/api/v1/members').set('authorization', `Bearer ${expired}`);
    expect(old.status).toBe(401);
    expect(old.body.detail).toBe('The token has expired.');
  });

  it('answers 403 for a role the route does not allow', async () => {
    const member = await t.tokenFor({ roxUserId: 'u', orgId: org, role: 'member' });
    const res = await t.http().get('/api/v1/audit').set('authorization', `Bearer ${member}`);
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('ROLE_NOT_ALLOWED');
  });

  it('echoes a caller’s request id and makes one up otherwise', async () => {
    const mine = await t.http().get('/healthz').set('x-request-id', 'req-12345678');
    expect(mine.headers['x-request-id']).toBe('req-12345678');
    const unsafe = await t.http().get('/healthz').set('x-request-id', 'bad id with spaces');
    expect(unsafe.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers unknown routes and malformed JSON as problems', async () => {
    const missing = await t.http().get('/api/v1/nothing-here');
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe('ROUTE_NOT_FOUND');
    const token = await t.tokenFor({ roxUserId: 'svc', orgId: org, role: 'service' });
    const malformed = await t
      .http()
      .put('/api/v1/members/x')
      .set('authorization', `Bearer ${token}`)
      .set('content-type', 'application/json')
      .send('{"email":');
    expect(malformed.status).toBe(400);
    expect(malformed.body.code).toBe('MALFORMED_REQUEST');
  });

  it('reports liveness and readiness of PostgreSQL and Redis', async () => {
    expect((await t.http().get('/healthz')).body).toEqual({ status: 'ok' });
    const ready = await t.http().get('/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({ status: 'ok', checks: { postgres: 'ok', redis: 'ok' } });
  });

  it('sets security headers and honours the CORS allow-list', async () => {
    const res = await t.http().get('/healthz').set('origin', 'http://localhost:5173');
    expect(res.headers['access-control-allow-origin']).toBe('http://localhost:5173');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    const other = await t.http().get('/healthz').set('origin', 'https://evil.example');
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('readiness when a dependency is down', () => {
  it('answers 503 naming Redis when it cannot be reached', async () => {
    const t = await startTestApp({ REDIS_URL: 'redis://127.0.0.1:1' });
    try {
      const res = await t.http().get('/readyz');
      expect(res.status).toBe(503);
      expect(res.body).toEqual({
        status: 'unavailable',
        checks: { postgres: 'ok', redis: 'down' },
      });
    } finally {
      await t.close();
    }
  });
});

describe('production tokens: RS256 through a JWKS URL', () => {
  let jwks: Server;
  let t: TestApp;
  let privateKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
  const issuer = 'https://rox.example/auth';

  beforeAll(async () => {
    const pair = await generateKeyPair('RS256');
    privateKey = pair.privateKey;
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    jwks = createServer((_, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
    const { port } = jwks.address() as AddressInfo;
    t = await startTestApp({
      ROX_AUTH_MODE: 'jwks',
      ROX_JWKS_URL: `http://127.0.0.1:${port}/jwks.json`,
      ROX_JWT_ISSUER: issuer,
    });
  });
  afterAll(async () => {
    await t.close();
    jwks.close();
  });

  const sign = (claims: Record<string, unknown>, alg = 'RS256') =>
    new SignJWT(claims)
      .setProtectedHeader({ alg, kid: 'k1' })
      .setSubject('u_rs')
      .setIssuer(issuer)
      .setAudience('rox365-integration')
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(privateKey);

  it('accepts a platform-signed token and refuses a wrong issuer', async () => {
    const good = await sign({ org: newOrgId(), role: 'admin' });
    expect(
      (await t.http().get('/api/v1/audit').set('authorization', `Bearer ${good}`)).status,
    ).toBe(200);
    const wrongIssuer = await new SignJWT({ org: 'o', role: 'admin' })
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setSubject('u')
      .setIssuer('https://elsewhere.example')
      .setAudience('rox365-integration')
      .setExpirationTime('5m')
      .sign(privateKey);
    expect(
      (await t.http().get('/api/v1/audit').set('authorization', `Bearer ${wrongIssuer}`)).status,
    ).toBe(401);
  });

  it('refuses an HS256 dev token and hides the dev sign-in routes', async () => {
    const dev = await signTestToken(t.config, { roxUserId: 'u', orgId: 'o', role: 'admin' });
    expect((await t.http().get('/api/v1/audit').set('authorization', `Bearer ${dev}`)).status).toBe(
      401,
    );
    expect((await t.http().get('/api/v1/dev/identities')).status).toBe(404);
  });

  it('refuses a token without an org claim', async () => {
    const token = await sign({ role: 'admin' });
    const res = await t.http().get('/api/v1/audit').set('authorization', `Bearer ${token}`);
    expect(res.status).toBe(401);
    expect(res.body.detail).toMatch(/org/);
  });
});
