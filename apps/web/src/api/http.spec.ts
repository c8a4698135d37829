// @vitest-environment node
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { problem, startLocalApi, type LocalApi } from '../test/local-api';
import { ApiError, createHttpClient, toApiError } from './http';

describe('http client against a real local server', () => {
  let api: LocalApi;

  beforeAll(async () => {
    api = await startLocalApi();
  });
  afterAll(() => api.close());

  it('sends JSON with the bearer token and reads JSON back', async () => {
    api.on('PUT /things/1', (req) => ({
      body: { echoed: req.body, auth: req.headers.authorization },
    }));
    const client = createHttpClient({ baseUrl: api.baseUrl, getToken: () => 'tok-123' });

    const result = await client.put<{ echoed: unknown; auth: string }>('/things/1', { a: 1 });

    expect(result).toEqual({ echoed: { a: 1 }, auth: 'Bearer tok-123' });
    const sent = api.requests.at(-1);
    expect(sent?.headers['content-type']).toBe('application/json');
  });

  it('drops empty query values and encodes the rest', async () => {
    api.on('GET /search', (req) => ({ body: Object.fromEntries(req.query) }));
    const client = createHttpClient({ baseUrl: api.baseUrl });

    const result = await client.get('/search', {
      query: { q: 'a b&c', filter: 'all', cursor: undefined, empty: '' },
    });

    expect(result).toEqual({ q: 'a b&c', filter: 'all' });
  });

  it('returns undefined for 204 No Content', async () => {
    api.on('DELETE /things/1', { status: 204 });
    const client = createHttpClient({ baseUrl: api.baseUrl });

    await expect(client.delete('/things/1')).resolves.toBeUndefined();
  });

  it('turns problem+json into an ApiError with field errors by path and the request id', async () => {
    api.on(
      'PUT /orgwide/settings',
      problem(400, 'VALIDATION_FAILED', 'body.tenant: enter the tenant ID', [
        { path: 'body.tenant', message: 'enter the tenant ID or a verified domain' },
        { path: 'body.restrictedDomains.1', message: '"x" is not a valid domain name' },
      ]),
    );
    const client = createHttpClient({ baseUrl: api.baseUrl });

    const error = await client.put('/orgwide/settings', {}).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ApiError);
    const apiError = error as ApiError;
    expect(apiError.status).toBe(400);
    expect(apiError.code).toBe('VALIDATION_FAILED');
    expect(apiError.title).toBe('Bad Request');
    expect(apiError.requestId).toBe('req-test-1');
    expect(apiError.fieldErrors.map((e) => e.path)).toEqual(['tenant', 'restrictedDomains.1']);
    expect(apiError.fieldError('tenant')).toBe('enter the tenant ID or a verified domain');
    expect(apiError.fieldError('restrictedDomains')).toBe('"x" is not a valid domain name');
    expect(apiError.fieldError('restrictedUsers')).toBeUndefined();
  });

  it('keeps the conflict code so callers can branch on it', async () => {
    api.on(
      'POST /individual-connections',
      problem(409, 'ORGWIDE_CONNECTED', 'Your organisation connected Microsoft 365 org-wide.'),
    );
    const client = createHttpClient({ baseUrl: api.baseUrl });

    const error = (await client
      .post('/individual-connections', { kind: 'mail' })
      .catch((e: unknown) => e)) as ApiError;

    expect(error.status).toBe(409);
    expect(error.code).toBe('ORGWIDE_CONNECTED');
    expect(error.detail).toBe('Your organisation connected Microsoft 365 org-wide.');
  });

  it('maps a non-JSON error page to a readable error with the request id header', async () => {
    api.on('GET /broken', {
      status: 502,
      contentType: 'text/html',
      body: '<html>Bad gateway</html>',
      headers: { 'x-request-id': 'proxy-7' },
    });
    const client = createHttpClient({ baseUrl: api.baseUrl });

    const error = (await client.get('/broken').catch((e: unknown) => e)) as ApiError;

    expect(error.status).toBe(502);
    expect(error.code).toBe('HTTP_502');
    expect(error.detail).toMatch(/could not handle/);
    expect(error.requestId).toBe('proxy-7');
  });

  it('reports a 401 on an authenticated call so the session can end', async () => {
    api.on('GET /orgwide/status', problem(401, 'UNAUTHENTICATED', 'The token has expired.'));
    let expired = 0;
    const client = createHttpClient({
      baseUrl: api.baseUrl,
      getToken: () => 'old',
      onUnauthorized: () => (expired += 1),
    });

    await expect(client.get('/orgwide/status')).rejects.toBeInstanceOf(ApiError);
    expect(expired).toBe(1);
  });

  it('turns a refused connection into a network ApiError', async () => {
    const closed = await startLocalApi();
    await closed.close();
    const client = createHttpClient({ baseUrl: closed.baseUrl });

    const error = toApiError(await client.get('/anything').catch((e: unknown) => e));

    expect(error.code).toBe('NETWORK_ERROR');
    expect(error.status).toBe(0);
    expect(error.title).toBe('Could not reach the server');
  });
});
