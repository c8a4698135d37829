import { mount } from '@vue/test-utils';
import { describe, expect, it } from 'vitest';

import { buildCalendarChannel, buildMyCalendarSync } from '../../../test/factories';
import CalendarSyncStatus from './CalendarSyncStatus.vue';
import RecentEvents from './RecentEvents.vue';

describe('calendar sync status (console, My sync status)', () => {
  it('shows the state, level, counts, last sync and the last round', () => {
    const wrapper = mount(CalendarSyncStatus, {
      props: { channel: buildCalendarChannel(), audience: 'admin' },
    });
    expect(wrapper.get('[data-testid="sync-state"]').text()).toBe('Up to date');
    expect(wrapper.text()).toContain('Read only');
    expect(wrapper.get('[data-testid="calendar-event-count"]').text()).toBe('12 events');
    expect(wrapper.get('[data-testid="calendar-last-sync"]').text()).not.toBe('Never');
    expect(wrapper.text()).toContain('2 added, 1 updated, 0 removed');
    expect(wrapper.find('[data-testid="sync-reason"]').exists()).toBe(false);
  });

  it('gives the admin the reason and next action of a blocked mailbox', () => {
    const wrapper = mount(CalendarSyncStatus, {
      props: {
        channel: buildCalendarChannel({
          status: 'no_mailbox',
          stage: 'failed',
          reason: 'The Microsoft 365 user has no Exchange Online mailbox.',
          nextAction: 'Give the user an Exchange Online licence; sync resumes by itself.',
          lastSuccessAt: null,
          eventCount: 0,
        }),
        audience: 'admin',
      },
    });
    expect(wrapper.get('[data-testid="sync-state"]').text()).toBe('No mailbox');
    expect(wrapper.get('[data-testid="sync-reason"]').text()).toBe(
      'The Microsoft 365 user has no Exchange Online mailbox.',
    );
    expect(wrapper.get('[data-testid="sync-next-action"]').text()).toBe(
      'Next: Give the user an Exchange Online licence; sync resumes by itself.',
    );
    expect(wrapper.get('[data-testid="calendar-last-sync"]').text()).toBe('Never');
  });

  it('says the same to the member in their words', () => {
    const wrapper = mount(CalendarSyncStatus, {
      props: {
        channel: buildCalendarChannel({
          status: 'no_mailbox',
          stage: 'failed',
          reason: 'The Microsoft 365 user has no Exchange Online mailbox.',
          nextAction: 'Give the user an Exchange Online licence; sync resumes by itself.',
        }),
        audience: 'member',
      },
    });
    expect(wrapper.get('[data-testid="sync-reason"]').text()).toBe(
      'Your Microsoft 365 account has no Exchange Online mailbox.',
    );
    expect(wrapper.get('[data-testid="sync-next-action"]').text()).toContain(
      'Ask your admin to give you an Exchange Online licence',
    );
  });

  it('out of scope: nothing stored, and no second copy of the scope’s reason', () => {
    const wrapper = mount(CalendarSyncStatus, {
      props: {
        channel: buildCalendarChannel({
          status: 'not_in_scope',
          inScope: false,
          eventCount: 0,
          reason: 'Calendar sync is off for this member.',
          nextAction: 'Turn calendar sync on for this member.',
        }),
        audience: 'member',
      },
    });
    expect(wrapper.text()).toContain('Nothing from your calendar is stored.');
    expect(wrapper.text()).not.toContain('Calendar sync is off');
    // No wall of zeros and "never".
    expect(wrapper.find('[data-testid="calendar-event-count"]').exists()).toBe(false);
  });
});

describe('recent events', () => {
  it('lists subjects and times, private events as busy, cancelled ones marked', () => {
    const wrapper = mount(RecentEvents, { props: { events: buildMyCalendarSync().recentEvents } });
    const items = wrapper.findAll('li');
    expect(items).toHaveLength(3);
    expect(items[0]?.text()).toContain('Pipeline review');
    expect(items[0]?.text()).toContain('Room 4');
    expect(items[1]?.text()).toContain('Private event (busy)');
    expect(items[1]?.text()).not.toContain('Secret');
    expect(items[2]?.text()).toContain('Offsite');
    expect(items[2]?.text()).toContain('all day');
    expect(items[2]?.text()).toContain('Cancelled');
  });

  it('says when nothing is synced yet', () => {
    const wrapper = mount(RecentEvents, { props: { events: [] } });
    expect(wrapper.get('[data-testid="recent-events-empty"]').text()).toBe('No events synced yet.');
  });
});
