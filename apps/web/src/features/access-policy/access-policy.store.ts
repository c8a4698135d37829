import { defineStore } from 'pinia';
import { computed, ref } from 'vue';

import {
  AccessPolicyScriptQuerySchema,
  type AccessPolicyScript,
  type ProbeResult,
} from '@rox365/contracts';

import { toApiError, type ApiError } from '../../api/http';
import { usePagedList } from '../../shared/usePagedList';
import { STORE_IDS } from '../../store-registry';
import {
  accessPolicyScriptDownloadUrl,
  getAccessPolicyScript,
  listProbeResults,
  runProbes,
} from './access-policy.api';

const PROBE_POLL_INTERVAL_MS = 1000;
const PROBE_POLL_ATTEMPTS = 20;

const wait = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export const useAccessPolicyStore = defineStore(STORE_IDS.accessPolicy, () => {
  const groupName = ref('RoxAppAccessGroup');
  const script = ref<AccessPolicyScript | null>(null);
  const isLoadingScript = ref(false);
  const scriptError = ref<ApiError | null>(null);
  // The download of the script shown, for the group name it was generated with.
  const scriptDownloadUrl = ref<string | null>(null);

  const {
    items: probes,
    nextCursor: probesNextCursor,
    isLoading: isLoadingProbes,
    isLoadingMore: isLoadingMoreProbes,
    error: probesError,
    load: loadProbes,
    loadMore: loadMoreProbes,
    reset: resetProbes,
  } = usePagedList((cursor?: string) => listProbeResults(cursor));
  const probing = ref<Set<string>>(new Set());
  const isProbingAll = ref(false);
  const probeMessage = ref('');
  let generation = 0;

  const groupNameError = computed(() => {
    const result = AccessPolicyScriptQuerySchema.shape.groupName.safeParse(groupName.value);
    return result.success ? undefined : (result.error.issues[0]?.message ?? 'Invalid group name');
  });

  async function loadScript(): Promise<void> {
    if (groupNameError.value) return;
    isLoadingScript.value = true;
    scriptError.value = null;
    try {
      const query = { groupName: groupName.value.trim() };
      script.value = await getAccessPolicyScript(query);
      scriptDownloadUrl.value = accessPolicyScriptDownloadUrl(query);
    } catch (e) {
      scriptError.value = toApiError(e);
    } finally {
      isLoadingScript.value = false;
    }
  }

  /**
   * The pages shown so far read again (at least as many rows as are loaded), for polling: reading
   * only the first page would drop the rows from "Load more", and the member being re-tested.
   */
  async function readLoadedPages(): Promise<{ rows: ProbeResult[]; next: string | null }> {
    const rows: ProbeResult[] = [];
    let next: string | null = null;
    do {
      const page = await listProbeResults(next ?? undefined);
      rows.push(...page.items);
      next = page.nextCursor;
    } while (next !== null && rows.length < probes.value.length);
    return { rows, next };
  }

  function checkedAt(roxUserId: string | undefined): string | null {
    if (!roxUserId) return null;
    return probes.value.find((p) => p.roxUserId === roxUserId)?.checkedAt ?? null;
  }

  /** Queues a probe (one member, or every in-scope member) and waits for fresh results. */
  async function probe(roxUserId?: string): Promise<void> {
    const mine = generation;
    if (roxUserId) probing.value = new Set([...probing.value, roxUserId]);
    else isProbingAll.value = true;
    probesError.value = null;
    probeMessage.value = '';
    const before = roxUserId ? checkedAt(roxUserId) : latestCheck();
    const isFresh = (p: ProbeResult) => before === null || p.checkedAt > before;
    try {
      const { queued } = await runProbes(roxUserId ? { roxUserId } : {});
      // The worker runs the probes; poll until a fresh result (a newer checkedAt) is there for
      // each one queued: the first to finish is not all of them (a denied mailbox answers later).
      let done = false;
      for (let attempt = 0; attempt < PROBE_POLL_ATTEMPTS && !done; attempt += 1) {
        await wait(PROBE_POLL_INTERVAL_MS);
        if (mine !== generation) return;
        const { rows, next } = await readLoadedPages();
        if (mine !== generation) return;
        probes.value = rows;
        probesNextCursor.value = next;
        done = roxUserId
          ? (checkedAt(roxUserId) ?? before) !== before
          : probes.value.filter(isFresh).length >= queued;
      }
      // Out of patience is not finished: results not read yet (a slow worker, or members past
      // the rows loaded) may still come.
      if (done) probeMessage.value = roxUserId ? 'Probe finished.' : 'Probes finished.';
      else
        probeMessage.value = roxUserId
          ? 'The probe is still running; refresh in a minute.'
          : 'Probes are still running; refresh in a minute.';
    } catch (e) {
      probesError.value = toApiError(e);
    } finally {
      if (mine === generation) {
        if (roxUserId) probing.value = new Set([...probing.value].filter((id) => id !== roxUserId));
        else isProbingAll.value = false;
      }
    }
  }

  function latestCheck(): string | null {
    return probes.value.reduce<string | null>(
      (latest, p) => (latest === null || p.checkedAt > latest ? p.checkedAt : latest),
      null,
    );
  }

  function $reset(): void {
    generation += 1;
    groupName.value = 'RoxAppAccessGroup';
    script.value = null;
    scriptDownloadUrl.value = null;
    isLoadingScript.value = false;
    scriptError.value = null;
    resetProbes();
    probing.value = new Set();
    isProbingAll.value = false;
    probeMessage.value = '';
  }

  return {
    groupName,
    groupNameError,
    script,
    isLoadingScript,
    scriptError,
    scriptDownloadUrl,
    probes,
    probesNextCursor,
    isLoadingProbes,
    isLoadingMoreProbes,
    probesError,
    probing,
    isProbingAll,
    probeMessage,
    loadScript,
    loadProbes,
    loadMoreProbes,
    probe,
    $reset,
  };
});
