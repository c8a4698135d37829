import { afterEach, describe, expect, it, vi } from 'vitest';

import {
  buildCalendarChannel,
  buildMailStatus,
  buildMemberStatus,
  buildMyCalendarSync,
  buildStatus,
  notBuiltFeature,
} from '../../../test/factories';
import { problem } from '../../../test/local-api';
import { mountInApp } from '../../../test/mount';
import { freshPinia } from '../../../test/pinia';
import { suiteLocalApi } from '../../../test/suite';
import MyStatusView from './MyStatusView.vue';

const MAIL_OFF = {
  configured: 'off',
  effective: 'off',
  inScope: false,
  reason: 'Email sync is off for this member.',
  nextAction:
    'Turn email sync on for this member (override) or for the organisation if they need it.',
};

describe('my sync status', () => {
  const api = suiteLocalApi();
  afterEach(() => {
    document.body.innerHTML = '';
  });

  it('shows the member’s calendar channel and last events, and their mail, in member wording', async () => {
    api.on('GET /orgwide/status', { body: buildStatus() });
    api.on('GET /orgwide/members/me', { body: buildMemberStatus({ mail: MAIL_OFF }) });
    api.on('GET /calendar/me', { body: buildMyCalendarSync() });
    api.on('GET /mail/status/me', {
      body: buildMailStatus({ inScope: false, level: 'off', messages: 0, channels: [] }),
    });
    const wrapper = await mountInApp(MyStatusView, freshPinia());
    await vi.waitFor(() => expect(wrapper.text()).toContain('Email sync is off for you.'));

    const calendar = wrapper.get('[data-testid="my-calendar"]');
    await vi.waitFor(() => expect(calendar.text()).toContain('Up to date'));
    expect(calendar.get('[data-testid="calendar-event-count"]').text()).toBe('12 events');
    expect(calendar.findAll('[data-testid="recent-events"] li')).toHaveLength(3);
    expect(calendar.text()).toContain('Pipeline review');
    // Calendar and mail sync run: no "not syncing yet" anywhere.
    expect(wrapper.text()).not.toContain('Not syncing yet');

    const mail = wrapper.get('[data-testid="my-mail"]');
    expect(mail.text()).toContain('Ask your admin to turn email sync on for you');
    await vi.waitFor(() => expect(mail.text()).toContain('Nothing from your mailbox is stored.'));
    expect(wrapper.text()).not.toContain('this member');
    expect(wrapper.find('[data-testid="mailbox-route"]').text()).toContain(
      "your organisation's Microsoft 365 connection",
    );
  });

  it('a blocked calendar says why and asks the admin; a failing mailbox says so too', async () => {
    api.on('GET /orgwide/status', { body: buildStatus() });
    api.on('GET /orgwide/members/me', { body: buildMemberStatus() });
    api.on('GET /calendar/me', {
      body: buildMyCalendarSync({
        channel: buildCalendarChannel({
          status: 'blocked_by_access_policy',
          stage: 'failed',
          eventCount: 0,
          reason: 'Exchange’s application access policy keeps Rox out of this mailbox.',
          nextAction:
            'Add the mailbox to the access-policy group (Settings → access-policy script); sync resumes by itself.',
        }),
        recentEvents: [],
      }),
    });
    api.on('GET /mail/status/me', { body: buildMailStatus() });
    const wrapper = await mountInApp(MyStatusView, freshPinia());
    await vi.waitFor(() => expect(wrapper.find('[data-testid="my-calendar"]').exists()).toBe(true));
    const calendar = wrapper.get('[data-testid="my-calendar"]');
    await vi.waitFor(() => expect(calendar.text()).toContain('Blocked by access policy'));
    expect(calendar.text()).toContain('keeps Rox out of your mailbox');
    expect(calendar.text()).toContain(
      'Ask your admin to add your mailbox to the access-policy group',
    );
    expect(calendar.text()).toContain('No events synced yet.');
    await vi.waitFor(() =>
      expect(wrapper.get('[data-testid="my-mail"]').text()).toContain('Failed'),
    );
  });

  it('shows a refused calendar status as the API’s problem, with a retry', async () => {
    api.on('GET /orgwide/status', { body: buildStatus() });
    api.on('GET /orgwide/members/me', { body: buildMemberStatus() });
    api.on(
      'GET /calendar/me',
      problem(404, 'CALENDAR_MEMBER_NOT_FOUND', 'You are not a member of this org.'),
    );
    api.on('GET /mail/status/me', { body: buildMailStatus() });
    const wrapper = await mountInApp(MyStatusView, freshPinia());
    await vi.waitFor(() => expect(wrapper.find('[data-testid="my-calendar"]').exists()).toBe(true));
    const calendar = wrapper.get('[data-testid="my-calendar"]');
    await vi.waitFor(() =>
      expect(calendar.get('[role="alert"]').text()).toContain('You are not a member of this org.'),
    );
    expect(calendar.text()).toContain('Try again');
  });

  it('does not claim a sync Rox does not run', async () => {
    const status = buildStatus();
    api.on('GET /orgwide/status', {
      body: {
        ...status,
        features: [
          ...status.features.filter((f) => !f.capability.startsWith('calendar_')),
          notBuiltFeature('calendar_read'),
        ],
      },
    });
    api.on('GET /orgwide/members/me', { body: buildMemberStatus() });
    api.on('GET /calendar/me', { body: buildMyCalendarSync() });
    api.on('GET /mail/status/me', { body: buildMailStatus() });
    const wrapper = await mountInApp(MyStatusView, freshPinia());
    await vi.waitFor(() => expect(wrapper.text()).toContain('Rox does not sync calendars yet'));
    expect(wrapper.get('[data-testid="my-calendar"]').text()).toContain('Read only');
    expect(wrapper.find('[data-testid="recent-events"]').exists()).toBe(false);
  });

  it('names the member’s own Outlook connection as the route when the org is not connected', async () => {
    api.on('GET /orgwide/status', {
      body: buildStatus({
        state: 'ready_to_connect',
        tenantId: null,
        capabilities: [],
        features: [],
      }),
    });
    // As the API says it with the org not connected: no directory, the org's scope out.
    const notConnected = {
      configured: 'off',
      effective: 'off',
      inScope: false,
      reason: 'Microsoft 365 is not connected for this organisation.',
      nextAction: 'An admin connects Microsoft 365 under Integrations.',
    };
    api.on('GET /orgwide/members/me', {
      body: buildMemberStatus({
        route: 'individual',
        directoryUpn: null,
        directoryUserId: null,
        calendar: notConnected,
        mail: notConnected,
      }),
    });
    api.on('GET /calendar/me', { body: buildMyCalendarSync() });
    api.on('GET /mail/status/me', { body: buildMailStatus() });
    const wrapper = await mountInApp(MyStatusView, freshPinia());
    await vi.waitFor(() =>
      expect(wrapper.find('[data-testid="mailbox-route"]').text()).toContain(
        'the connections you made yourself',
      ),
    );
    expect(wrapper.text()).not.toContain('Microsoft 365 is not connected for your organisation');
    // The org's scope and its requests to the admin do not apply to the member's own connections.
    expect(wrapper.text()).not.toContain('Ask your admin to connect');
    expect(wrapper.get('[data-testid="own-account"]').text()).toContain('you signed in with');
    expect(wrapper.text()).not.toContain('No Microsoft 365 user matches');
  });
});
