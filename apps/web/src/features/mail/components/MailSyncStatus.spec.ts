import { mount } from '@vue/test-utils';
import { describe, expect, it } from 'vitest';

import { buildMailStatus } from '../../../test/factories';
import MailSyncStatus from './MailSyncStatus.vue';

describe('mail sync status (My sync status, console)', () => {
  it('shows the state with reason and next action, the level, counts and each folder', () => {
    const wrapper = mount(MailSyncStatus, {
      props: { status: buildMailStatus(), audience: 'admin' },
    });
    // Sent Items failed: the mailbox is failed, said in words, with the next step.
    expect(wrapper.get('[data-testid="sync-state"]').text()).toBe('Failed');
    expect(wrapper.get('[data-testid="sync-reason"]').text()).toBe(
      'Microsoft Graph is throttling this mailbox.',
    );
    expect(wrapper.get('[data-testid="sync-next-action"]').text()).toContain('Nothing');
    expect(wrapper.text()).toContain('Metadata only (no message bodies)');
    expect(wrapper.get('[data-testid="mail-message-count"]').text()).toBe('3 messages');
    expect(wrapper.get('[data-folder="inbox"]').text()).toContain('Up to date');
    expect(wrapper.get('[data-folder="inbox"]').text()).toContain('2 messages');
    const sent = wrapper.get('[data-folder="sentitems"]').text();
    expect(sent).toContain('Failed');
    expect(sent).toContain('Microsoft Graph is throttling this mailbox.');
    // The code stays in small print for support.
    expect(sent).toContain('MAIL_GRAPH_THROTTLED');
  });

  it('speaks to the member about their own mailbox', () => {
    const wrapper = mount(MailSyncStatus, {
      props: { status: buildMailStatus(), audience: 'member' },
    });
    expect(wrapper.get('[data-testid="sync-reason"]').text()).toBe(
      'Microsoft Graph is throttling your mailbox.',
    );
    expect(wrapper.get('[data-folder="sentitems"]').text()).toContain('your mailbox');
  });

  it('tells a member out of scope that nothing is stored', () => {
    const wrapper = mount(MailSyncStatus, {
      props: {
        status: buildMailStatus({ inScope: false, level: 'off', messages: 0, channels: [] }),
        audience: 'member',
      },
    });
    expect(wrapper.get('[data-testid="sync-state"]').text()).toBe('Not synced');
    expect(wrapper.text()).toContain('Nothing from your mailbox is stored.');
    expect(wrapper.findAll('[data-folder]')).toHaveLength(0);
  });
});
