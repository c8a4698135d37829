import { defineStore } from 'pinia';
import { ref } from 'vue';

import { type CalendarChannelStatus, type MyCalendarSync } from '@rox365/contracts';

import { toApiError, type ApiError } from '../../api/http';
import { STORE_IDS } from '../../store-registry';
import { getMemberCalendarChannel, getMyCalendarSync } from './calendar.api';

/** Calendar sync state: the member's own channel and recent events, members' for the admin. */
export const useCalendarStore = defineStore(STORE_IDS.calendar, () => {
  const me = ref<MyCalendarSync | null>(null);
  const isLoadingMe = ref(false);
  const meError = ref<ApiError | null>(null);
  const byMember = ref<Record<string, CalendarChannelStatus>>({});
  const errors = ref<Record<string, ApiError>>({});
  const loading = ref<Record<string, boolean>>({});

  async function loadMe(): Promise<void> {
    isLoadingMe.value = true;
    meError.value = null;
    try {
      me.value = await getMyCalendarSync();
    } catch (e) {
      meError.value = toApiError(e);
    } finally {
      isLoadingMe.value = false;
    }
  }

  // Several members' details can be open and loading at once: state is kept per member.
  async function loadMember(roxUserId: string): Promise<void> {
    loading.value = { ...loading.value, [roxUserId]: true };
    const { [roxUserId]: _previous, ...rest } = errors.value;
    errors.value = rest;
    try {
      byMember.value = {
        ...byMember.value,
        [roxUserId]: await getMemberCalendarChannel(roxUserId),
      };
    } catch (e) {
      errors.value = { ...errors.value, [roxUserId]: toApiError(e) };
    } finally {
      const { [roxUserId]: _done, ...still } = loading.value;
      loading.value = still;
    }
  }

  function $reset(): void {
    me.value = null;
    isLoadingMe.value = false;
    meError.value = null;
    byMember.value = {};
    errors.value = {};
    loading.value = {};
  }

  return { me, isLoadingMe, meError, byMember, errors, loading, loadMe, loadMember, $reset };
});
