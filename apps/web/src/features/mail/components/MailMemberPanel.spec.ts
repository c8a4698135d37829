import { flushPromises, mount } from '@vue/test-utils';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { buildMailStatus, buildMemberStatus } from '../../../test/factories';
import { problem } from '../../../test/local-api';
import { freshPinia } from '../../../test/pinia';
import { suiteLocalApi } from '../../../test/suite';
import MailMemberPanel from './MailMemberPanel.vue';

describe('member mail panel (admin console)', () => {
  const api = suiteLocalApi();
  afterEach(() => {
    document.body.innerHTML = '';
  });

  const mountPanel = async () => {
    const wrapper = mount(MailMemberPanel, {
      props: { member: buildMemberStatus() },
      global: { plugins: [freshPinia()] },
      attachTo: document.body,
    });
    await flushPromises();
    return wrapper;
  };
  const button = (wrapper: Awaited<ReturnType<typeof mountPanel>>, text: string) => {
    const found = wrapper.findAll('button').find((b) => b.text().includes(text));
    if (!found) throw new Error(`no button "${text}"`);
    return found;
  };

  it('shows each folder’s stage, counts and reason, then removes the data with a receipt', async () => {
    api.on('GET /orgwide/mail/members/u_megan', { body: buildMailStatus() });
    api.on('POST /orgwide/mail/data-removal-requests', {
      body: {
        roxUserId: 'u_megan',
        removed: { mail_message: 3, mail_send: 1 },
        auditAction: 'mail.data_removed',
        at: '2026-11-28T10:00:00.000Z',
        nextAction: 'Add the person to the restricted users.',
      },
    });
    const wrapper = await mountPanel();
    expect(wrapper.get('button').attributes('aria-label')).toBe('Mail sync of Megan Bowen');
    await button(wrapper, 'Mail sync').trigger('click');
    await vi.waitFor(() => expect(wrapper.text()).toContain('Up to date'));
    expect(wrapper.find('[data-folder="sentitems"]').text()).toContain(
      'Microsoft Graph is throttling this mailbox.',
    );
    expect(wrapper.text()).toContain('Metadata only');

    await button(wrapper, 'Remove synced data').trigger('click');
    expect(wrapper.text()).toContain('This cannot be undone');
    await button(wrapper, 'Remove now').trigger('click');
    await vi.waitFor(() =>
      expect(wrapper.find('[data-testid="removal-receipt"]').text()).toContain(
        'Removed 4 synced rows',
      ),
    );
    expect(wrapper.get('[data-testid="removal-receipt"]').text()).toContain(
      'Email messages: 3, Emails sent from Rox: 1',
    );
    expect(wrapper.text()).toContain('restricted users');
  });

  it('says why a removal was refused', async () => {
    api.on('GET /orgwide/mail/members/u_megan', { body: buildMailStatus() });
    api.on(
      'POST /orgwide/mail/data-removal-requests',
      problem(404, 'MAIL_MEMBER_NOT_FOUND', 'No such member.'),
    );
    const wrapper = await mountPanel();
    await button(wrapper, 'Mail sync').trigger('click');
    await button(wrapper, 'Remove synced data').trigger('click');
    await button(wrapper, 'Remove now').trigger('click');
    await vi.waitFor(() =>
      expect(wrapper.find('[role="alert"]').text()).toContain('No such member'),
    );
  });
});
