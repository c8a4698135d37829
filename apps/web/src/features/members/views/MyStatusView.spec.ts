import { afterEach, describe, expect, it, vi } from 'vitest';

import { buildMemberStatus, buildStatus } from '../../../test/factories';
import { mountInApp } from '../../../test/mount';
import { freshPinia } from '../../../test/pinia';
import { suiteLocalApi } from '../../../test/suite';
import MyStatusView from './MyStatusView.vue';

describe('my sync status', () => {
  const api = suiteLocalApi();
  afterEach(() => {
    document.body.innerHTML = '';
  });

  it('speaks to the member, and does not claim a sync Rox does not run', async () => {
    api.on('GET /orgwide/status', { body: buildStatus() });
    api.on('GET /orgwide/members/me', {
      body: buildMemberStatus({
        mail: {
          configured: 'off',
          effective: 'off',
          inScope: false,
          reason: 'Email sync is off for this member.',
          nextAction:
            'Turn email sync on for this member (override) or for the organisation if they need it.',
        },
      }),
    });
    const wrapper = await mountInApp(MyStatusView, freshPinia());
    await vi.waitFor(() => expect(wrapper.text()).toContain('Email sync is off for you.'));

    expect(wrapper.text()).toContain('Ask your admin to turn email sync on for you');
    expect(wrapper.text()).not.toContain('this member');
    // Calendar is allowed (read) but calendar sync is not built: say so.
    expect(wrapper.text()).toContain('Rox does not sync calendars yet');
    expect(wrapper.text()).toContain('Read only');
    expect(wrapper.find('[data-testid="mailbox-route"]').text()).toContain(
      "your organisation's Microsoft 365 connection",
    );
  });

  it('names the member’s own Outlook connection as the route when the org is not connected', async () => {
    api.on('GET /orgwide/status', {
      body: buildStatus({ state: 'ready_to_connect', tenantId: null, capabilities: [] }),
    });
    api.on('GET /orgwide/members/me', { body: buildMemberStatus({ route: 'individual' }) });
    const wrapper = await mountInApp(MyStatusView, freshPinia());
    await vi.waitFor(() =>
      expect(wrapper.find('[data-testid="mailbox-route"]').text()).toContain(
        'your own Outlook connection',
      ),
    );
    expect(wrapper.text()).not.toContain('Microsoft 365 is not connected for your organisation');
  });
});
