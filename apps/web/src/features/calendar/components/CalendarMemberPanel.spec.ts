import { flushPromises, mount } from '@vue/test-utils';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { buildCalendarChannel, buildMemberStatus } from '../../../test/factories';
import { problem } from '../../../test/local-api';
import { freshPinia } from '../../../test/pinia';
import { suiteLocalApi } from '../../../test/suite';
import CalendarMemberPanel from './CalendarMemberPanel.vue';

describe('member calendar panel (admin console)', () => {
  const api = suiteLocalApi();
  afterEach(() => {
    document.body.innerHTML = '';
  });

  const mountPanel = async () => {
    const wrapper = mount(CalendarMemberPanel, {
      props: { member: buildMemberStatus() },
      global: { plugins: [freshPinia()] },
      attachTo: document.body,
    });
    await flushPromises();
    return wrapper;
  };

  it('reads the member’s channel when opened, and again on the next opening', async () => {
    let round = 0;
    api.on('GET /calendar/channels/u_megan', () => {
      round += 1;
      return { body: buildCalendarChannel({ eventCount: round === 1 ? 12 : 13 }) };
    });
    const wrapper = await mountPanel();
    const button = wrapper.get('button');
    expect(button.attributes('aria-label')).toBe('Calendar sync of Megan Bowen');
    expect(button.attributes('aria-expanded')).toBe('false');
    expect(api.requests).toHaveLength(0);

    await button.trigger('click');
    await vi.waitFor(() =>
      expect(wrapper.get('[data-testid="calendar-event-count"]').text()).toBe('12 events'),
    );
    expect(button.attributes('aria-expanded')).toBe('true');
    await button.trigger('click');
    expect(wrapper.find('[data-testid="calendar-sync-status"]').exists()).toBe(false);
    await button.trigger('click');
    await vi.waitFor(() =>
      expect(wrapper.get('[data-testid="calendar-event-count"]').text()).toBe('13 events'),
    );
  });

  it('shows a refusal as the API’s problem, readable, with a retry', async () => {
    let fail = true;
    api.on('GET /calendar/channels/u_megan', () =>
      fail
        ? problem(404, 'CALENDAR_MEMBER_NOT_FOUND', 'No such member.')
        : { body: buildCalendarChannel() },
    );
    const wrapper = await mountPanel();
    await wrapper.get('button').trigger('click');
    await vi.waitFor(() =>
      expect(wrapper.get('[role="alert"]').text()).toContain('No such member.'),
    );
    expect(wrapper.get('[role="alert"]').text()).toContain('req-test-1');
    fail = false;
    const retry = wrapper.findAll('button').find((b) => b.text() === 'Try again');
    await retry?.trigger('click');
    await vi.waitFor(() => expect(wrapper.text()).toContain('Up to date'));
    expect(wrapper.find('[role="alert"]').exists()).toBe(false);
  });
});
