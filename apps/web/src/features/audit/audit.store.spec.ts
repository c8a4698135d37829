import { beforeEach, describe, expect, it } from 'vitest';

import { problem } from '../../test/local-api';
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

  it('says next to the action field why a filter would match nothing, and sends nothing', async () => {
    const audit = useAuditStore();
    audit.filters.action = 'Orgwide.Disconnected';

    expect(audit.filterErrors).toEqual({
      action: 'Action codes are lower case: try orgwide.disconnected.',
    });
    await audit.load();
    expect(api.requests).toHaveLength(0);

    audit.filters.action = 'orgwide.disconnected';
    expect(audit.filterErrors).toEqual({});
  });

  it('shows a filter the API refuses (400 problem) under its field and keeps the entries shown', async () => {
    api.on('GET /audit', (req) =>
      req.query.get('action') === 'orgwide.refused'
        ? problem(400, 'VALIDATION_FAILED', 'query.action: Too long', [
            { path: 'query.action', message: 'Too long' },
          ])
        : { body: { items: [entry('e1'), entry('e2')], nextCursor: 'c2' } },
    );
    const audit = useAuditStore();
    await audit.load();

    audit.filters.action = 'orgwide.refused';
    await audit.load();

    expect(audit.filterErrors.action).toBe('Not accepted by the server: Too long');
    expect(audit.error).toBeNull();
    expect(audit.items.map((e) => e.id)).toEqual(['e1', 'e2']);
    // Older entries still come for the filters the list shows.
    await audit.loadMore();
    expect(api.requests[2]?.query.get('action')).toBeNull();
    expect(api.requests[2]?.query.get('cursor')).toBe('c2');

    audit.filters.action = 'orgwide.*';
    expect(audit.filterErrors.action).toBeUndefined();
  });

  it('pages with the filters it loaded with, not the form’s unapplied ones', async () => {
    const audit = useAuditStore();
    audit.filters.action = 'orgwide.*';
    await audit.load();
    audit.filters.action = 'mail.*';
    await audit.loadMore();

    expect(api.requests[1]?.query.get('action')).toBe('orgwide.*');
    expect(api.requests[1]?.query.get('cursor')).toBe('c2');
  });
});
