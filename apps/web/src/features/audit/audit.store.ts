import { defineStore } from 'pinia';
import { computed, ref } from 'vue';

import { ListAuditQuerySchema, type ListAuditQuery } from '@rox365/contracts';

import { usePagedList } from '../../shared/usePagedList';
import { STORE_IDS } from '../../store-registry';
import { actionFilterError } from './audit-actions';
import { listAuditEntries } from './audit.api';

export interface AuditFilters {
  action: string;
  actorId: string;
  /** yyyy-mm-dd from a date input, inclusive. */
  fromDate: string;
  toDate: string;
}

/** The filter fields a message can belong to (the query's names). */
export type AuditFilterField = 'action' | 'actorId' | 'from' | 'to';
const FILTER_FIELDS: readonly string[] = ['action', 'actorId', 'from', 'to'];

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
  // Pages after the first use the filters the first page was loaded with, not the form's
  // current (maybe unapplied) values: a cursor only means something for its own query.
  let applied: Partial<ListAuditQuery> = {};
  const list = usePagedList((cursor?: string) => listAuditEntries({ ...applied, cursor }));
  const { items, nextCursor, isLoading, isLoadingMore, error, loadMore } = list;

  // A 400 the API gave for a filter, kept for the query it refused: editing the filters hides it.
  const refused = ref<{ query: string; errors: Partial<Record<AuditFilterField, string>> } | null>(
    null,
  );

  /** The message for each filter field: our own check first, then the contract's, then the API's. */
  const filterErrors = computed<Partial<Record<AuditFilterField, string>>>(() => {
    const query = toQuery(filters.value);
    const errors: Partial<Record<AuditFilterField, string>> = {};
    const action = actionFilterError(filters.value.action);
    if (action) errors.action = action;
    // Same schema as the API's query validation.
    const result = ListAuditQuerySchema.safeParse(query);
    for (const issue of result.success ? [] : result.error.issues) {
      const field = String(issue.path[0]);
      if (FILTER_FIELDS.includes(field)) errors[field as AuditFilterField] ??= issue.message;
    }
    if (refused.value?.query === JSON.stringify(query)) {
      for (const [field, message] of Object.entries(refused.value.errors)) {
        errors[field as AuditFilterField] ??= message;
      }
    }
    return errors;
  });

  /** The first filter problem, if any: while there is one, nothing is loaded. */
  const filterError = computed(() => Object.values(filterErrors.value).find(Boolean));

  async function load(): Promise<void> {
    if (filterError.value) return;
    const query = toQuery(filters.value);
    const previous = applied;
    applied = query;
    refused.value = null;
    await list.load();
    // A filter the API refused belongs next to its field; the entries already shown stay, and
    // so does their query for "Load older entries".
    const fieldErrors = error.value?.status === 400 ? error.value.fieldErrors : [];
    const errors: Partial<Record<AuditFilterField, string>> = {};
    for (const e of fieldErrors) {
      if (FILTER_FIELDS.includes(e.path)) {
        errors[e.path as AuditFilterField] ??= `Not accepted by the server: ${e.message}`;
      }
    }
    if (Object.keys(errors).length > 0) {
      refused.value = { query: JSON.stringify(query), errors };
      error.value = null;
      applied = previous;
    }
  }

  function clearFilters(): Promise<void> {
    filters.value = { ...EMPTY_FILTERS };
    return load();
  }

  function $reset(): void {
    filters.value = { ...EMPTY_FILTERS };
    applied = {};
    refused.value = null;
    list.reset();
  }

  return {
    filters,
    items,
    nextCursor,
    isLoading,
    isLoadingMore,
    error,
    filterErrors,
    filterError,
    load,
    loadMore,
    clearFilters,
    $reset,
  };
});
