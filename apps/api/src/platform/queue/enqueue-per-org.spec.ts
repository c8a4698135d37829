import { describe, expect, it } from 'vitest';

import { enqueuePerOrg } from './enqueue-per-org';

describe('enqueuePerOrg', () => {
  it('counts what each org queued, and one failing org does not starve the others', async () => {
    const seen: string[] = [];
    const queued = await enqueuePerOrg(
      [{ orgId: 'a' }, { orgId: 'broken' }, { orgId: 'c' }, { orgId: 'd' }],
      'a test job',
      (orgId) => {
        seen.push(orgId);
        // Rejected, not thrown: that is how a failing Bull add arrives.
        if (orgId === 'broken') return Promise.reject(new Error('Redis is down'));
        return Promise.resolve(orgId === 'c' ? 3 : undefined);
      },
    );
    expect(seen).toEqual(['a', 'broken', 'c', 'd']);
    // a: one (nothing returned), broken: none, c: three, d: one.
    expect(queued).toBe(5);
  });
});
