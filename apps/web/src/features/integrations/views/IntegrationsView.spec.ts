import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { buildSession, buildStatus } from '../../../test/factories';
import { problem } from '../../../test/local-api';
import { mountInApp } from '../../../test/mount';
import { freshPinia } from '../../../test/pinia';
import { suiteLocalApi } from '../../../test/suite';
import { useAuthStore } from '../../auth/auth.store';
import IntegrationsView from './IntegrationsView.vue';

const ORGWIDE_MESSAGE =
  'Your organisation is connected to Microsoft 365 org-wide, so calendars and mailboxes are synced for you; individual Microsoft or Google connections are not available.';

async function mountAs(role: 'admin' | 'member') {
  const pinia = freshPinia();
  const { accessToken: _token, ...session } = buildSession({ role });
  useAuthStore().session = session;
  return mountInApp(IntegrationsView, pinia);
}

describe('integrations', () => {
  const api = suiteLocalApi();
  beforeEach(() => {
    api.on('GET /individual-connections', { body: { items: [] } });
  });
  afterEach(() => {
    document.body.innerHTML = '';
  });

  it('shows the org-wide state and explains that it supersedes individual connections', async () => {
    api.on('GET /orgwide/status', { body: buildStatus({ state: 'connected' }) });
    const wrapper = await mountAs('admin');

    await vi.waitFor(() =>
      expect(wrapper.get('[data-testid="enterprise-state"]').text()).toBe('Connected'),
    );
    expect(wrapper.findAll('.tile').length).toBe(3);
    expect(wrapper.get('a[href="/console"]').text()).toBe('Manage');
  });

  it('disables and explains the individual tiles while org-wide is connected', async () => {
    api.on('GET /orgwide/status', { body: buildStatus({ state: 'degraded' }) });
    const wrapper = await mountAs('member');

    await vi.waitFor(() =>
      expect(wrapper.find('[data-testid="covered-mail"]').exists()).toBe(true),
    );
    for (const kind of ['calendar', 'mail']) {
      const tile = wrapper.get(`[aria-labelledby="tile-${kind}"]`);
      expect(tile.text()).toContain('Your organisation connected Microsoft 365 for everyone');
      const button = tile.get('button');
      expect(button.attributes('disabled')).toBeDefined();
      expect(button.attributes('aria-describedby')).toBe(`covered-${kind}`);
    }
    await wrapper.get('[aria-labelledby="tile-mail"] button').trigger('click');
    expect(api.requests.some((r) => r.method === 'POST')).toBe(false);
  });

  it('shows the API’s ORGWIDE_CONNECTED answer when the org connected meanwhile', async () => {
    api.on('GET /orgwide/status', {
      body: buildStatus({ state: 'ready_to_connect', features: [], capabilities: [] }),
    });
    api.on('POST /individual-connections', problem(409, 'ORGWIDE_CONNECTED', ORGWIDE_MESSAGE));
    const wrapper = await mountAs('member');

    const mailButton = wrapper.findAll('button').find((b) => b.text() === 'Connect Outlook Mail');
    await mailButton?.trigger('click');

    await vi.waitFor(() => expect(wrapper.text()).toContain(ORGWIDE_MESSAGE));
    const mailTile = wrapper.get('[aria-labelledby="tile-mail"]');
    expect(mailTile.get('[role="status"]').text()).toContain(ORGWIDE_MESSAGE);
    expect(wrapper.get('[aria-labelledby="tile-calendar"]').text()).not.toContain(ORGWIDE_MESSAGE);
  });

  it('offers members no admin actions', async () => {
    api.on('GET /orgwide/status', {
      body: buildStatus({ state: 'not_configured', tenantId: null }),
    });
    const wrapper = await mountAs('member');

    await vi.waitFor(() =>
      expect(wrapper.find('[data-testid="enterprise-state"]').exists()).toBe(true),
    );
    expect(wrapper.find('a[href="/integrations/microsoft/connect"]').exists()).toBe(false);
    expect(wrapper.text()).toContain("Your organisation's Rox admins manage this connection.");
  });
});
