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
    expect(field.text()).toContain(
      'Unticking or removing a folder removes the mail Rox stored from it.',
    );
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

  it("adds a member's own folder by its path, tidied, and removes it", async () => {
    const store = useConnectStore();
    store.emailAccess = 'metadata';
    store.extraMailFolders = ['archive'];
    const wrapper = mount(EmailStep);
    const input = wrapper.get('#extra-mail-folder-path');
    await input.setValue(' Inbox / Customers ');
    await wrapper.get('.folders__add button').trigger('click');
    expect(store.request.extraMailFolders).toEqual(['archive', 'Inbox/Customers']);
    expect(wrapper.findAll('[data-folder-path]').map((p) => p.text())).toEqual(['Inbox/Customers']);
    expect((input.element as HTMLInputElement).value).toBe('');
    // Typing a well-known folder's name ticks it.
    await input.setValue('Junk Email');
    await input.trigger('keydown', { key: 'Enter' });
    expect(store.request.extraMailFolders).toEqual(['archive', 'Inbox/Customers', 'junkemail']);
    expect(wrapper.get('input[value="junkemail"]').element).toHaveProperty('checked', true);

    await wrapper.get('.folders__path button').trigger('click');
    expect(store.request.extraMailFolders).toEqual(['archive', 'junkemail']);
    expect(wrapper.find('[data-folder-path]').exists()).toBe(false);
  });

  it('says why a typed path is refused, and keeps it out of the settings', async () => {
    const store = useConnectStore();
    store.emailAccess = 'metadata';
    store.extraMailFolders = ['Inbox/Customers'];
    const wrapper = mount(EmailStep);
    const input = wrapper.get('#extra-mail-folder-path');
    const add = () => wrapper.get('.folders__add button').trigger('click');
    const error = () => wrapper.get('#extra-mail-folder-path-error').text();
    await input.setValue('Inbox//Customers');
    await add();
    expect(error()).toMatch(/is not a folder path: separate folder names with "\/"/);
    expect(input.attributes('aria-invalid')).toBe('true');
    await input.setValue('inbox/CUSTOMERS');
    await add();
    expect(error()).toBe('"inbox/CUSTOMERS" is listed already');
    await input.setValue('Inbox');
    await add();
    expect(error()).toMatch(/always synced/);
    expect(store.request.extraMailFolders).toEqual(['Inbox/Customers']);
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
