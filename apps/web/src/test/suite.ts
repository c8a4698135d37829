import { afterAll, beforeAll, beforeEach } from 'vitest';

import { startLocalApi, useLocalApi, type LocalApi } from './local-api';
import { freshPinia } from './pinia';

/**
 * Starts one local API for the enclosing `describe` and, before each test, points the HTTP
 * client at it and forgets earlier requests. The handle is usable from the test bodies and
 * from later hooks (the server itself starts in `beforeAll`).
 */
export function suiteLocalApi(token: string | null = 'test-token'): LocalApi {
  let started: LocalApi | undefined;
  const live = (): LocalApi => {
    if (!started)
      throw new Error('The local API starts in beforeAll; use it inside hooks and tests.');
    return started;
  };

  beforeAll(async () => {
    started = await startLocalApi();
  });
  afterAll(() => live().close());
  beforeEach(() => {
    useLocalApi(live(), token);
    live().requests.length = 0;
  });

  return {
    get baseUrl() {
      return live().baseUrl;
    },
    get requests() {
      return live().requests;
    },
    on: (route, handler) => live().on(route, handler),
    close: () => live().close(),
  };
}

/** Store specs: the suite's local API plus a fresh active Pinia before each test. */
export function storeSuite(token: string | null = 'test-token'): LocalApi {
  beforeEach(() => {
    freshPinia();
  });
  return suiteLocalApi(token);
}
