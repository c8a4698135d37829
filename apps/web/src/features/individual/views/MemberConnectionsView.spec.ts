import { afterEach, describe, expect, it, vi } from 'vitest';

import { buildIndividualConnection, buildSession } from '../../../test/factories';
import { problem } from '../../../test/local-api';
import { mountInApp } from '../../../test/mount';
import { freshPinia } from '../../../test/pinia';
import { suiteLocalApi } from '../../../test/suite';
import { useAuthStore } from '../../auth/auth.store';
import MemberConnectionsView from './MemberConnectionsView.vue';

const row = buildIndividualConnection;

const HELD = '11111111-1111-4111-8111-111111111111';
const OK = '22222222-2222-4222-8222-222222222222';

describe("admins' view of members' Outlook connections", () => {
  const api = suiteLocalApi();
  afterEach(() => {
    document.body.innerHTML = '';
  });

  it('lists everyone’s connections, allows a different account and revokes', async () => {
    api.on('GET /individual-connections', (req) => {
      expect(req.query.get('all')).toBe('true');
      return {
        body: {
          items: [
            row(HELD, {
              status: 'account_mismatch',
              expectedEmail: 'megan.bowen@contoso.com',
              microsoftAccount: 'megan@contoso.com',
              statusReason: 'Signed in as megan@contoso.com, not megan.bowen@contoso.com.',
            }),
            row(OK, {
              expectedEmail: 'alex.wilber@contoso.com',
              kind: 'mail',
              level: 'read',
              pendingLevel: 'read_send',
            }),
          ],
        },
      };
    });
    api.on(`POST /individual-connections/${HELD}/allow-account`, {
      body: row(HELD, { status: 'connected', expectedEmail: 'megan.bowen@contoso.com' }),
    });
    api.on(`DELETE /individual-connections/${OK}`, {
      body: {
        connectionId: OK,
        roxUserId: `u-${OK}`,
        kind: 'mail',
        disconnectedAt: '2026-11-28T10:00:00.000Z',
        removed: { individual_token: 1, auth_state: 1, individual_connection: 1 },
        totalRemoved: 3,
        microsoftSteps: [],
      },
    });
    const pinia = freshPinia();
    const { accessToken: _token, ...session } = buildSession({ role: 'admin' });
    useAuthStore().session = session;
    const wrapper = await mountInApp(MemberConnectionsView, pinia);
    await vi.waitFor(() =>
      expect(wrapper.find('[data-testid="member-connections"]').exists()).toBe(true),
    );
    const held = wrapper.get(`tr[data-connection="${HELD}"]`);
    expect(held.text()).toContain('Other account');
    expect(held.text()).toContain('megan@contoso.com');
    // Connected, with an upgrade waiting for a Microsoft admin.
    const upgrading = wrapper.get(`tr[data-connection="${OK}"]`).text();
    expect(upgrading).toContain('Connected');
    expect(upgrading).toContain(
      'Upgrade to “Read and send” waits for a Microsoft admin’s approval.',
    );

    await held
      .findAll('button')
      .find((b) => b.text() === 'Allow this account')
      ?.trigger('click');
    await vi.waitFor(() =>
      expect(wrapper.get(`tr[data-connection="${HELD}"]`).text()).toContain('Connected'),
    );
    await wrapper
      .get(`tr[data-connection="${OK}"]`)
      .findAll('button')
      .find((b) => b.text() === 'Revoke')
      ?.trigger('click');
    await vi.waitFor(() =>
      expect(wrapper.find(`tr[data-connection="${OK}"]`).exists()).toBe(false),
    );
  });

  it('loads the list a page at a time; a page that fails keeps the rows shown', async () => {
    let calls = 0;
    api.on('GET /individual-connections', (req) => {
      expect(req.query.get('all')).toBe('true');
      if (req.query.get('cursor') !== 'page-2')
        return { body: { items: [row(HELD)], nextCursor: 'page-2' } };
      calls += 1;
      return calls === 1
        ? problem(503, 'SERVICE_UNAVAILABLE', 'The database is not reachable.')
        : { body: { items: [row(OK, { kind: 'mail' })], nextCursor: null } };
    });
    const pinia = freshPinia();
    const { accessToken: _token, ...session } = buildSession({ role: 'admin' });
    useAuthStore().session = session;
    const wrapper = await mountInApp(MemberConnectionsView, pinia);
    await vi.waitFor(() =>
      expect(wrapper.find(`tr[data-connection="${HELD}"]`).exists()).toBe(true),
    );
    const more = () => wrapper.findAll('button').find((b) => b.text() === 'Load more connections');
    expect(wrapper.find(`tr[data-connection="${OK}"]`).exists()).toBe(false);
    await more()?.trigger('click');
    await vi.waitFor(() => expect(wrapper.text()).toContain('The database is not reachable.'));
    expect(wrapper.find(`tr[data-connection="${HELD}"]`).exists()).toBe(true);
    await more()?.trigger('click');
    await vi.waitFor(() => expect(wrapper.find(`tr[data-connection="${OK}"]`).exists()).toBe(true));
    expect(wrapper.find(`tr[data-connection="${HELD}"]`).exists()).toBe(true);
    expect(more()).toBeUndefined();
  });
});
