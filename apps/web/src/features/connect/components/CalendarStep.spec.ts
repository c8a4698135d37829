import { mount } from '@vue/test-utils';
import { describe, expect, it } from 'vitest';
import { nextTick } from 'vue';

import { storeSuite } from '../../../test/suite';
import { useConnectStore } from '../connect.store';
import CalendarStep from './CalendarStep.vue';

describe('calendar step: deleting meetings with attendees (CAL-W7)', () => {
  storeSuite();

  const deletesGroup = (wrapper: ReturnType<typeof mount>) =>
    wrapper.findAll('fieldset').find((f) => f.text().includes('Deleting meetings with attendees'));

  it('is offered only with two-way sync, defaults to asking the person, and saves the choice', async () => {
    const store = useConnectStore();
    store.calendarAccess = 'read';
    const wrapper = mount(CalendarStep);
    expect(deletesGroup(wrapper)).toBeUndefined();

    store.calendarAccess = 'read_write';
    await nextTick();
    const group = deletesGroup(wrapper);
    expect(group?.text()).toContain('Only when the person confirms');
    expect(group?.text()).toContain('Rox never cancels a meeting that has attendees');
    const radios = group?.findAll('input[type="radio"]') ?? [];
    expect(radios.map((r) => (r.element as HTMLInputElement).value)).toEqual(['confirm', 'never']);
    expect((radios[0]?.element as HTMLInputElement).checked).toBe(true);
    expect(store.request.calendarMeetingDeletes).toBe('confirm');

    await radios[1]?.setValue(true);
    expect(store.request.calendarMeetingDeletes).toBe('never');
  });
});
