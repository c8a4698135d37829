import { beforeEach, describe, expect, it } from 'vitest';

import { storeSuite } from '../../test/suite';
import { useAuditStore } from './audit.store';

function entry(id: string) {
  return {
    id,
    action: 'orgwide.connected',
    actor: { id: 'u_isaiah', role: 'admin' },
    target: { type: 'orgwide_connection', id: 'org_demo' },
    details: {},
    requestId: null,
    createdAt: '2026-11-22T03:00:00.000Z',
  };
}

describe('audit store', () => {
  const api = storeSuite();
  beforeEach(() => {
    api.on('GET /audit', (req) =>
      req.query.get('cursor') === 'c2'
        ? { body: { items: [entry('e3')], nextCursor: null } }
        : { body: { items: [entry('e1'), entry('e2')], nextCursor: 'c2' } },
    );
  });

  it('sends the filters as the API expects them and pages with the cursor', async () => {
    const audit = useAuditStore();
    audit.filters = {
      action: ' orgwide.* ',
      actorId: 'u_isaiah',
      fromDate: '2026-11-01',
      toDate: '2026-11-22',
    };

    await audit.load();
    await audit.loadMore();

    expect(audit.items.map((e) => e.id)).toEqual(['e1', 'e2', 'e3']);
    expect(audit.nextCursor).toBeNull();
    const first = api.requests[0]?.query;
    expect(first?.get('action')).toBe('orgwide.*');
    expect(first?.get('actorId')).toBe('u_isaiah');
    expect(first?.get('from')).toBe('2026-11-01T00:00:00.000Z');
    expect(first?.get('to')).toBe('2026-11-22T23:59:59.999Z');
    expect(api.requests[1]?.query.get('cursor')).toBe('c2');
  });

  it('refuses a date range that ends before it starts, with the contract’s message', async () => {
    const audit = useAuditStore();
    audit.filters = { action: '', actorId: '', fromDate: '2026-11-22', toDate: '2026-11-01' };

    expect(audit.filterError).toBe('`from` must not be after `to`');
    await audit.load();
    expect(api.requests).toHaveLength(0);
  });
});
