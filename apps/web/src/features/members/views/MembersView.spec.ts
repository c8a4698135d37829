import { afterEach, describe, expect, it, vi } from 'vitest';

import { twoPagesAndMegansSave } from '../../../test/member-pages';
import { mountInApp } from '../../../test/mount';
import { freshPinia } from '../../../test/pinia';
import { suiteLocalApi } from '../../../test/suite';
import MembersView from './MembersView.vue';

describe('members view', () => {
  const api = suiteLocalApi();
  afterEach(() => {
    document.body.innerHTML = '';
  });

  it('saving one member keeps the rows from "Load more" and the choices not saved in others', async () => {
    const { megan, joni } = twoPagesAndMegansSave(api);
    const wrapper = await mountInApp(MembersView, freshPinia());
    await vi.waitFor(() => expect(wrapper.findAll('tbody tr')).toHaveLength(1));
    const loadMore = wrapper.findAll('button').find((b) => b.text() === 'Load more');
    await loadMore?.trigger('click');
    await vi.waitFor(() => expect(wrapper.findAll('tbody tr')).toHaveLength(2));

    // Joni's email level is chosen but not saved; then Megan's calendar is saved.
    await wrapper.get('#override-u_joni-email').setValue('metadata');
    await wrapper.get('#override-u_megan-calendar').setValue('off');
    await wrapper.get('[aria-label="Save access for Megan Bowen"]').trigger('click');
    await vi.waitFor(() => expect(wrapper.text()).toContain('Saved the access for Megan Bowen.'));
    await vi.waitFor(() =>
      expect(
        wrapper.get('[aria-label="Save access for Megan Bowen"]').attributes('aria-busy'),
      ).toBeUndefined(),
    );

    expect(wrapper.findAll('tbody tr').map((r) => r.attributes('data-member'))).toEqual([
      megan.email,
      joni.email,
    ]);
    expect((wrapper.get('#override-u_joni-email').element as HTMLSelectElement).value).toBe(
      'metadata',
    );
    expect(
      wrapper.get('[aria-label="Save access for Joni Sherman"]').attributes('disabled'),
    ).toBeUndefined();
    expect((wrapper.get('#override-u_megan-calendar').element as HTMLSelectElement).value).toBe(
      'off',
    );
    expect(
      wrapper.get('[aria-label="Save access for Megan Bowen"]').attributes('disabled'),
    ).toBeDefined();
  });
});
