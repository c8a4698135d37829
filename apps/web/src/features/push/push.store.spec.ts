import { beforeEach, describe, expect, it } from 'vitest';

import { storeSuite } from '../../test/suite';
import { usePushStore } from './push.store';

const ENDPOINT_A = '0b5f0d8e-1c1e-4d55-9a6a-2d0f3b1c0a01';
const ENDPOINT_B = '0b5f0d8e-1c1e-4d55-9a6a-2d0f3b1c0a02';

function endpoint(id: string) {
  return {
    id,
    url: `https://rox.example/hooks/${id.slice(-2)}`,
    eventTypes: ['calendar.changed'],
    description: '',
    createdAt: '2026-11-22T03:00:00.000Z',
    secretRotatedAt: '2026-11-22T03:00:00.000Z',
  };
}

function delivery(id: string, status: string) {
  return {
    id,
    endpointId: ENDPOINT_A,
    eventType: 'calendar.changed',
    status,
    cursor: '41',
    occurredAt: '2026-11-22T03:00:00.000Z',
    createdAt: '2026-11-22T03:00:00.000Z',
    updatedAt: '2026-11-22T03:00:01.000Z',
    attempts: [
      {
        number: 1,
        at: '2026-11-22T03:00:00.000Z',
        statusCode: 500,
        error: 'http_status',
        durationMs: 20,
        responseSnippet: 'oops',
      },
    ],
  };
}

describe('push store', () => {
  const api = storeSuite();
  beforeEach(() => {
    api.on('GET /push/endpoints', {
      body: { items: [endpoint(ENDPOINT_A), endpoint(ENDPOINT_B)] },
    });
    api.on(`GET /push/endpoints/${ENDPOINT_A}/deliveries`, (req) =>
      req.query.get('cursor') === 'c2'
        ? { body: { items: [delivery('d3', 'delivered')], nextCursor: null } }
        : {
            body: { items: [delivery('d1', 'dead'), delivery('d2', 'pending')], nextCursor: 'c2' },
          },
    );
    api.on(`GET /push/endpoints/${ENDPOINT_B}/deliveries`, {
      body: { items: [], nextCursor: null },
    });
  });

  it('loads the receivers, shows the first one’s log, and pages it', async () => {
    const push = usePushStore();
    await push.loadEndpoints();
    expect(push.endpoints.map((e) => e.id)).toEqual([ENDPOINT_A, ENDPOINT_B]);
    expect(push.selectedId).toBe(ENDPOINT_A);
    await push.loadMore();
    expect(push.deliveries.map((d) => d.id)).toEqual(['d1', 'd2', 'd3']);
    expect(api.requests.at(-1)?.query.get('cursor')).toBe('c2');

    await push.select(ENDPOINT_B);
    expect(push.deliveries).toEqual([]);
  });

  it('filters by status as the API expects', async () => {
    const push = usePushStore();
    await push.loadEndpoints();
    await push.filterBy('dead');
    expect(api.requests.at(-1)?.query.get('status')).toBe('dead');
    await push.filterBy('');
    expect(api.requests.at(-1)?.query.has('status')).toBe(false);
  });

  it('asks for a dead notice again and reloads the log; a refusal is kept for the screen', async () => {
    api.on(`POST /push/endpoints/${ENDPOINT_A}/deliveries/d1/redeliver`, {
      status: 202,
      body: { outcome: 'queued' },
    });
    api.on(`POST /push/endpoints/${ENDPOINT_A}/deliveries/d2/redeliver`, {
      status: 409,
      contentType: 'application/problem+json',
      body: {
        type: 'about:blank',
        title: 'Conflict',
        status: 409,
        detail: 'Only a dead delivery can be redelivered.',
        code: 'PUSH_DELIVERY_NOT_DEAD',
      },
    });
    const push = usePushStore();
    await push.loadEndpoints();
    const before = api.requests.length;

    await push.redeliver('d1');
    expect(api.requests[before]?.method).toBe('POST');
    expect(api.requests.at(-1)?.method).toBe('GET');
    expect(push.redelivered).toEqual(['d1']);
    expect(push.redeliverError).toBeNull();

    await push.redeliver('d2');
    expect(push.redeliverError?.code).toBe('PUSH_DELIVERY_NOT_DEAD');
    expect(push.redelivered).toEqual(['d1']);
    expect(push.redelivering).toBeNull();

    push.$reset();
    expect(push.endpoints).toEqual([]);
    expect(push.selectedId).toBeNull();
    expect(push.deliveries).toEqual([]);
  });
});
