import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { problem, startLocalApi, type LocalApi } from '../test/local-api';
import { createHttpClient } from './http';

// In a page (happy-dom): the session cookie is the browser's business; the client only echoes
// the readable CSRF cookie on changes and reports a 401 while the page thinks it is signed in.
describe('http client with the browser session', () => {
  let api: LocalApi;

  beforeAll(async () => {
    api = await startLocalApi();
    document.cookie = 'rox365_csrf=csrf-123; path=/';
  });
  afterAll(async () => {
    document.cookie = 'rox365_csrf=; max-age=0; path=/';
    await api.close();
  });

  it('echoes the CSRF cookie on changes only, and sends no bearer token', async () => {
    api.on('POST /things', { body: {} });
    api.on('GET /things', { body: {} });
    const client = createHttpClient({ baseUrl: api.baseUrl });

    await client.post('/things', { a: 1 });
    await client.get('/things');

    const [post, get] = api.requests.slice(-2);
    expect(post?.headers['x-rox-csrf']).toBe('csrf-123');
    expect(post?.headers.authorization).toBeUndefined();
    expect(get?.headers['x-rox-csrf']).toBeUndefined();
  });

  it('ends the page session on a 401 only while it is signed in', async () => {
    api.on('GET /orgwide/status', problem(401, 'TOKEN_INVALID', 'The token has expired.'));
    let ended = 0;
    let isSignedIn = true;
    const client = createHttpClient({
      baseUrl: api.baseUrl,
      isSignedIn: () => isSignedIn,
      onUnauthorized: () => (ended += 1),
    });

    await client.get('/orgwide/status').catch(() => undefined);
    isSignedIn = false;
    await client.get('/orgwide/status').catch(() => undefined);

    expect(ended).toBe(1);
  });
});
