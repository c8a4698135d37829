import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { type IndividualConnection } from '@rox365/contracts';

import { buildIndividualConnection, buildSession, buildStatus } from '../../../test/factories';
import { problem } from '../../../test/local-api';
import { mountInApp } from '../../../test/mount';
import { freshPinia } from '../../../test/pinia';
import { suiteLocalApi } from '../../../test/suite';
import { useAuthStore } from '../../auth/auth.store';
import IntegrationsView from '../../integrations/views/IntegrationsView.vue';
import { leaveForMicrosoft } from '../navigation';

vi.mock('../navigation', () => ({ leaveForMicrosoft: vi.fn() }));

// Megan's calendar connection, sent to Microsoft.
function buildConnection(overrides: Partial<IndividualConnection> = {}): IndividualConnection {
  return buildIndividualConnection('7d1c2f8e-5a43-4c2e-9e4b-0d7c5a1b2c3d', {
    roxUserId: 'u-megan',
    status: 'pending',
    expectedEmail: 'megan.bowen@contoso.com',
    ...overrides,
  });
}

const APPROVAL = {
  appDisplayName: 'Rox 365 Integration',
  adminConsentUrl:
    'https://login.microsoftonline.com/contoso.com/v2.0/adminconsent?client_id=abc&scope=https%3A%2F%2Fgraph.microsoft.com%2F.default',
  adminSteps: [
    'Go to Entra ID → Enterprise apps → Admin consent requests.',
    'Click Review permissions and consent, then Accept.',
  ],
  troubleshooting: 'Open https://myapps.microsoft.com/ and search for "Rox 365 Integration".',
};

async function mountMember(expectedStatus = 'none') {
  const pinia = freshPinia();
  const { accessToken: _token, ...session } = buildSession({ role: 'member' });
  useAuthStore().session = session;
  const wrapper = await mountInApp(IntegrationsView, pinia);
  // The tiles render once the list has come back from the (local) API.
  await vi.waitFor(() =>
    expect(wrapper.get('[aria-labelledby="tile-calendar"]').attributes('data-status')).toBe(
      expectedStatus,
    ),
  );
  return wrapper;
}

describe('Outlook tiles', () => {
  const api = suiteLocalApi();
  beforeEach(() => {
    vi.mocked(leaveForMicrosoft).mockClear();
    api.on('GET /orgwide/status', {
      body: buildStatus({ state: 'ready_to_connect', features: [], capabilities: [] }),
    });
  });
  afterEach(() => {
    document.body.innerHTML = '';
  });

  // Connect (again): the API's answer, sending the browser to Microsoft's page.
  const answerConnect = (connection: IndividualConnection, scopes: string[]) =>
    api.on('POST /individual-connections', {
      body: {
        connection,
        authorizeUrl: 'https://login.microsoftonline.com/organizations/oauth2/v2.0/authorize?x=1',
        expiresAt: '2026-11-28T09:15:00.000Z',
        scopes,
      },
    });

  it('says what Microsoft will ask for before Connect, then sends the member there', async () => {
    api.on('GET /individual-connections', { body: { items: [] } });
    answerConnect(buildConnection(), ['Calendars.ReadWrite']);
    const wrapper = await mountMember();
    const tile = wrapper.get('[aria-labelledby="tile-calendar"]');
    expect(tile.get('[data-testid="scopes-calendar"]').text()).toContain('Read user calendars');
    expect(tile.text()).toContain('Have full access to user calendars');
    expect(tile.text()).toContain('Maintain access to data you have given it access to');

    await tile.get('input[value="read"]').setValue(true);
    expect(tile.text()).not.toContain('Have full access to user calendars');
    await tile
      .findAll('button')
      .find((b) => b.text() === 'Connect Outlook Calendar')
      ?.trigger('click');

    await vi.waitFor(() => expect(leaveForMicrosoft).toHaveBeenCalled());
    expect(vi.mocked(leaveForMicrosoft).mock.calls[0]?.[0]).toContain('/oauth2/v2.0/authorize');
    const post = api.requests.find((r) => r.method === 'POST');
    expect(post?.body).toEqual({ provider: 'microsoft', kind: 'calendar', level: 'read' });
  });

  it('waiting for approval: the admin steps, a copyable admin-consent link and the hint', async () => {
    api.on('GET /individual-connections', {
      body: {
        items: [
          buildConnection({
            status: 'needs_admin_approval',
            statusReason: "Waiting for your admin's approval.",
            approval: APPROVAL,
          }),
        ],
      },
    });
    const wrapper = await mountMember('needs_admin_approval');
    const tile = wrapper.get('[aria-labelledby="tile-calendar"]');
    expect(tile.get('[data-testid="waiting-calendar"]').text()).toContain(
      "Waiting for your admin's approval",
    );
    expect(tile.get('[data-testid="calendar-admin-steps"]').text()).toContain(
      'Admin consent requests',
    );
    expect(tile.text()).toContain(APPROVAL.adminConsentUrl);
    expect(tile.findAll('button').some((b) => b.text() === 'Copy')).toBe(true);
    expect(tile.get('[data-testid="calendar-troubleshooting"]').text()).toContain(
      'myapps.microsoft.com',
    );
    expect(tile.findAll('button').some((b) => b.text() === 'Connect again')).toBe(true);
  });

  it('a connected upgrade waiting for approval: still connected, the steps, and Finish the upgrade asks for it', async () => {
    api.on('GET /individual-connections', {
      body: {
        items: [
          buildConnection({
            status: 'connected',
            level: 'read',
            pendingLevel: 'read_write',
            microsoftAccount: 'megan.bowen@contoso.com',
            approval: APPROVAL,
          }),
        ],
      },
    });
    answerConnect(buildConnection({ status: 'connected', level: 'read' }), ['Calendars.ReadWrite']);
    const wrapper = await mountMember('connected');
    const tile = wrapper.get('[aria-labelledby="tile-calendar"]');
    // Still connected, the upgrade named, and the admin's steps for it.
    const shown = ['connected-calendar', 'upgrade-waiting-calendar', 'calendar-admin-steps'].map(
      (id) => tile.get(`[data-testid="${id}"]`).text(),
    );
    expect(shown[0]).toContain('megan.bowen@contoso.com');
    expect(shown[1]).toContain('“Read and write”');
    expect(shown[2]).toContain('Admin consent requests');
    await tile
      .findAll('button')
      .find((b) => b.text() === 'Finish the upgrade')
      ?.trigger('click');
    await vi.waitFor(() => expect(leaveForMicrosoft).toHaveBeenCalled());
    const post = api.requests.find((r) => r.method === 'POST');
    expect(post?.body).toEqual({ provider: 'microsoft', kind: 'calendar', level: 'read_write' });
  });

  it('a check that finds the sign-in gone while an upgrade waited: Sign in again asks for the level it ran at', async () => {
    const upgrading = buildConnection({
      status: 'connected',
      level: 'read',
      pendingLevel: 'read_write',
      approval: APPROVAL,
    });
    api.on('GET /individual-connections', { body: { items: [upgrading] } });
    api.on(`POST /individual-connections/${upgrading.id}/check`, {
      body: {
        ok: false,
        connection: buildConnection({
          status: 'needs_sign_in',
          level: 'read',
          statusReason: 'Your Microsoft sessions were revoked (AADSTS50173).',
        }),
      },
    });
    answerConnect(buildConnection({ status: 'needs_sign_in', level: 'read' }), ['Calendars.Read']);
    const wrapper = await mountMember('connected');
    const tile = () => wrapper.get('[aria-labelledby="tile-calendar"]');
    await tile()
      .findAll('button')
      .find((b) => b.text() === 'Check connection')
      ?.trigger('click');
    await vi.waitFor(() => expect(tile().attributes('data-status')).toBe('needs_sign_in'));
    await tile()
      .findAll('button')
      .find((b) => b.text() === 'Sign in again')
      ?.trigger('click');
    await vi.waitFor(() => expect(leaveForMicrosoft).toHaveBeenCalled());
    const post = api.requests.find((r) => r.method === 'POST' && !r.path.endsWith('/check'));
    expect(post?.body).toEqual({ provider: 'microsoft', kind: 'calendar', level: 'read' });
  });

  it('a revoked sign-in offers Sign in again with the reason; disconnect shows the receipt', async () => {
    const revoked = buildConnection({
      status: 'needs_sign_in',
      statusReason:
        'Your Microsoft sessions were revoked (AADSTS50173). Sign in again to reconnect.',
    });
    api.on('GET /individual-connections', { body: { items: [revoked] } });
    api.on(`DELETE /individual-connections/${revoked.id}`, {
      body: {
        connectionId: revoked.id,
        roxUserId: 'u-megan',
        kind: 'calendar',
        disconnectedAt: '2026-11-28T10:00:00.000Z',
        removed: { individual_token: 0, auth_state: 2, individual_connection: 1 },
        totalRemoved: 3,
        microsoftSteps: ['Open https://myapps.microsoft.com/ to remove the app.'],
      },
    });
    const wrapper = await mountMember('needs_sign_in');
    const tile = wrapper.get('[aria-labelledby="tile-calendar"]');
    expect(tile.get('[data-testid="sign-in-again-calendar"]').text()).toContain('AADSTS50173');
    expect(tile.findAll('button').some((b) => b.text() === 'Sign in again')).toBe(true);

    await tile
      .findAll('button')
      .find((b) => b.text() === 'Disconnect')
      ?.trigger('click');
    await tile
      .findAll('button')
      .find((b) => b.text() === 'Yes, disconnect')
      ?.trigger('click');
    await vi.waitFor(() =>
      expect(wrapper.find('[data-testid="receipt-calendar"]').exists()).toBe(true),
    );
    expect(wrapper.get('[data-testid="receipt-calendar"]').text()).toContain('auth_state: 2');
    expect(wrapper.get('[data-testid="status-calendar"]').text()).toBe('Not connected');
  });

  it('shows a refused check as a readable problem', async () => {
    const connected = buildConnection({
      status: 'connected',
      microsoftAccount: 'megan.bowen@contoso.com',
    });
    api.on('GET /individual-connections', { body: { items: [connected] } });
    api.on(
      `POST /individual-connections/${connected.id}/check`,
      problem(503, 'MICROSOFT_UNAVAILABLE', 'Microsoft did not issue a token right now.'),
    );
    const wrapper = await mountMember('connected');
    const tile = wrapper.get('[aria-labelledby="tile-calendar"]');
    expect(tile.get('[data-testid="connected-calendar"]').text()).toContain(
      'megan.bowen@contoso.com',
    );
    await tile
      .findAll('button')
      .find((b) => b.text() === 'Check connection')
      ?.trigger('click');
    await vi.waitFor(() =>
      expect(tile.text()).toContain('Microsoft did not issue a token right now.'),
    );
  });
});
