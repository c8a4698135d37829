import { defineStore } from 'pinia';
import { computed, ref } from 'vue';

import { ListAuditQuerySchema, type ListAuditQuery } from '@rox365/contracts';

import { usePagedList } from '../../shared/usePagedList';
import { STORE_IDS } from '../../store-registry';
import { listAuditEntries } from './audit.api';

export interface AuditFilters {
  action: string;
  actorId: string;
  /** yyyy-mm-dd from a date input, inclusive. */
  fromDate: string;
  toDate: string;
}

const EMPTY_FILTERS: AuditFilters = { action: '', actorId: '', fromDate: '', toDate: '' };

function toQuery(filters: AuditFilters): Partial<ListAuditQuery> {
  return {
    action: filters.action.trim() || undefined,
    actorId: filters.actorId.trim() || undefined,
    from: filters.fromDate ? `${filters.fromDate}T00:00:00.000Z` : undefined,
    to: filters.toDate ? `${filters.toDate}T23:59:59.999Z` : undefined,
  };
}

export const useAuditStore = defineStore(STORE_IDS.audit, () => {
  const filters = ref<AuditFilters>({ ...EMPTY_FILTERS });
  const list = usePagedList((cursor?: string) =>
    listAuditEntries({ ...toQuery(filters.value), cursor }),
  );
  const { items, nextCursor, isLoading, isLoadingMore, error, loadMore } = list;

  // Same schema as the API's query validation.
  const filterError = computed(() => {
    const result = ListAuditQuerySchema.safeParse(toQuery(filters.value));
    return result.success ? undefined : result.error.issues[0]?.message;
  });

  async function load(): Promise<void> {
    if (filterError.value) return;
    await list.load();
  }

  function clearFilters(): Promise<void> {
    filters.value = { ...EMPTY_FILTERS };
    return load();
  }

  function $reset(): void {
    filters.value = { ...EMPTY_FILTERS };
    list.reset();
  }

  return {
    filters,
    items,
    nextCursor,
    isLoading,
    isLoadingMore,
    error,
    filterError,
    load,
    loadMore,
    clearFilters,
    $reset,
  };
});
