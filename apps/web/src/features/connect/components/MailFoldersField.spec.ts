import { mount } from '@vue/test-utils';
import { describe, expect, it } from 'vitest';
import { nextTick } from 'vue';

import { problem } from '../../../test/local-api';
import { storeSuite } from '../../../test/suite';
import { useConnectStore } from '../connect.store';
import EmailStep from './EmailStep.vue';

describe('extra mail folders (wizard email step and console settings)', () => {
  const api = storeSuite();

  it('explains the choice and puts the ticked folders in the saved settings', async () => {
    const store = useConnectStore();
    store.emailAccess = 'metadata';
    const wrapper = mount(EmailStep);
    const field = wrapper.get('fieldset.folders');
    expect(field.get('legend').text()).toBe('Also sync these folders (optional)');
    expect(field.text()).toContain('Inbox and Sent Items are always synced.');
    expect(field.text()).toContain('Unticking a folder removes the mail Rox stored from it.');
    const boxes = field.findAll('input[type="checkbox"]');
    expect(boxes.map((b) => b.element.parentElement?.textContent?.trim())).toEqual([
      'Archive',
      'Deleted Items',
      'Junk Email',
    ]);
    expect(store.request.extraMailFolders).toEqual([]);

    await boxes[0]?.setValue(true);
    expect(store.request.extraMailFolders).toEqual(['archive']);
    expect(store.fieldErrors('extraMailFolders')).toEqual([]);
  });

  it('is not offered while email access is off', async () => {
    const store = useConnectStore();
    store.emailAccess = 'off';
    const wrapper = mount(EmailStep);
    expect(wrapper.find('fieldset.folders').exists()).toBe(false);
    store.emailAccess = 'read';
    await nextTick();
    expect(wrapper.find('fieldset.folders').exists()).toBe(true);
  });

  it('shows a refusal from the API under the field', async () => {
    api.on(
      'PUT /orgwide/settings',
      problem(400, 'VALIDATION_FAILED', 'Invalid settings', [
        {
          path: 'body.extraMailFolders.0',
          message: 'Invalid option: expected one of "archive"|"deleteditems"|"junkemail"',
        },
      ]),
    );
    const store = useConnectStore();
    store.emailAccess = 'metadata';
    store.tenant = 'contoso.onmicrosoft.com';
    store.extraMailFolders = ['archive'];
    expect(await store.save()).toBeNull();
    const wrapper = mount(EmailStep);
    expect(wrapper.get('input[value="archive"]').attributes('aria-invalid')).toBe('true');
    expect(wrapper.get('.folders__error').text()).toMatch(/expected one of/);
  });
});
