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

  // One entry per member whose save is in flight: saves of different rows overlap.
  const savingOverrides = ref<Set<string>>(new Set());
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

  function replaceRow(roxUserId: string, next: (row: MemberSyncStatus) => MemberSyncStatus): void {
    const index = items.value.findIndex((m) => m.roxUserId === roxUserId);
    if (index === -1) return;
    const copy = [...items.value];
    copy[index] = next(copy[index] as MemberSyncStatus);
    items.value = copy;
  }

  /**
   * Reads one member's row again (searched by their email) for the scope their new override
   * gives. The rest of the list stays as it is: reloading it would drop the pages loaded with
   * "Load more" and the edits not saved yet in other rows.
   */
  async function refreshRow(member: MemberSyncStatus): Promise<void> {
    try {
      // The search matches parts of emails too, so other members may come first: the largest
      // page, and the row picked by id.
      const page = await listMemberSyncStatus({ q: member.email, filter: 'all', limit: 200 });
      const fresh = page.items.find((m) => m.roxUserId === member.roxUserId);
      if (fresh) replaceRow(member.roxUserId, () => fresh);
    } catch {
      // The override is saved and shown; its scope columns catch up on the next load.
    }
  }

  /** Sets a member's override; null for both levels removes it (back to the org default). */
  async function saveOverride(
    member: MemberSyncStatus,
    levels: { calendarAccess: CalendarAccessLevel | null; emailAccess: EmailAccessLevel | null },
  ): Promise<boolean> {
    const id = member.roxUserId;
    savingOverrides.value = new Set([...savingOverrides.value, id]);
    const { [id]: _previous, ...rest } = overrideErrors.value;
    overrideErrors.value = rest;
    overrideMessage.value = '';
    try {
      let saved: MemberSyncStatus['override'] = { calendarAccess: null, emailAccess: null };
      if (levels.calendarAccess === null && levels.emailAccess === null) {
        await deleteMemberOverride(id);
      } else {
        const settings = await putMemberOverride(id, levels);
        const stored = settings.overrides.find((o) => o.roxUserId === id);
        saved = stored
          ? { calendarAccess: stored.calendarAccess, emailAccess: stored.emailAccess }
          : { ...levels };
      }
      replaceRow(id, (row) => ({ ...row, override: saved }));
      overrideMessage.value = `Saved the access for ${member.displayName}.`;
      await refreshRow(member);
      return true;
    } catch (e) {
      overrideErrors.value = { ...overrideErrors.value, [id]: toApiError(e) };
      return false;
    } finally {
      savingOverrides.value = new Set([...savingOverrides.value].filter((s) => s !== id));
    }
  }

  function $reset(): void {
    reset();
    query.value = '';
    filter.value = 'all';
    me.value = null;
    isLoadingMe.value = false;
    meError.value = null;
    savingOverrides.value = new Set();
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
    savingOverrides,
    overrideErrors,
    overrideMessage,
    load,
    loadMore,
    loadMe,
    saveOverride,
    $reset,
  };
});
