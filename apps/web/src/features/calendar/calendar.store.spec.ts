import { describe, expect, it } from 'vitest';

import { buildCalendarChannel, buildMyCalendarSync } from '../../test/factories';
import { problem } from '../../test/local-api';
import { storeSuite } from '../../test/suite';
import { useCalendarStore } from './calendar.store';

describe('calendar store', () => {
  const api = storeSuite();

  it('loads the member’s own channel with the last events synced', async () => {
    api.on('GET /calendar/me', { body: buildMyCalendarSync() });
    const calendar = useCalendarStore();
    const loading = calendar.loadMe();
    expect(calendar.isLoadingMe).toBe(true);
    await loading;
    expect(calendar.isLoadingMe).toBe(false);
    expect(calendar.me?.channel.eventCount).toBe(12);
    expect(calendar.me?.recentEvents.map((e) => e.id)).toEqual(['ev_1', 'ev_2', 'ev_3']);
  });

  it('keeps a refusal of the own status readable', async () => {
    api.on(
      'GET /calendar/me',
      problem(404, 'CALENDAR_MEMBER_NOT_FOUND', 'You are not a member of this org.'),
    );
    const calendar = useCalendarStore();
    await calendar.loadMe();
    expect(calendar.me).toBeNull();
    expect(calendar.meError?.code).toBe('CALENDAR_MEMBER_NOT_FOUND');
    expect(calendar.meError?.detail).toBe('You are not a member of this org.');
  });

  it('loads members’ channels side by side, each with its own loading flag and error', async () => {
    api.on('GET /calendar/channels/u_megan', { body: buildCalendarChannel() });
    api.on(
      'GET /calendar/channels/u_gone',
      problem(404, 'CALENDAR_MEMBER_NOT_FOUND', 'No such member.'),
    );
    const calendar = useCalendarStore();
    const both = Promise.all([calendar.loadMember('u_megan'), calendar.loadMember('u_gone')]);
    expect(calendar.loading).toEqual({ u_megan: true, u_gone: true });
    await both;
    expect(calendar.loading).toEqual({});
    expect(calendar.byMember.u_megan?.status).toBe('ok');
    expect(calendar.errors.u_gone?.code).toBe('CALENDAR_MEMBER_NOT_FOUND');
    expect(calendar.errors.u_megan).toBeUndefined();
    expect(api.requests.map((r) => r.path).sort()).toEqual([
      '/calendar/channels/u_gone',
      '/calendar/channels/u_megan',
    ]);
  });

  it('forgets an earlier error when the member loads again, and everything on reset', async () => {
    let fail = true;
    api.on('GET /calendar/channels/u_megan', () =>
      fail ? problem(503, 'SERVICE_UNAVAILABLE', 'Try again.') : { body: buildCalendarChannel() },
    );
    const calendar = useCalendarStore();
    await calendar.loadMember('u_megan');
    expect(calendar.errors.u_megan?.status).toBe(503);
    fail = false;
    await calendar.loadMember('u_megan');
    expect(calendar.errors.u_megan).toBeUndefined();
    calendar.$reset();
    expect(calendar.byMember).toEqual({});
    expect(calendar.me).toBeNull();
  });
});
