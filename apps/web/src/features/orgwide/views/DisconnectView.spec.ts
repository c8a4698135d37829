import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { buildStatus } from '../../../test/factories';
import { mountInApp } from '../../../test/mount';
import { freshPinia } from '../../../test/pinia';
import { suiteLocalApi } from '../../../test/suite';
import { useOrgwideStore } from '../orgwide.store';
import DisconnectView from './DisconnectView.vue';

const TENANT_ID = '6babcaad-604b-40ac-a9d7-9fd97c0b779f';

async function mountView() {
  const pinia = freshPinia();
  useOrgwideStore().status = buildStatus({ tenantId: TENANT_ID });
  return mountInApp(DisconnectView, pinia);
}

describe('disconnect', () => {
  const api = suiteLocalApi();
  beforeEach(() => {
    api.on('GET /orgwide/settings', {
      body: {
        calendarAccess: 'read',
        emailAccess: 'off',
        restrictedDomains: [],
        restrictedUsers: [],
        extraMailFolders: [],
        tenant: 'contoso.onmicrosoft.com',
        tenantId: TENANT_ID,
        overrides: [],
        updatedAt: null,
      },
    });
    api.on('GET /orgwide/status', { body: buildStatus({ state: 'disconnected', tenantId: null }) });
    api.on('DELETE /orgwide/connection', {
      body: {
        disconnectedAt: '2026-11-22T04:00:00.000Z',
        tenantId: TENANT_ID,
        removed: {
          directory_user: 26,
          calendar_event: 42,
          calendar_event_link: 60,
          mail_message: 1,
          orgwide_connection: 1,
        },
        totalRemoved: 130,
        entraSteps: ['Open Enterprise applications.', 'Delete Rox 365 Integration.'],
      },
    });
  });
  afterEach(() => {
    document.body.innerHTML = '';
  });

  it('lists what will be purged and stays locked until the confirmation is typed', async () => {
    const wrapper = await mountView();
    const button = wrapper.get('button[type="submit"]');
    expect(wrapper.text()).toContain('permanently removes');
    // Calendar and mail sync run, so their synced data is named.
    expect(wrapper.get('[data-testid="disconnect-removes"]').text()).toContain(
      'calendar events and email messages synced for your members',
    );
    expect(button.attributes('disabled')).toBeDefined();

    await wrapper.get('#confirm-disconnect').setValue('disconnect');
    expect(button.attributes('disabled')).toBeDefined();
    // It says why the button stays locked.
    expect(wrapper.get('#confirm-disconnect-hint').text()).toContain('“disconnect” does not match');
    await wrapper.get('#confirm-disconnect').setValue('DISCONNECT');
    expect(button.attributes('disabled')).toBeUndefined();
    expect(wrapper.find('#confirm-disconnect-hint').exists()).toBe(false);
  });

  it('accepts the tenant domain as entered in the settings', async () => {
    const wrapper = await mountView();
    await vi.waitFor(() =>
      expect(wrapper.get('label[for="confirm-disconnect"]').text()).toContain(
        'contoso.onmicrosoft.com',
      ),
    );
    await wrapper.get('#confirm-disconnect').setValue('Contoso.onmicrosoft.com');
    expect(wrapper.get('button[type="submit"]').attributes('disabled')).toBeUndefined();
  });

  it('ends on the purge receipt', async () => {
    const wrapper = await mountView();
    await wrapper.get('#confirm-disconnect').setValue(TENANT_ID);
    await wrapper.get('form').trigger('submit');

    await vi.waitFor(() =>
      expect(wrapper.find('[data-testid="purge-receipt"]').exists()).toBe(true),
    );
    const receipt = wrapper.get('[data-testid="purge-receipt"]');
    // The synced events and messages first, in words, then every table in words.
    expect(receipt.get('[data-testid="purge-summary"]').text()).toContain(
      'Removed 42 calendar events and 1 email message synced for your members',
    );
    expect(receipt.text()).toContain('Microsoft 365 users');
    expect(receipt.text()).toContain('Calendar event copies in mailboxes');
    expect(receipt.text()).not.toContain('calendar_event');
    expect(receipt.text()).toContain('130');
    // A copy to keep: the receipt itself, as JSON.
    const download = receipt.get('[data-testid="purge-receipt-keep"] a');
    expect(download.attributes('download')).toMatch(/^rox-purge-receipt-\d{4}-\d{2}-\d{2}\.json$/);
    const href = download.attributes('href') ?? '';
    const kept = JSON.parse(decodeURIComponent(href.slice(href.indexOf(',') + 1))) as {
      totalRemoved: number;
      removed: Record<string, number>;
    };
    expect(kept.totalRemoved).toBe(130);
    expect(kept.removed.calendar_event).toBe(42);
    expect(receipt.findAll('ol li').map((li) => li.text())).toEqual([
      'Open Enterprise applications.',
      'Delete Rox 365 Integration.',
    ]);
    expect(
      api.requests.some((r) => r.method === 'DELETE' && r.path === '/orgwide/connection'),
    ).toBe(true);
  });
});
