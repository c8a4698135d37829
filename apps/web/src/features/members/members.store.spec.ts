import { beforeEach, describe, expect, it } from 'vitest';

import { buildMemberStatus } from '../../test/factories';
import { problem } from '../../test/local-api';
import { storeSuite } from '../../test/suite';
import { useMembersStore } from './members.store';

describe('members store', () => {
  const api = storeSuite();
  beforeEach(() => {
    api.on('GET /orgwide/members', { body: { items: [buildMemberStatus()], nextCursor: null } });
  });

  it('searches and filters', async () => {
    const members = useMembersStore();
    members.query = 'megan';
    members.filter = 'out_of_scope';
    await members.load();
    expect(api.requests[0]?.query.get('q')).toBe('megan');
    expect(api.requests[0]?.query.get('filter')).toBe('out_of_scope');
    expect(members.items).toHaveLength(1);
  });

  it('puts an override, and deletes it when both levels go back to the default', async () => {
    api.on('PUT /orgwide/overrides/u_megan', { body: {} });
    api.on('DELETE /orgwide/overrides/u_megan', { status: 204 });
    const members = useMembersStore();
    const megan = buildMemberStatus();

    expect(await members.saveOverride(megan, { calendarAccess: 'off', emailAccess: null })).toBe(
      true,
    );
    expect(await members.saveOverride(megan, { calendarAccess: null, emailAccess: null })).toBe(
      true,
    );

    const writes = api.requests.filter((r) => r.method !== 'GET');
    expect(writes.map((r) => `${r.method} ${r.path}`)).toEqual([
      'PUT /orgwide/overrides/u_megan',
      'DELETE /orgwide/overrides/u_megan',
    ]);
    expect(writes[0]?.body).toEqual({ calendarAccess: 'off', emailAccess: null });
    expect(members.overrideMessage).toBe('Saved the access for Megan Bowen.');
  });

  it('keeps a failed override next to that member', async () => {
    api.on(
      'PUT /orgwide/overrides/u_megan',
      problem(400, 'VALIDATION_FAILED', 'Invalid override', [
        { path: 'body.emailAccess', message: 'Invalid option' },
      ]),
    );
    const members = useMembersStore();

    expect(
      await members.saveOverride(buildMemberStatus(), {
        calendarAccess: null,
        emailAccess: 'read',
      }),
    ).toBe(false);
    expect(members.overrideErrors.u_megan?.fieldError('emailAccess')).toBe('Invalid option');
  });
});
