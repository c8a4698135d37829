import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { buildMemberStatus } from '../../test/factories';
import { problem } from '../../test/local-api';
import { twoPagesAndMegansSave } from '../../test/member-pages';
import { storeSuite } from '../../test/suite';
import { useMembersStore } from './members.store';

describe('members store', () => {
  const api = storeSuite();
  beforeEach(() => {
    api.on('GET /orgwide/members', { body: { items: [buildMemberStatus()], nextCursor: null } });
  });
  afterEach(() => {
    vi.restoreAllMocks();
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
    api.on('PUT /orgwide/overrides/u_megan', {
      body: { overrides: [{ roxUserId: 'u_megan', calendarAccess: 'off', emailAccess: null }] },
    });
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

  it('updates the saved row in place, keeping the other rows and the pages loaded', async () => {
    const { megan } = twoPagesAndMegansSave(api);
    const members = useMembersStore();
    await members.load();
    await members.loadMore();
    const joniRow = members.items[1];
    api.requests.length = 0;

    expect(await members.saveOverride(megan, { calendarAccess: 'off', emailAccess: null })).toBe(
      true,
    );

    // Only Megan's row is read again; Joni (from "Load more") is the same object as before.
    const reads = api.requests.filter((r) => r.method === 'GET');
    expect(reads.map((r) => r.query.get('q'))).toEqual([megan.email]);
    expect(members.items.map((m) => m.roxUserId)).toEqual(['u_megan', 'u_joni']);
    expect(members.items[1]).toBe(joniRow);
    expect(members.items[0]?.override).toEqual({ calendarAccess: 'off', emailAccess: null });
    expect(members.items[0]?.calendar.effective).toBe('off');
    expect(members.nextCursor).toBeNull();
  });

  it('shows the override from the answer even when the row cannot be read again', async () => {
    api.on('GET /orgwide/members', (req) =>
      req.query.get('q')
        ? problem(503, 'UNAVAILABLE', 'Try again later.')
        : { body: { items: [buildMemberStatus()], nextCursor: null } },
    );
    api.on('PUT /orgwide/overrides/u_megan', {
      body: {
        overrides: [{ roxUserId: 'u_megan', calendarAccess: null, emailAccess: 'metadata' }],
      },
    });
    const members = useMembersStore();
    await members.load();

    expect(
      await members.saveOverride(buildMemberStatus(), {
        calendarAccess: null,
        emailAccess: 'metadata',
      }),
    ).toBe(true);
    expect(members.items[0]?.override).toEqual({ calendarAccess: null, emailAccess: 'metadata' });
    expect(members.error).toBeNull();
  });

  it('keeps each member saving until their own answer arrives', async () => {
    api.on('PUT /orgwide/overrides/u_megan', { body: { overrides: [] } });
    api.on('PUT /orgwide/overrides/u_joni', { body: { overrides: [] } });
    // Joni's write is held back until the test lets it through.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const realFetch = globalThis.fetch;
    vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
      const url = input instanceof Request ? input.url : String(input);
      if (url.includes('/overrides/u_joni')) await held;
      return realFetch(input, init);
    });
    const members = useMembersStore();
    const levels = { calendarAccess: 'off', emailAccess: null } as const;

    const megan = members.saveOverride(buildMemberStatus(), levels);
    const joni = members.saveOverride(
      buildMemberStatus({ roxUserId: 'u_joni', displayName: 'Joni Sherman' }),
      levels,
    );
    expect([...members.savingOverrides].sort()).toEqual(['u_joni', 'u_megan']);

    expect(await megan).toBe(true);
    expect([...members.savingOverrides]).toEqual(['u_joni']);

    release();
    expect(await joni).toBe(true);
    expect(members.savingOverrides.size).toBe(0);
  });
});
