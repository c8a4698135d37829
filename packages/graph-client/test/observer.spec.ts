import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { DEMO_TENANT, startEmulator, type RunningEmulator } from '@rox365/m365-emulator';

import { type GraphExchange, type GraphObserver, type TokenFailure } from '../src/index';
import { buildGraph, rejectionOf } from './helpers';

let emu: RunningEmulator;
let memberId: string;
const INBOX = 'mailFolders/inbox';

function recordingObserver(): GraphObserver & {
  exchanges: GraphExchange[];
  failures: TokenFailure[];
} {
  const exchanges: GraphExchange[] = [];
  const failures: TokenFailure[] = [];
  return {
    exchanges,
    failures,
    onExchange: (exchange) => exchanges.push(exchange),
    onTokenFailure: (failure) => failures.push(failure),
  };
}

beforeAll(async () => {
  emu = await startEmulator({ seed: [{ domain: 'contoso', adminConsented: true }] });
  memberId = (
    await buildGraph(emu)
      .forTenant(DEMO_TENANT.id)
      .get<{ id: string }>(`/users/${DEMO_TENANT.users.member}`)
  ).id;
});

afterAll(async () => {
  await emu.stop();
});

beforeEach(async () => {
  await emu.control.clearFaults();
});

describe('GraphObserver', () => {
  it('hears every attempt of a request, the throttled ones with their Retry-After', async () => {
    const observer = recordingObserver();
    const client = buildGraph(emu, { observer }).forTenant(DEMO_TENANT.id);
    await emu.control.addFault({
      match: `GET /v1.0/users/${memberId}/${INBOX}`,
      status: 429,
      retryAfterSeconds: 0.2,
      count: 1,
    });

    await client.get(`/users/${memberId}/${INBOX}`, { query: { $select: 'id' } });

    expect(observer.exchanges).toEqual([
      { kind: 'request', method: 'GET', status: 429, retryAfterMs: 200 },
      { kind: 'request', method: 'GET', status: 200, retryAfterMs: null },
    ]);
    expect(observer.failures).toEqual([]);
  });

  it('hears each item of a $batch with its own status', async () => {
    const observer = recordingObserver();
    const client = buildGraph(emu, { observer }).forTenant(DEMO_TENANT.id);
    await emu.control.addFault({
      match: `GET /v1.0/users/${memberId}/${INBOX}`,
      status: 429,
      retryAfterSeconds: 0.3,
      count: 1,
    });

    await client.batch(
      [
        { id: 'user', method: 'GET', url: `/users/${memberId}?$select=id` },
        { id: 'inbox', method: 'GET', url: `/users/${memberId}/${INBOX}?$select=id` },
      ],
      { retryItems: false },
    );

    expect(observer.exchanges).toEqual(
      expect.arrayContaining([
        { kind: 'request', method: 'POST', status: 200, retryAfterMs: null },
        { kind: 'batch_item', method: 'GET', status: 200, retryAfterMs: null },
        { kind: 'batch_item', method: 'GET', status: 429, retryAfterMs: 300 },
      ]),
    );
    expect(observer.exchanges).toHaveLength(3);
  });

  it('hears a failed token request with its kind, and sends no Graph request', async () => {
    const observer = recordingObserver();
    const graph = buildGraph(emu, {
      observer,
      credential: { kind: 'secret', secret: 'not-the-secret' },
    });

    await rejectionOf(graph.forTenant(DEMO_TENANT.id).get('/users'));

    expect(observer.failures).toEqual([{ flow: 'app', kind: 'invalid_client_credentials' }]);
    expect(observer.exchanges).toEqual([]);
  });

  it('keeps requests working when the observer throws', async () => {
    const client = buildGraph(emu, {
      observer: {
        onExchange: () => {
          throw new Error('observer broke');
        },
        onTokenFailure: () => undefined,
      },
    }).forTenant(DEMO_TENANT.id);

    const user = await client.get<{ id: string }>(`/users/${memberId}`);

    expect(user.id).toBe(memberId);
  });
});
