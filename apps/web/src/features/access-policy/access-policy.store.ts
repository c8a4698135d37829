import { defineStore } from 'pinia';
import { computed, ref } from 'vue';

import {
  AccessPolicyScriptQuerySchema,
  type AccessPolicyScript,
  type ProbeResult,
} from '@rox365/contracts';

import { toApiError, type ApiError } from '../../api/http';
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

  const probes = ref<ProbeResult[]>([]);
  const isLoadingProbes = ref(false);
  const probesError = ref<ApiError | null>(null);
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

  async function loadProbes(): Promise<void> {
    isLoadingProbes.value = true;
    probesError.value = null;
    try {
      probes.value = (await listProbeResults()).items;
    } catch (e) {
      probesError.value = toApiError(e);
    } finally {
      isLoadingProbes.value = false;
    }
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
      for (let attempt = 0; attempt < PROBE_POLL_ATTEMPTS && mine === generation; attempt += 1) {
        await wait(PROBE_POLL_INTERVAL_MS);
        if (mine !== generation) return;
        probes.value = (await listProbeResults()).items;
        const done = roxUserId
          ? (checkedAt(roxUserId) ?? before) !== before
          : probes.value.filter(isFresh).length >= queued;
        if (done) break;
      }
      probeMessage.value = roxUserId ? 'Probe finished.' : 'Probes finished.';
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
    probes.value = [];
    isLoadingProbes.value = false;
    probesError.value = null;
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
    isLoadingProbes,
    probesError,
    probing,
    isProbingAll,
    probeMessage,
    loadScript,
    loadProbes,
    probe,
    $reset,
  };
});
