import { defineStore } from 'pinia';
import { ref } from 'vue';

import {
  type CalendarAccessLevel,
  type EmailAccessLevel,
  type ListMemberSyncStatusQuery,
  type MemberSyncStatus,
} from '@rox365/contracts';

import { toApiError, type ApiError } from '../../api/http';
import { STORE_IDS } from '../../store-registry';
import {
  deleteMemberOverride,
  getMySyncStatus,
  listMemberSyncStatus,
  putMemberOverride,
} from './members.api';

export type MemberFilter = ListMemberSyncStatusQuery['filter'];

export const useMembersStore = defineStore(STORE_IDS.members, () => {
  const items = ref<MemberSyncStatus[]>([]);
  const nextCursor = ref<string | null>(null);
  const query = ref('');
  const filter = ref<MemberFilter>('all');
  const isLoading = ref(false);
  const isLoadingMore = ref(false);
  const error = ref<ApiError | null>(null);

  const me = ref<MemberSyncStatus | null>(null);
  const isLoadingMe = ref(false);
  const meError = ref<ApiError | null>(null);

  const savingOverrideFor = ref<string | null>(null);
  const overrideErrors = ref<Record<string, ApiError>>({});
  const overrideMessage = ref('');

  async function load(): Promise<void> {
    isLoading.value = true;
    error.value = null;
    try {
      const page = await listMemberSyncStatus({
        q: query.value || undefined,
        filter: filter.value,
      });
      items.value = page.items;
      nextCursor.value = page.nextCursor;
    } catch (e) {
      error.value = toApiError(e);
    } finally {
      isLoading.value = false;
    }
  }

  async function loadMore(): Promise<void> {
    if (!nextCursor.value) return;
    isLoadingMore.value = true;
    error.value = null;
    try {
      const page = await listMemberSyncStatus({
        q: query.value || undefined,
        filter: filter.value,
        cursor: nextCursor.value,
      });
      items.value = [...items.value, ...page.items];
      nextCursor.value = page.nextCursor;
    } catch (e) {
      error.value = toApiError(e);
    } finally {
      isLoadingMore.value = false;
    }
  }

  async function loadMe(): Promise<void> {
    isLoadingMe.value = true;
    meError.value = null;
    try {
      me.value = await getMySyncStatus();
    } catch (e) {
      meError.value = toApiError(e);
    } finally {
      isLoadingMe.value = false;
    }
  }

  /** Sets a member's override; null for both levels removes it (back to the org default). */
  async function saveOverride(
    member: MemberSyncStatus,
    levels: { calendarAccess: CalendarAccessLevel | null; emailAccess: EmailAccessLevel | null },
  ): Promise<boolean> {
    savingOverrideFor.value = member.roxUserId;
    const { [member.roxUserId]: _previous, ...rest } = overrideErrors.value;
    overrideErrors.value = rest;
    overrideMessage.value = '';
    try {
      if (levels.calendarAccess === null && levels.emailAccess === null) {
        await deleteMemberOverride(member.roxUserId);
      } else {
        await putMemberOverride(member.roxUserId, levels);
      }
      overrideMessage.value = `Saved the access for ${member.displayName}.`;
      await load();
      return true;
    } catch (e) {
      overrideErrors.value = { ...overrideErrors.value, [member.roxUserId]: toApiError(e) };
      return false;
    } finally {
      savingOverrideFor.value = null;
    }
  }

  function $reset(): void {
    items.value = [];
    nextCursor.value = null;
    query.value = '';
    filter.value = 'all';
    isLoading.value = false;
    isLoadingMore.value = false;
    error.value = null;
    me.value = null;
    isLoadingMe.value = false;
    meError.value = null;
    savingOverrideFor.value = null;
    overrideErrors.value = {};
    overrideMessage.value = '';
  }

  return {
    items,
    nextCursor,
    query,
    filter,
    isLoading,
    isLoadingMore,
    error,
    me,
    isLoadingMe,
    meError,
    savingOverrideFor,
    overrideErrors,
    overrideMessage,
    load,
    loadMore,
    loadMe,
    saveOverride,
    $reset,
  };
});
