import { ref, type Ref } from 'vue';

import { toApiError, type ApiError } from '../api/http';

export interface CursorPage<T> {
  items: T[];
  nextCursor: string | null;
}

/**
 * Cursor paging for a setup store: `load` replaces the list with the first page, `loadMore`
 * appends the next one. `fetchPage` builds the request from the store's current filters; it is
 * given a cursor only for the pages after the first.
 */
export function usePagedList<T>(fetchPage: (cursor?: string) => Promise<CursorPage<T>>) {
  // Cast: a generic ref would otherwise be typed as UnwrapRef<T>[].
  const items = ref([]) as Ref<T[]>;
  const nextCursor = ref<string | null>(null);
  const isLoading = ref(false);
  const isLoadingMore = ref(false);
  const error = ref<ApiError | null>(null);

  async function load(): Promise<void> {
    isLoading.value = true;
    error.value = null;
    try {
      const page = await fetchPage();
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
      const page = await fetchPage(nextCursor.value);
      items.value = [...items.value, ...page.items];
      nextCursor.value = page.nextCursor;
    } catch (e) {
      error.value = toApiError(e);
    } finally {
      isLoadingMore.value = false;
    }
  }

  function reset(): void {
    items.value = [];
    nextCursor.value = null;
    isLoading.value = false;
    isLoadingMore.value = false;
    error.value = null;
  }

  return { items, nextCursor, isLoading, isLoadingMore, error, load, loadMore, reset };
}
