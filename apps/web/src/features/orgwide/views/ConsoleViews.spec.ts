import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { buildReport, buildStatus, notBuiltFeature } from '../../../test/factories';
import { problem } from '../../../test/local-api';
import { mountInApp } from '../../../test/mount';
import { freshPinia } from '../../../test/pinia';
import { suiteLocalApi } from '../../../test/suite';
import { useOrgwideStore } from '../orgwide.store';
import ConsoleOverviewView from './ConsoleOverviewView.vue';
import ConsoleSettingsView from './ConsoleSettingsView.vue';
import PermissionsView from './PermissionsView.vue';

const SETTINGS = {
  calendarAccess: 'read_write',
  emailAccess: 'metadata',
  restrictedDomains: ['xn--bcher-kva.example'],
  restrictedUsers: [],
  extraMailFolders: [],
  tenant: 'contoso.onmicrosoft.com',
  tenantId: '6babcaad-604b-40ac-a9d7-9fd97c0b779f',
  overrides: [],
  updatedAt: null,
};

const excess = (permission: string, sufficientGrant: string | null = null) => ({
  permission,
  displayName: permission,
  reason: sufficientGrant ? ('other_grant_suffices' as const) : ('not_needed' as const),
  sufficientGrant,
  revokeSteps: ['step 1', 'step 2', 'step 3', `Revoke ${permission}`],
  revokeStep: `Revoke ${permission}`,
});

describe('admin console views', () => {
  const api = suiteLocalApi();
  beforeEach(() => {
    api.on('GET /orgwide/settings', { body: SETTINGS });
    api.on('GET /orgwide/probes', { body: { items: [], nextCursor: null } });
    api.on('GET /orgwide/status', { body: buildStatus() });
  });
  afterEach(() => {
    document.body.innerHTML = '';
  });

  it('overview: lists what runs (directory, calendar, mail), who connected, and the to-do list', async () => {
    api.on('GET /orgwide/permissions', {
      body: buildReport({ excess: [excess('Mail.Send')] }),
    });
    const pinia = freshPinia();
    useOrgwideStore().status = buildStatus();
    const wrapper = await mountInApp(ConsoleOverviewView, pinia);

    const running = wrapper.get('[data-testid="capabilities"]').text();
    expect(running).toContain('Directory sync');
    expect(running).toContain('Calendar sync from Outlook');
    expect(running).toContain('Email activity tracking');
    // Nothing is "not built": the heading for it is not even shown.
    expect(wrapper.find('[data-testid="capabilities-not-yet"]').exists()).toBe(false);
    expect(wrapper.text()).not.toContain('not built yet');
    expect(wrapper.get('[data-testid="connected-by"]').text()).toContain('Isaiah Langer');
    await vi.waitFor(() =>
      expect(wrapper.get('[data-item="revoke_excess"]').text()).toContain('Mail.Send'),
    );
    expect(wrapper.get('[data-item="revoke_excess"]').attributes('data-done')).toBe('false');
    expect(wrapper.get('[data-item="revoke_excess"]').text()).toContain('(to do)');
    expect(wrapper.text()).toContain('Select Rox Orgwide Integration');
  });

  it('overview: a capability Rox does not run is listed apart as not built, never as running', async () => {
    api.on('GET /orgwide/permissions', { body: buildReport() });
    const pinia = freshPinia();
    const status = buildStatus();
    useOrgwideStore().status = {
      ...status,
      features: [...status.features, notBuiltFeature('mail_send')],
    };
    const wrapper = await mountInApp(ConsoleOverviewView, pinia);

    expect(wrapper.get('[data-testid="capabilities"]').text()).not.toContain('mail_send');
    expect(wrapper.get('[data-testid="capabilities-not-yet"]').text()).toContain('mail_send');
  });

  it('overview: a degraded connection gives one non-destructive advice and its button', async () => {
    api.on('GET /orgwide/permissions', { body: buildReport() });
    api.on('POST /orgwide/connect', {
      body: {
        consentUrl: 'https://login.example/adminconsent?state=s2',
        expiresAt: '2026-11-22T05:00:00.000Z',
        requestedPermissions: [],
      },
    });
    const assign = vi.spyOn(window.location, 'assign').mockImplementation(() => undefined);
    const pinia = freshPinia();
    useOrgwideStore().status = buildStatus({
      state: 'degraded',
      degradedReasons: [
        {
          code: 'PERMISSION_MISSING',
          message: 'Calendars.ReadWrite is not granted.',
          nextAction: 'Grant admin consent again: …',
        },
      ],
    });
    const wrapper = await mountInApp(ConsoleOverviewView, pinia);

    expect(wrapper.text()).not.toMatch(/disconnect first/i);
    const button = wrapper.findAll('button').find((b) => b.text() === 'Grant admin consent again');
    await button?.trigger('click');
    await vi.waitFor(() =>
      expect(assign).toHaveBeenCalledWith('https://login.example/adminconsent?state=s2'),
    );
    expect(api.requests.some((r) => r.method === 'DELETE')).toBe(false);
    assign.mockRestore();
  });

  it('permissions: Entra steps once, the narrower grant suffices, names as on the consent page', async () => {
    api.on('GET /orgwide/permissions', {
      body: buildReport({
        granted: ['Mail.Read', 'Mail.ReadWrite', 'Directory.Read.All'],
        needed: ['User.Read.All', 'Mail.Read'],
        excess: [excess('Mail.ReadWrite', 'Mail.Read')],
      }),
    });
    const wrapper = await mountInApp(PermissionsView, freshPinia());
    await vi.waitFor(() =>
      expect(wrapper.find('[data-testid="excess-permissions"]').exists()).toBe(true),
    );

    expect(wrapper.findAll('[data-testid="entra-steps"]')).toHaveLength(1);
    expect(wrapper.get('[data-testid="excess-permissions"]').text()).toContain(
      'Not needed: Mail.Read is granted too and already gives Rox everything it uses. Mail.ReadWrite only adds access Rox never uses.',
    );
    expect(wrapper.text()).not.toContain('covered by a broader grant');
    expect(wrapper.text()).toContain('Directory.Read.All (provides User.Read.All)');
  });

  it('settings: saves while connected, re-reads the report and says what changed', async () => {
    let saved = false;
    api.on('PUT /orgwide/settings', (req) => {
      saved = true;
      return { body: { ...SETTINGS, ...(req.body as object) } };
    });
    api.on('GET /orgwide/permissions', () => ({
      body: buildReport({
        excess: saved
          ? [excess('Mail.Send'), excess('Calendars.ReadWrite')]
          : [excess('Mail.Send')],
      }),
    }));
    const wrapper = await mountInApp(ConsoleSettingsView, freshPinia());
    await vi.waitFor(() => expect(wrapper.find('form').exists()).toBe(true));
    // Domains come back from the API as punycode and are shown as typed.
    expect((wrapper.get('#restricted-domains').element as HTMLTextAreaElement).value).toBe(
      'bücher.example',
    );

    await wrapper.get('input[name="calendarAccess"][value="read"]').setValue(true);
    await wrapper.get('form').trigger('submit');

    await vi.waitFor(() =>
      expect(wrapper.find('[data-testid="settings-saved"]').exists()).toBe(true),
    );
    expect(wrapper.get('[data-testid="settings-changes"]').text()).toContain(
      'Calendar access: Read and write → Read only',
    );
    expect(wrapper.get('[data-testid="grant-changes"]').text()).toContain('Calendars.ReadWrite');
    expect(api.requests.some((r) => r.method === 'POST' && r.path === '/orgwide/connect')).toBe(
      false,
    );
    expect(wrapper.text()).not.toContain('Conflict');
  });

  it('shows a failed load of the settings with a retry, not a form of defaults to save', async () => {
    api.on('GET /orgwide/settings', problem(503, 'SERVICE_UNAVAILABLE', 'Try again shortly.'));
    api.on('GET /orgwide/permissions', { body: buildReport({}) });
    const wrapper = await mountInApp(ConsoleSettingsView, freshPinia());
    await vi.waitFor(() => expect(wrapper.text()).toContain('Try again shortly.'));
    expect(wrapper.find('form').exists()).toBe(false);

    api.on('GET /orgwide/settings', { body: SETTINGS });
    await wrapper
      .findAll('button')
      .find((b) => b.text() === 'Try again')
      ?.trigger('click');
    await vi.waitFor(() => expect(wrapper.find('form').exists()).toBe(true));
    expect((wrapper.get('#restricted-domains').element as HTMLTextAreaElement).value).toBe(
      'bücher.example',
    );
  });
});
