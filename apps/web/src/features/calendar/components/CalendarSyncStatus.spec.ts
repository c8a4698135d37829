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
    // Events are stored: it must not say nothing is.
    expect(wrapper.find('[data-testid="calendar-nothing-stored"]').exists()).toBe(false);
    expect(wrapper.text()).not.toContain('is stored');
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

  it('names the zone writes go out in, with no warning while it is the mailbox’s own', () => {
    const wrapper = mount(CalendarSyncStatus, {
      props: {
        channel: buildCalendarChannel({
          level: 'read_write',
          writeTimeZone: {
            zone: 'Pacific Standard Time',
            issue: null,
            reason: null,
            nextAction: null,
            checkedAt: '2026-11-28T10:00:00.000Z',
          },
        }),
        audience: 'admin',
      },
    });
    expect(wrapper.get('[data-testid="calendar-write-zone"]').text()).toBe('Pacific Standard Time');
    expect(wrapper.find('[data-testid="calendar-write-zone-issue"]').exists()).toBe(false);
  });

  it('says writes go out in UTC without MailboxSettings.Read, to the admin and to the member', () => {
    const writeTimeZone = {
      zone: 'UTC',
      issue: 'mailbox_time_zone_unavailable' as const,
      reason:
        'Microsoft 365 did not let Rox read this mailbox’s time zone (its mailbox settings), so the events Rox writes carry UTC as their time zone: the times are right, but Outlook shows them as UTC meetings.',
      nextAction:
        'Grant admin consent again so Rox holds MailboxSettings.Read (the permission report lists it as missing). Later writes read the zone again.',
      checkedAt: '2026-11-28T10:00:00.000Z',
    };
    const channel = buildCalendarChannel({ level: 'read_write', writeTimeZone });
    const admin = mount(CalendarSyncStatus, { props: { channel, audience: 'admin' } });
    // The sync itself is fine: only the writes' zone is off.
    expect(admin.get('[data-testid="sync-state"]').text()).toBe('Up to date');
    expect(admin.get('[data-testid="calendar-write-zone"]').text()).toBe('UTC');
    expect(admin.get('[data-testid="calendar-write-zone-issue"]').text()).toContain(
      'Writes in UTC',
    );
    expect(admin.get('[data-testid="calendar-write-zone-reason"]').text()).toBe(
      writeTimeZone.reason,
    );
    expect(admin.get('[data-testid="calendar-write-zone-next"]').text()).toBe(
      `Next: ${writeTimeZone.nextAction}`,
    );

    const member = mount(CalendarSyncStatus, { props: { channel, audience: 'member' } });
    expect(member.get('[data-testid="calendar-write-zone-reason"]').text()).toContain(
      'Rox may not read your mailbox’s time zone',
    );
    expect(member.get('[data-testid="calendar-write-zone-next"]').text()).toBe(
      'Next: Ask your admin to grant admin consent again so Rox may read mailbox settings (MailboxSettings.Read).',
    );
  });

  it('on their own Outlook connection, the member connects again themselves; a custom zone is theirs to change', () => {
    const ownConnection = buildCalendarChannel({
      level: 'read_write',
      writeTimeZone: {
        zone: 'UTC',
        issue: 'mailbox_time_zone_unavailable',
        reason: 'Microsoft 365 did not let Rox read this mailbox’s time zone.',
        nextAction:
          'Connect Outlook Calendar again: the new sign-in asks for “Read your mailbox settings”. Later writes read the zone again.',
        checkedAt: '2026-11-28T10:00:00.000Z',
      },
    });
    const own = mount(CalendarSyncStatus, {
      props: { channel: ownConnection, audience: 'member' },
    });
    expect(own.get('[data-testid="calendar-write-zone-next"]').text()).toMatch(
      /^Next: Connect Outlook Calendar again/,
    );

    const custom = mount(CalendarSyncStatus, {
      props: {
        channel: buildCalendarChannel({
          level: 'read_write',
          writeTimeZone: {
            zone: 'UTC',
            issue: 'mailbox_time_zone_unconvertible',
            reason: 'The mailbox uses a custom or unknown time zone.',
            nextAction: 'Ask the member to choose a standard time zone in Outlook.',
            checkedAt: '2026-11-28T10:00:00.000Z',
          },
        }),
        audience: 'member',
      },
    });
    expect(custom.get('[data-testid="calendar-write-zone-reason"]').text()).toMatch(
      /^Your mailbox uses a custom or unknown time zone/,
    );
    expect(custom.get('[data-testid="calendar-write-zone-next"]').text()).toMatch(
      /^Next: Choose a standard time zone in Outlook/,
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
