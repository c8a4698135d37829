import { defineStore } from 'pinia';
import { ref } from 'vue';

import {
  type IndividualConnection,
  type IndividualDisconnectReceipt,
  type IndividualKind,
  type IndividualLevel,
} from '@rox365/contracts';

import { toApiError, type ApiError } from '../../api/http';
import { usePagedList } from '../../shared/usePagedList';
import { STORE_IDS } from '../../store-registry';
import { DEFAULT_LEVEL } from './individual-scopes';
import {
  allowIndividualAccount,
  checkIndividualConnection,
  disconnectIndividualConnection,
  listIndividualConnections,
  startIndividualConnection,
} from './individual.api';
import { leaveForMicrosoft } from './navigation';

type Busy = 'connecting' | 'checking' | 'disconnecting';
type ByKind<T> = Partial<Record<IndividualKind, T>>;

/** The member's connection of a kind: the live one, else the latest superseded one. */
function pickPerKind(items: readonly IndividualConnection[]): ByKind<IndividualConnection> {
  const byKind: ByKind<IndividualConnection> = {};
  const ordered = [...items].sort((a, b) => a.updatedAt.localeCompare(b.updatedAt));
  for (const item of ordered) {
    if (item.provider !== 'microsoft') continue;
    const current = byKind[item.kind];
    if (!current || current.status === 'superseded' || item.status !== 'superseded') {
      byKind[item.kind] = item;
    }
  }
  return byKind;
}

/** Members' own Outlook connections (and, for admins, everyone's). */
export const useIndividualStore = defineStore(STORE_IDS.individual, () => {
  const mine = ref<ByKind<IndividualConnection>>({});
  const levels = ref<Record<IndividualKind, IndividualLevel>>({ ...DEFAULT_LEVEL });
  const busy = ref<ByKind<Busy>>({});
  const errors = ref<ByKind<ApiError>>({});
  const receipts = ref<ByKind<IndividualDisconnectReceipt>>({});
  const checked = ref<ByKind<boolean>>({});
  const listError = ref<ApiError | null>(null);

  // Every member's connections, for admins: a page at a time.
  const allPages = usePagedList((cursor) => listIndividualConnections(true, cursor));
  const all = allPages.items;
  const isLoadingAll = allPages.isLoading;
  const allError = allPages.error;
  const adminBusyId = ref<string | null>(null);
  const adminError = ref<ApiError | null>(null);

  async function load(): Promise<void> {
    listError.value = null;
    try {
      const { items } = await listIndividualConnections();
      mine.value = pickPerKind(items);
      for (const connection of Object.values(mine.value)) adoptLevel(connection);
    } catch (error) {
      listError.value = toApiError(error);
    }
  }

  // What Connect asks for next: an upgrade waiting for an admin, else the level it runs at.
  function adoptLevel(connection: IndividualConnection): void {
    const level = connection.pendingLevel ?? connection.level;
    if (level && connection.status !== 'superseded') levels.value[connection.kind] = level;
  }

  async function run(kind: IndividualKind, what: Busy, work: () => Promise<void>): Promise<void> {
    busy.value = { ...busy.value, [kind]: what };
    errors.value = { ...errors.value, [kind]: undefined };
    try {
      await work();
    } catch (error) {
      errors.value = { ...errors.value, [kind]: toApiError(error) };
    } finally {
      busy.value = { ...busy.value, [kind]: undefined };
    }
  }

  /** Connect (or Connect again / Sign in again): off to Microsoft, which redirects back. */
  function connect(kind: IndividualKind): Promise<void> {
    return run(kind, 'connecting', async () => {
      receipts.value = { ...receipts.value, [kind]: undefined };
      const start = await startIndividualConnection({
        provider: 'microsoft',
        kind,
        level: levels.value[kind],
      });
      mine.value = { ...mine.value, [kind]: start.connection };
      leaveForMicrosoft(start.authorizeUrl);
    });
  }

  function check(kind: IndividualKind): Promise<void> {
    const connection = mine.value[kind];
    if (!connection) return Promise.resolve();
    return run(kind, 'checking', async () => {
      const result = await checkIndividualConnection(connection.id);
      mine.value = { ...mine.value, [kind]: result.connection };
      adoptLevel(result.connection);
      checked.value = { ...checked.value, [kind]: result.ok };
    });
  }

  function disconnect(kind: IndividualKind): Promise<void> {
    const connection = mine.value[kind];
    if (!connection) return Promise.resolve();
    return run(kind, 'disconnecting', async () => {
      const receipt = await disconnectIndividualConnection(connection.id);
      const rest = { ...mine.value };
      delete rest[kind];
      mine.value = rest;
      receipts.value = { ...receipts.value, [kind]: receipt };
      checked.value = { ...checked.value, [kind]: undefined };
    });
  }

  function loadAll(): Promise<void> {
    return allPages.load();
  }

  // Members' live connections, for the wizard's review (what an org-wide connect replaces): the
  // first page, and whether there are more.
  const replaceable = ref<IndividualConnection[]>([]);
  const hasMoreReplaceable = ref(false);
  // The list could not be read: the review says so rather than implying nobody is affected.
  const replaceableError = ref<ApiError | null>(null);
  async function loadReplaceable(): Promise<void> {
    replaceableError.value = null;
    try {
      const page = await listIndividualConnections(true, undefined, { liveOnly: true });
      replaceable.value = page.items;
      hasMoreReplaceable.value = page.nextCursor !== null && page.nextCursor !== undefined;
    } catch (error) {
      replaceable.value = [];
      hasMoreReplaceable.value = false;
      replaceableError.value = toApiError(error);
    }
  }

  async function adminAction(id: string, work: () => Promise<void>): Promise<void> {
    adminBusyId.value = id;
    adminError.value = null;
    try {
      await work();
    } catch (error) {
      adminError.value = toApiError(error);
    } finally {
      adminBusyId.value = null;
    }
  }

  function revoke(id: string): Promise<void> {
    return adminAction(id, async () => {
      await disconnectIndividualConnection(id);
      all.value = all.value.filter((c) => c.id !== id);
    });
  }

  function allowAccount(id: string): Promise<void> {
    return adminAction(id, async () => {
      const updated = await allowIndividualAccount(id);
      all.value = all.value.map((c) => (c.id === id ? updated : c));
    });
  }

  function $reset(): void {
    mine.value = {};
    levels.value = { ...DEFAULT_LEVEL };
    busy.value = {};
    errors.value = {};
    receipts.value = {};
    checked.value = {};
    listError.value = null;
    allPages.reset();
    replaceable.value = [];
    hasMoreReplaceable.value = false;
    replaceableError.value = null;
    adminBusyId.value = null;
    adminError.value = null;
  }

  return {
    mine,
    levels,
    busy,
    errors,
    receipts,
    checked,
    listError,
    all,
    isLoadingAll,
    allError,
    adminBusyId,
    adminError,
    load,
    connect,
    check,
    disconnect,
    loadAll,
    replaceable,
    hasMoreReplaceable,
    replaceableError,
    loadReplaceable,
    loadMoreAll: allPages.loadMore,
    allNextCursor: allPages.nextCursor,
    isLoadingMoreAll: allPages.isLoadingMore,
    revoke,
    allowAccount,
    $reset,
  };
});
