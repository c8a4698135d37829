import { afterEach, describe, expect, it, vi } from 'vitest';

import { IndividualOutcomeSchema } from '@rox365/contracts';

import { buildIndividualConnection, buildSession } from '../../../test/factories';
import { mountInApp } from '../../../test/mount';
import { freshPinia } from '../../../test/pinia';
import { suiteLocalApi } from '../../../test/suite';
import { useAuthStore } from '../../auth/auth.store';
import { INDIVIDUAL_OUTCOMES, UPGRADE_AWAITS_APPROVAL } from '../individual-outcomes';
import OutlookResultView from './OutlookResultView.vue';

const APPROVAL = {
  appDisplayName: 'Rox 365 Integration',
  adminConsentUrl: 'https://login.microsoftonline.com/contoso.com/v2.0/adminconsent?client_id=abc',
  adminSteps: ['Go to Entra ID → Enterprise apps → Admin consent requests.'],
  troubleshooting: 'Open https://myapps.microsoft.com/ and search for "Rox 365 Integration".',
};

async function renderAt(query: string) {
  const pinia = freshPinia();
  const { accessToken: _token, ...session } = buildSession({ role: 'member' });
  useAuthStore().session = session;
  return mountInApp(OutlookResultView, pinia, `/integrations/outlook/result${query}`);
}

describe('Outlook result page', () => {
  const api = suiteLocalApi();
  afterEach(() => {
    document.body.innerHTML = '';
  });

  it.each(IndividualOutcomeSchema.options)('explains %s with next steps', async (outcome) => {
    api.on('GET /individual-connections', { body: { items: [] } });
    const wrapper = await renderAt(`?outcome=${outcome}&kind=mail`);
    const explanation = INDIVIDUAL_OUTCOMES[outcome];
    expect(wrapper.get('h1').text()).toBe(explanation.title);
    expect(wrapper.get('h1').attributes('data-outcome')).toBe(outcome);
    expect(wrapper.text()).toContain('Outlook Mail connection');
    expect(wrapper.findAll('ol li').map((li) => li.text())).toEqual(explanation.nextSteps);
  });

  it('for approval required, repeats the admin steps and link, with Microsoft’s code', async () => {
    api.on('GET /individual-connections', {
      body: {
        items: [
          {
            id: '7d1c2f8e-5a43-4c2e-9e4b-0d7c5a1b2c3d',
            roxUserId: 'u-alex',
            provider: 'microsoft',
            kind: 'calendar',
            level: 'read_write',
            status: 'needs_admin_approval',
            statusReason: 'An admin must approve.',
            microsoftAccount: null,
            expectedEmail: 'alex.wilber@contoso.com',
            tenantId: null,
            scopes: [],
            connectedAt: null,
            approval: APPROVAL,
            createdAt: '2026-11-28T09:00:00.000Z',
            updatedAt: '2026-11-28T09:00:00.000Z',
          },
        ],
      },
    });
    const wrapper = await renderAt(
      '?outcome=approval_required&kind=calendar&code=AADSTS90095&ref=req-1',
    );
    await vi.waitFor(() =>
      expect(wrapper.find('[data-testid="result-admin-steps"]').exists()).toBe(true),
    );
    expect(wrapper.text()).toContain(APPROVAL.adminConsentUrl);
    expect(wrapper.get('[data-testid="support-details"]').text()).toContain('AADSTS90095');
    expect(wrapper.get('[data-testid="support-details"]').text()).toContain('req-1');
  });

  it('for a connected member’s upgrade waiting for approval, says the connection keeps running', async () => {
    api.on('GET /individual-connections', {
      body: {
        items: [
          buildIndividualConnection('7d1c2f8e-5a43-4c2e-9e4b-0d7c5a1b2c3d', {
            level: 'read',
            pendingLevel: 'read_write',
            approval: APPROVAL,
          }),
        ],
      },
    });
    const wrapper = await renderAt(
      '?outcome=approval_required&kind=calendar&code=AADSTS90095&upgrade=1',
    );
    // Told by the API's redirect, before the connections have loaded.
    expect(wrapper.get('h1').text()).toBe(UPGRADE_AWAITS_APPROVAL.title);
    expect(wrapper.get('h1').attributes('data-outcome')).toBe('approval_required');
    expect(wrapper.text()).toContain('keeps running');
    // The next steps first, then the admin's (the tile's steps and link).
    expect(
      wrapper
        .findAll('ol li')
        .map((li) => li.text())
        .slice(0, 3),
    ).toEqual(UPGRADE_AWAITS_APPROVAL.nextSteps);
    await vi.waitFor(() =>
      expect(wrapper.find('[data-testid="result-admin-steps"]').exists()).toBe(true),
    );
  });

  it('shows a safe page for an unknown outcome and drops a hostile reference', async () => {
    api.on('GET /individual-connections', { body: { items: [] } });
    const wrapper = await renderAt('?outcome=%3Cscript%3E&ref=%3Cb%3E');
    expect(wrapper.get('h1').attributes('data-outcome')).toBe('unknown');
    expect(wrapper.text()).not.toContain('<b>');
  });
});
