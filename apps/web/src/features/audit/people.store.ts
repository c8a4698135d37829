import { defineStore } from 'pinia';
import { ref } from 'vue';

import { type Member } from '@rox365/contracts';

import { toApiError, type ApiError } from '../../api/http';
import { STORE_IDS } from '../../store-registry';
import { getMember, searchMembers } from './people.api';

export interface Person {
  roxUserId: string;
  displayName: string;
  email: string;
}

/**
 * Rox members by id, for screens that would otherwise show ids (the audit log). Only the ids
 * on screen are looked up, one request each, and remembered; a removed member stays `null`.
 */
export const usePeopleStore = defineStore(STORE_IDS.people, () => {
  const byId = ref<Record<string, Person | null>>({});
  const results = ref<Person[]>([]);
  const isSearching = ref(false);
  const searchError = ref<ApiError | null>(null);
  const pending = new Set<string>();

  const toPerson = (m: Member): Person => ({
    roxUserId: m.roxUserId,
    displayName: m.displayName,
    email: m.email,
  });

  async function resolve(ids: Iterable<string>): Promise<void> {
    const unknown = [...new Set(ids)].filter(
      (id) => id !== 'system' && !(id in byId.value) && !pending.has(id),
    );
    await Promise.all(
      unknown.map(async (id) => {
        pending.add(id);
        try {
          const person = toPerson(await getMember(id));
          byId.value = { ...byId.value, [id]: person };
        } catch (error) {
          // A member removed from Rox since: shown as such, not retried on every page.
          if (toApiError(error).status === 404) byId.value = { ...byId.value, [id]: null };
        } finally {
          pending.delete(id);
        }
      }),
    );
  }

  // Answers can come back out of order: only the latest search's answer (or failure) counts.
  let latestSearch = 0;

  async function search(q: string): Promise<void> {
    const text = q.trim();
    const mine = (latestSearch += 1);
    searchError.value = null;
    if (!text) {
      results.value = [];
      isSearching.value = false;
      return;
    }
    isSearching.value = true;
    try {
      const page = await searchMembers(text);
      if (mine !== latestSearch) return;
      results.value = page.items.map(toPerson);
      byId.value = {
        ...byId.value,
        ...Object.fromEntries(results.value.map((p) => [p.roxUserId, p])),
      };
    } catch (error) {
      if (mine !== latestSearch) return;
      // The last answer was for other text: listing it would look like matches for this one.
      results.value = [];
      searchError.value = toApiError(error);
    } finally {
      if (mine === latestSearch) isSearching.value = false;
    }
  }

  function $reset(): void {
    latestSearch += 1;
    byId.value = {};
    results.value = [];
    isSearching.value = false;
    searchError.value = null;
    pending.clear();
  }

  return { byId, results, isSearching, searchError, resolve, search, $reset };
});
