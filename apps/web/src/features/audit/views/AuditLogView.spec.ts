import { afterEach, describe, expect, it, vi } from 'vitest';

import { buildMember } from '../../../test/factories';
import { problem } from '../../../test/local-api';
import { mountInApp } from '../../../test/mount';
import { freshPinia } from '../../../test/pinia';
import { suiteLocalApi } from '../../../test/suite';
import AuditLogView from './AuditLogView.vue';

function entry(id: string, action: string, details: Record<string, unknown> = {}) {
  return {
    id,
    action,
    actor: { id: 'system', role: 'system' },
    target: { type: 'org', id: 'org_demo' },
    details,
    requestId: null,
    createdAt: '2026-11-22T03:00:00.000Z',
  };
}

describe('audit log view', () => {
  const api = suiteLocalApi();
  afterEach(() => {
    document.body.innerHTML = '';
  });

  it('names each action with its code under it, and details in words', async () => {
    api.on('GET /audit', {
      body: {
        items: [
          entry('e1', 'calendar.restricted_purged', { calendar_event: 2 }),
          entry('e2', 'billing.invoice_paid'),
        ],
        nextCursor: null,
      },
    });
    const wrapper = await mountInApp(AuditLogView, freshPinia());
    await vi.waitFor(() => expect(wrapper.findAll('[data-testid="audit-action"]')).toHaveLength(2));

    const [known, unknown] = wrapper.findAll('[data-testid="audit-action"]');
    expect(known?.text()).toContain('Meetings with restricted people removed');
    expect(known?.get('[data-testid="audit-action-code"]').text()).toBe(
      'calendar.restricted_purged',
    );
    // An unknown code is all there is: shown once, as the code.
    expect(unknown?.text()).toBe('billing.invoice_paid');
    expect(wrapper.get('.details dt').text()).toBe('Calendar events removed');
    expect(wrapper.get('.details dd').text()).toBe('2');
  });

  it('says under the field why an action filter cannot match, and what the API refused', async () => {
    api.on('GET /audit', (req) =>
      req.query.get('action') === 'orgwide.refused'
        ? problem(400, 'VALIDATION_FAILED', 'query.action: Too long', [
            { path: 'query.action', message: 'Too long' },
          ])
        : { body: { items: [entry('e1', 'orgwide.disconnected')], nextCursor: null } },
    );
    const wrapper = await mountInApp(AuditLogView, freshPinia());
    const input = wrapper.get('#audit-action');

    // Half-typed is not yet a mistake; leaving the field is.
    await input.setValue('Orgwide');
    expect(wrapper.find('#audit-action-error').exists()).toBe(false);
    await input.trigger('blur');
    expect(wrapper.get('#audit-action-error').text()).toBe(
      'Action codes are lower case: try orgwide.',
    );
    expect(input.attributes('aria-invalid')).toBe('true');
    expect(input.attributes('aria-describedby')).toContain('audit-action-error');

    await input.setValue('orgwide.refused');
    expect(wrapper.find('#audit-action-error').exists()).toBe(false);
    await wrapper.get('form').trigger('submit');
    await vi.waitFor(() =>
      expect(wrapper.get('#audit-action-error').text()).toBe(
        'Not accepted by the server: Too long',
      ),
    );
    // The rest of the page keeps working: the entries stay, no error replaces them.
    expect(wrapper.findAll('[data-testid="audit-action"]')).toHaveLength(1);
  });

  it('says a failed person search failed, rather than that nobody matches', async () => {
    api.on('GET /audit', {
      body: { items: [entry('e1', 'orgwide.disconnected')], nextCursor: null },
    });
    api.on('GET /members', (req) =>
      req.query.get('q') === 'Isaiah'
        ? problem(503, 'SERVICE_UNAVAILABLE', 'The member directory is not answering.')
        : {
            body: {
              items: [buildMember()],
              nextCursor: null,
            },
          },
    );
    const wrapper = await mountInApp(AuditLogView, freshPinia());
    const input = wrapper.get('#audit-actor');

    await input.setValue('Isaiah');
    await input.trigger('input');
    await vi.waitFor(() =>
      expect(wrapper.get('#audit-actor-options [role="alert"]').text()).toBe(
        'Could not search members: The member directory is not answering.',
      ),
    );
    expect(wrapper.get('#audit-actor-options').text()).not.toContain('No member matches');
    // Rox's own jobs can still be chosen.
    expect(wrapper.get('#audit-actor-options').text()).toContain('Rox (background jobs)');

    // The next search that works replaces the error.
    await input.setValue('Isa');
    await input.trigger('input');
    await vi.waitFor(() =>
      expect(wrapper.get('#audit-actor-options').text()).toContain('Isaiah Langer'),
    );
    expect(wrapper.find('#audit-actor-options [role="alert"]').exists()).toBe(false);
  });
});
