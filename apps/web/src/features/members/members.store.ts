import { defineStore } from 'pinia';
import { ref } from 'vue';

import {
  type CalendarAccessLevel,
  type EmailAccessLevel,
  type ListMemberSyncStatusQuery,
  type MemberSyncStatus,
} from '@rox365/contracts';

import { toApiError, type ApiError } from '../../api/http';
import { usePagedList } from '../../shared/usePagedList';
import { STORE_IDS } from '../../store-registry';
import {
  deleteMemberOverride,
  getMySyncStatus,
  listMemberSyncStatus,
  putMemberOverride,
} from './members.api';

export type MemberFilter = ListMemberSyncStatusQuery['filter'];

export const useMembersStore = defineStore(STORE_IDS.members, () => {
  const query = ref('');
  const filter = ref<MemberFilter>('all');
  const { items, nextCursor, isLoading, isLoadingMore, error, load, loadMore, reset } =
    usePagedList((cursor?: string) =>
      listMemberSyncStatus({ q: query.value || undefined, filter: filter.value, cursor }),
    );

  const me = ref<MemberSyncStatus | null>(null);
  const isLoadingMe = ref(false);
  const meError = ref<ApiError | null>(null);

  const savingOverrideFor = ref<string | null>(null);
  const overrideErrors = ref<Record<string, ApiError>>({});
  const overrideMessage = ref('');

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
    reset();
    query.value = '';
    filter.value = 'all';
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
