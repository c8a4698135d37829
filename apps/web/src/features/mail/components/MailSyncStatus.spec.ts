import { mount } from '@vue/test-utils';
import { describe, expect, it } from 'vitest';

import { buildMailStatus } from '../../../test/factories';
import MailSyncStatus from './MailSyncStatus.vue';

describe('mail sync status (My sync status, console)', () => {
  it('shows the level, counts and each synced folder with its stage and reason', () => {
    const wrapper = mount(MailSyncStatus, {
      props: { status: buildMailStatus(), audience: 'member' },
    });
    expect(wrapper.text()).toContain('Metadata only (no message bodies)');
    expect(wrapper.text()).toContain('3 messages synced');
    expect(wrapper.find('[data-folder="inbox"]').text()).toContain('Up to date');
    expect(wrapper.find('[data-folder="sentitems"]').text()).toContain('Failed');
    expect(wrapper.find('[data-folder="sentitems"]').text()).toContain('MAIL_GRAPH_THROTTLED');
  });

  it('tells a member out of scope that nothing is stored', () => {
    const wrapper = mount(MailSyncStatus, {
      props: {
        status: buildMailStatus({ inScope: false, level: 'off', messages: 0, channels: [] }),
        audience: 'member',
      },
    });
    expect(wrapper.text()).toContain('Nothing from your mailbox is stored.');
    expect(wrapper.findAll('[data-folder]')).toHaveLength(0);
  });
});
