import { flushPromises, mount } from '@vue/test-utils';
import { describe, expect, it } from 'vitest';
import { createMemoryHistory, createRouter } from 'vue-router';

import { ConsentOutcomeSchema } from '@rox365/contracts';

import { CONSENT_OUTCOMES } from '../consent-outcomes';
import ConsentResultView from './ConsentResultView.vue';

async function renderAt(query: string) {
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/integrations/microsoft/result', component: ConsentResultView },
      { path: '/:rest(.*)*', component: { template: '<div />' } },
    ],
  });
  await router.push(`/integrations/microsoft/result${query}`);
  const wrapper = mount(ConsentResultView, { global: { plugins: [router] } });
  await flushPromises();
  return wrapper;
}

describe('consent result page', () => {
  it.each(ConsentOutcomeSchema.options)(
    'explains the %s outcome with a reason and next steps',
    async (outcome) => {
      const wrapper = await renderAt(`?outcome=${outcome}`);
      const explanation = CONSENT_OUTCOMES[outcome];

      expect(wrapper.get('h1').text()).toBe(explanation.title);
      expect(wrapper.get('h1').attributes('data-outcome')).toBe(outcome);
      expect(wrapper.text()).toContain(explanation.reason);
      const steps = wrapper.findAll('.next-steps li').map((li) => li.text());
      expect(steps).toEqual(explanation.nextSteps);
      expect(steps.length).toBeGreaterThan(0);
      const alert = wrapper.get(`.ui-alert--${explanation.tone}`);
      expect(alert.attributes('role')).toBe(explanation.tone === 'danger' ? 'alert' : 'status');
      expect(wrapper.get('a.button-link--primary').attributes('href')).toBe(
        explanation.primaryAction.to,
      );
    },
  );

  it('sends success to the console and failures back to the wizard', () => {
    expect(CONSENT_OUTCOMES.connected.primaryAction.to).toBe('/console');
    expect(CONSENT_OUTCOMES.cancelled.primaryAction.to).toBe('/integrations/microsoft/connect');
    expect(CONSENT_OUTCOMES.tenant_mismatch.nextSteps.join(' ')).toMatch(/tenant ID or domain/);
  });

  it('handles a missing or unknown outcome without guessing', async () => {
    const wrapper = await renderAt('?outcome=%3Cscript%3E');
    expect(wrapper.get('h1').text()).toBe('The connection result is unknown');
    expect(wrapper.get('h1').attributes('data-outcome')).toBe('unknown');
    expect(wrapper.html()).not.toContain('<script>');
  });

  it('shows the Microsoft code and request id to give support on an error', async () => {
    const wrapper = await renderAt('?outcome=microsoft_error&ref=req-123&code=AADSTS50020');
    const support = wrapper.get('[data-testid="support-details"]');
    expect(support.text()).toContain('AADSTS50020');
    expect(support.text()).toContain('req-123');
  });

  it('shows no support details on success, and none that are not plain values', async () => {
    expect(
      (await renderAt('?outcome=connected&ref=req-1'))
        .find('[data-testid="support-details"]')
        .exists(),
    ).toBe(false);
    expect(
      (await renderAt('?outcome=denied&code=<script>'))
        .find('[data-testid="support-details"]')
        .exists(),
    ).toBe(false);
  });
});
