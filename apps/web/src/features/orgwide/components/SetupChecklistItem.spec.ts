import { mount } from '@vue/test-utils';
import { describe, expect, it } from 'vitest';

import SetupChecklistItem from './SetupChecklistItem.vue';

const item = (isDone: boolean) => ({
  id: 'revoke_excess' as const,
  isDone,
  isDetected: true,
  isOptional: false,
});

describe('setup checklist item', () => {
  const mountItem = (isDone: boolean, doneText?: string) =>
    mount(SetupChecklistItem, {
      props: { item: item(isDone), position: 2, title: 'Revoke', doneText },
      slots: { default: '<p class="how">Do this in Entra.</p>' },
    });

  it('a step to do: its number, its title, the instructions from the slot', () => {
    const wrapper = mountItem(false, 'Done: nothing left.');
    expect(wrapper.get('li').attributes('data-item')).toBe('revoke_excess');
    expect(wrapper.get('li').attributes('data-done')).toBe('false');
    expect(wrapper.get('.checklist-item__mark').text()).toBe('2');
    expect(wrapper.text()).toContain('Revoke (to do)');
    expect(wrapper.find('.how').exists()).toBe(true);
  });

  it('a done step: a tick and the done text instead of the instructions', () => {
    const wrapper = mountItem(true, 'Done: nothing left.');
    expect(wrapper.get('li').attributes('data-done')).toBe('true');
    expect(wrapper.get('.checklist-item__mark').text()).toBe('✓');
    expect(wrapper.text()).toContain('(done)');
    expect(wrapper.text()).toContain('Done: nothing left.');
    expect(wrapper.find('.how').exists()).toBe(false);
  });

  it('a done step without a done text keeps its slot (the admin’s own tick)', () => {
    expect(mountItem(true).find('.how').exists()).toBe(true);
  });
});
