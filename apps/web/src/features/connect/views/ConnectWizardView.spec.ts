import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { buildIndividualConnection } from '../../../test/factories';
import { problem } from '../../../test/local-api';
import { mountInApp } from '../../../test/mount';
import { freshPinia } from '../../../test/pinia';
import { suiteLocalApi } from '../../../test/suite';
import ConnectWizardView from './ConnectWizardView.vue';

const TENANT = '6babcaad-604b-40ac-a9d7-9fd97c0b779f';

async function mountWizard() {
  // Saved settings load over real HTTP first.
  const wrapper = await mountInApp(
    ConnectWizardView,
    freshPinia(),
    '/integrations/microsoft/connect',
  );
  await vi.waitFor(() => expect(wrapper.find('form').exists()).toBe(true));
  return wrapper;
}

const SCRIPT = {
  script:
    "# 1. Connect\nConnect-ExchangeOnline\nTest-ApplicationAccessPolicy -Identity 'ana@contoso.com' -AppId 'x'\nTest-ApplicationAccessPolicy -Identity 'bo@contoso.com' -AppId 'x'\n",
  members: ['ana@contoso.com'],
  appId: '6f8b2c1e-3d4a-4b5c-9e7f-0a1b2c3d4e5f',
  flagged: [],
  outsider: 'bo@contoso.com',
  basis: 'rox_members',
};

// Through the first three steps to the security-group step (settings are saved on the way).
async function walkToPolicy(wrapper: Awaited<ReturnType<typeof mountWizard>>, tenant = TENANT) {
  await wrapper.get('form').trigger('submit');
  await wrapper.get('form').trigger('submit');
  await wrapper.get('#tenant').setValue(tenant);
  await wrapper.get('form').trigger('submit');
  await vi.waitFor(() => expect(wrapper.get('h2').text()).toContain('security group'));
}

// The review's Connect button, once it answers (it waits a moment after the review appears).
async function connectReady(wrapper: Awaited<ReturnType<typeof mountWizard>>) {
  await vi.waitFor(() => {
    const button = wrapper.findAll('button').find((b) => b.text().includes('Connect and open'));
    expect(button?.attributes('disabled')).toBeUndefined();
  });
}

describe('connect wizard', () => {
  const api = suiteLocalApi();
  beforeEach(() => {
    api.on('GET /orgwide/settings', problem(404, 'SETTINGS_NOT_FOUND', 'Not configured yet.'));
    api.on('PUT /orgwide/settings', { body: { overrides: [] } });
    api.on('GET /orgwide/access-policy/script', { body: SCRIPT });
  });
  afterEach(() => {
    document.body.innerHTML = '';
    vi.restoreAllMocks();
  });

  it('walks calendar → email → tenant → review, validating as the admin types', async () => {
    const wrapper = await mountWizard();
    expect(wrapper.get('h2').text()).toContain('Calendar access');
    await wrapper.get('input[value="read"]').setValue(true);
    await wrapper.get('form').trigger('submit');
    expect(wrapper.get('h2').text()).toContain('Email access');

    await wrapper.get('input[value="metadata"]').setValue(true);
    const domains = wrapper.get('#restricted-domains');
    await domains.setValue('lawfirm.example\nnot valid');
    await domains.trigger('input');
    expect(wrapper.get('#restricted-domains-error').text()).toBe(
      'Entry 2: "not valid" is not a valid domain name',
    );
    expect(domains.attributes('aria-invalid')).toBe('true');
    expect(domains.attributes('aria-describedby')).toContain('restricted-domains-error');
    await wrapper.get('form').trigger('submit');
    expect(wrapper.get('h2').text()).toContain('Email access');

    await domains.setValue('lawfirm.example');
    await domains.trigger('input');
    expect(wrapper.find('#restricted-domains-error').exists()).toBe(false);
    await wrapper.get('form').trigger('submit');
    expect(wrapper.get('h2').text()).toContain('Tenant');

    await wrapper.get('form').trigger('submit');
    expect(wrapper.get('#tenant-error').text()).toBe('enter the tenant ID or a verified domain');
    await wrapper.get('#tenant').setValue(TENANT);
    await wrapper.get('form').trigger('submit');
    await vi.waitFor(() => expect(wrapper.get('h2').text()).toContain('security group'));
    await wrapper.get('form').trigger('submit');
    expect(wrapper.get('h2').text()).toContain('Review');
  });

  it('offers the access-policy PowerShell before consent, for the members in scope', async () => {
    const wrapper = await mountWizard();
    await walkToPolicy(wrapper);
    await vi.waitFor(() =>
      expect(wrapper.find('[data-testid="policy-script"]').exists()).toBe(true),
    );
    // The settings were saved first, so the script covers who the admin put in scope.
    const order = api.requests.map((r) => `${r.method} ${r.path}`);
    expect(order.indexOf('PUT /orgwide/settings')).toBeLessThan(
      order.indexOf('GET /orgwide/access-policy/script'),
    );
    expect(wrapper.get('pre').text()).toContain(
      "Test-ApplicationAccessPolicy -Identity 'bo@contoso.com'",
    );
    expect(wrapper.text()).toContain('bo@contoso.com must come back Denied');
    expect(wrapper.text()).toContain("Built from your Rox members' email addresses");
  });

  it('reviews all eight permissions, marks the needed ones and explains why all appear', async () => {
    const wrapper = await mountWizard();
    await wrapper.get('input[value="read"]').setValue(true);
    await wrapper.get('form').trigger('submit');
    await wrapper.get('input[value="metadata"]').setValue(true);
    await wrapper.get('form').trigger('submit');
    await wrapper.get('#tenant').setValue('contoso.onmicrosoft.com');
    await wrapper.get('form').trigger('submit');
    await vi.waitFor(() => expect(wrapper.get('h2').text()).toContain('security group'));
    await vi.waitFor(() =>
      expect(wrapper.find('[data-testid="policy-script"]').exists()).toBe(true),
    );
    await wrapper.get('form').trigger('submit');

    const rows = wrapper.findAll('[data-testid="permission-plan"] li');
    expect(rows).toHaveLength(8);
    const neededRows = rows
      .filter((r) => r.text().includes('Needed'))
      .map((r) => r.get('code').text());
    expect(neededRows).toEqual(['Mail.ReadBasic.All', 'Calendars.Read', 'Directory.Read.All']);
    expect(wrapper.text()).toContain(
      'Microsoft does not let administrators pick individual application permissions',
    );
    expect(wrapper.text()).toContain('revoke the others in Microsoft Entra');
  });

  // The wizard walked to its review: the warning about members' own connections, once shown.
  const replacedWarning = async () => {
    const wrapper = await mountWizard();
    await walkToPolicy(wrapper);
    await wrapper.get('form').trigger('submit');
    await vi.waitFor(() =>
      expect(wrapper.find('[data-testid="review-replaced-connections"]').exists()).toBe(true),
    );
    return wrapper.get('[data-testid="review-replaced-connections"]').text();
  };

  it("warns on the review step that members' own Outlook connections will be replaced", async () => {
    api.on('GET /individual-connections', (req) => {
      expect(req.query.get('all')).toBe('true');
      // The API leaves superseded connections out when asked for live ones only.
      const live = req.query.get('live') === 'true';
      const items = [
        buildIndividualConnection('a', { expectedEmail: 'alex@contoso.com' }),
        buildIndividualConnection('b', { expectedEmail: 'alex@contoso.com', kind: 'mail' }),
        buildIndividualConnection('m', {
          expectedEmail: 'megan@contoso.com',
          status: 'needs_sign_in',
        }),
        buildIndividualConnection('old', {
          expectedEmail: 'old@contoso.com',
          status: 'superseded',
        }),
      ].filter((c) => !live || c.status !== 'superseded');
      return { body: { items, nextCursor: null } };
    });
    const warning = await replacedWarning();
    expect(warning).toContain('2 members connected Outlook themselves');
    expect(warning).toContain('alex@contoso.com, megan@contoso.com');
    expect(warning).not.toContain('old@contoso.com');
  });

  it('says when more members connected Outlook than the review lists', async () => {
    api.on('GET /individual-connections', {
      body: {
        items: [buildIndividualConnection('a', { expectedEmail: 'alex@contoso.com' })],
        nextCursor: 'more',
      },
    });
    const warning = await replacedWarning();
    expect(warning).toMatch(/1 member or more\s+connected Outlook themselves/);
    expect(warning).toContain('the full list is under Members’ Outlook connections');
  });

  it('says nothing of own connections when no member has one', async () => {
    api.on('GET /individual-connections', { body: { items: [] } });
    const wrapper = await mountWizard();
    await walkToPolicy(wrapper);
    await wrapper.get('form').trigger('submit');
    await vi.waitFor(() => expect(wrapper.get('h2').text()).toContain('Review'));
    expect(wrapper.find('[data-testid="review-replaced-connections"]').exists()).toBe(false);
  });

  it('saves, connects and sends the browser to the consent URL', async () => {
    api.on('POST /orgwide/connect', {
      body: {
        consentUrl: 'https://login.example/consent?state=s1',
        expiresAt: '2026-11-22T05:00:00.000Z',
        requestedPermissions: [],
      },
    });
    const assign = vi.spyOn(window.location, 'assign').mockImplementation(() => undefined);
    const wrapper = await mountWizard();
    await walkToPolicy(wrapper);
    await wrapper.get('form').trigger('submit');
    await connectReady(wrapper);
    await wrapper.get('form').trigger('submit');

    await vi.waitFor(() =>
      expect(assign).toHaveBeenCalledWith('https://login.example/consent?state=s1'),
    );
  });

  it('shows a server error with its request id on the review step', async () => {
    api.on(
      'POST /orgwide/connect',
      problem(503, 'MICROSOFT_UNAVAILABLE', 'Microsoft Entra did not answer.'),
    );
    const wrapper = await mountWizard();
    await walkToPolicy(wrapper);
    await wrapper.get('form').trigger('submit');
    await connectReady(wrapper);
    await wrapper.get('form').trigger('submit');

    await vi.waitFor(() => expect(wrapper.find('[role="alert"]').exists()).toBe(true));
    const alert = wrapper.get('[role="alert"]');
    expect(alert.text()).toContain('Microsoft Entra did not answer.');
    expect(alert.text()).toContain('req-test-1');
  });

  it('does not connect on the second click of a double-click on the step before the review', async () => {
    api.on('POST /orgwide/connect', {
      body: {
        consentUrl: 'https://login.example/consent',
        expiresAt: '',
        requestedPermissions: [],
      },
    });
    const assign = vi.spyOn(window.location, 'assign').mockImplementation(() => undefined);
    const wrapper = await mountWizard();
    await walkToPolicy(wrapper);
    await vi.waitFor(() =>
      expect(wrapper.find('[data-testid="policy-script"]').exists()).toBe(true),
    );
    const sent = () => api.requests.map((r) => `${r.method} ${r.path}`);
    const before = sent().length;
    // Both clicks of a double-click on Next: the second lands where Connect now is.
    await wrapper.get('form').trigger('submit');
    await wrapper.get('form').trigger('submit');
    expect(wrapper.get('h2').text()).toContain('Review');
    // Long enough for a connect's save and connect requests to reach the local API.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(sent().slice(before)).not.toContain('PUT /orgwide/settings');
    expect(sent()).not.toContain('POST /orgwide/connect');
    expect(assign).not.toHaveBeenCalled();
    // A deliberate click once the review has been read connects.
    await connectReady(wrapper);
    await wrapper.get('form').trigger('submit');
    await vi.waitFor(() => expect(assign).toHaveBeenCalledWith('https://login.example/consent'));
  });

  it('shows a failed load of the saved settings with a retry, never a form of defaults', async () => {
    api.on('GET /orgwide/settings', problem(503, 'SERVICE_UNAVAILABLE', 'Try again shortly.'));
    const wrapper = await mountInApp(
      ConnectWizardView,
      freshPinia(),
      '/integrations/microsoft/connect',
    );
    await vi.waitFor(() => expect(wrapper.find('[role="alert"]').exists()).toBe(true));
    expect(wrapper.get('[role="alert"]').text()).toContain('Try again shortly.');
    expect(wrapper.find('form').exists()).toBe(false);

    api.on('GET /orgwide/settings', {
      body: {
        calendarAccess: 'read',
        calendarMeetingDeletes: 'confirm',
        emailAccess: 'off',
        restrictedDomains: [],
        restrictedUsers: ['pat@contoso.com'],
        extraMailFolders: [],
        tenant: 'contoso.onmicrosoft.com',
        overrides: [],
      },
    });
    const retry = wrapper.findAll('button').find((b) => b.text() === 'Try again');
    await retry?.trigger('click');
    await vi.waitFor(() => expect(wrapper.find('form').exists()).toBe(true));
    // The saved choice, not the default (read_write).
    expect((wrapper.get('input[value="read"]').element as HTMLInputElement).checked).toBe(true);
  });

  it('offers no script for settings that could not be saved, and saves again on request', async () => {
    api.on('PUT /orgwide/settings', problem(503, 'MICROSOFT_UNAVAILABLE', 'Entra did not answer.'));
    const wrapper = await mountWizard();
    await walkToPolicy(wrapper);
    await vi.waitFor(() =>
      expect(wrapper.find('[data-testid="policy-save-failed"]').exists()).toBe(true),
    );
    expect(wrapper.text()).not.toContain('Your settings were saved.');
    expect(wrapper.find('[data-testid="policy-script"]').exists()).toBe(false);
    expect(wrapper.get('[role="alert"]').text()).toContain('Entra did not answer.');

    api.on('PUT /orgwide/settings', { body: { overrides: [] } });
    const again = wrapper.findAll('button').find((b) => b.text() === 'Save again');
    await again?.trigger('click');
    await vi.waitFor(() =>
      expect(wrapper.find('[data-testid="policy-script"]').exists()).toBe(true),
    );
    expect(wrapper.text()).toContain('Your settings were saved.');
  });

  it("says the review could not check members' own connections when that list fails", async () => {
    api.on('GET /individual-connections', problem(503, 'SERVICE_UNAVAILABLE', 'Busy.'));
    const wrapper = await mountWizard();
    await walkToPolicy(wrapper);
    await wrapper.get('form').trigger('submit');
    await vi.waitFor(() =>
      expect(wrapper.find('[data-testid="review-replaced-unknown"]').exists()).toBe(true),
    );
    expect(wrapper.get('[data-testid="review-replaced-unknown"]').text()).toContain(
      'Connecting org-wide ends any connection a member made themselves',
    );
  });
});
