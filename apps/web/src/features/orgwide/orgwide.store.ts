import { defineStore } from 'pinia';
import { computed, ref } from 'vue';

import { type OrgwideStatus, type PermissionReport, type PurgeReceipt } from '@rox365/contracts';

import { toApiError, type ApiError } from '../../api/http';
import { STORE_IDS } from '../../store-registry';
import {
  disconnectOrgwide,
  getOrgwideStatus,
  getPermissionReport,
  recheckPermissions,
  startDirectorySync,
  startReconsent,
} from './orgwide.api';

const SYNC_POLL_INTERVAL_MS = 1500;
const RECHECK_POLL_INTERVAL_MS = 1000;
const RECHECK_POLL_ATTEMPTS = 30;

const wait = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export const useOrgwideStore = defineStore(STORE_IDS.orgwide, () => {
  const status = ref<OrgwideStatus | null>(null);
  const isLoadingStatus = ref(false);
  const statusError = ref<ApiError | null>(null);

  const report = ref<PermissionReport | null>(null);
  const isLoadingReport = ref(false);
  const reportError = ref<ApiError | null>(null);
  const isRechecking = ref(false);
  const recheckMessage = ref('');

  const isStartingSync = ref(false);
  const syncError = ref<ApiError | null>(null);
  let pollTimer: ReturnType<typeof setTimeout> | null = null;
  // Bumped by $reset so a poll that outlives a sign-out stops writing into the store.
  let generation = 0;

  const isStartingReconsent = ref(false);
  const reconsentError = ref<ApiError | null>(null);

  const receipt = ref<PurgeReceipt | null>(null);
  const isDisconnecting = ref(false);
  const disconnectError = ref<ApiError | null>(null);

  const isConnected = computed(
    () => status.value?.state === 'connected' || status.value?.state === 'degraded',
  );
  const isDirectorySyncRunning = computed(
    () => status.value?.directory.state === 'queued' || status.value?.directory.state === 'running',
  );

  function schedulePoll(): void {
    if (pollTimer || !isDirectorySyncRunning.value) return;
    pollTimer = setTimeout(() => {
      pollTimer = null;
      void loadStatus({ quiet: true });
    }, SYNC_POLL_INTERVAL_MS);
  }

  async function loadStatus(options: { quiet?: boolean } = {}): Promise<void> {
    if (!options.quiet) isLoadingStatus.value = true;
    statusError.value = null;
    try {
      status.value = await getOrgwideStatus();
      schedulePoll();
    } catch (error) {
      statusError.value = toApiError(error);
    } finally {
      isLoadingStatus.value = false;
    }
  }

  async function loadReport(): Promise<void> {
    isLoadingReport.value = true;
    reportError.value = null;
    try {
      report.value = await getPermissionReport();
    } catch (error) {
      reportError.value = toApiError(error);
    } finally {
      isLoadingReport.value = false;
    }
  }

  async function recheck(): Promise<void> {
    isRechecking.value = true;
    reportError.value = null;
    recheckMessage.value = '';
    const mine = generation;
    const before = report.value?.checkedAt ?? null;
    try {
      await recheckPermissions();
      // A worker job asks Microsoft; poll the report until it carries a newer check time.
      for (let attempt = 0; attempt < RECHECK_POLL_ATTEMPTS; attempt += 1) {
        await wait(RECHECK_POLL_INTERVAL_MS);
        if (mine !== generation) return;
        const fresh = await getPermissionReport();
        report.value = fresh;
        if (fresh.checkedAt !== null && fresh.checkedAt !== before) {
          recheckMessage.value = 'Permissions re-checked with Microsoft.';
          break;
        }
      }
      if (!recheckMessage.value)
        recheckMessage.value = 'The re-check is still running; refresh in a minute.';
      await loadStatus({ quiet: true });
    } catch (error) {
      reportError.value = toApiError(error);
    } finally {
      isRechecking.value = false;
    }
  }

  async function syncDirectory(): Promise<void> {
    isStartingSync.value = true;
    syncError.value = null;
    try {
      await startDirectorySync();
      if (status.value)
        status.value = {
          ...status.value,
          directory: { ...status.value.directory, state: 'queued' },
        };
      schedulePoll();
    } catch (error) {
      syncError.value = toApiError(error);
    } finally {
      isStartingSync.value = false;
    }
  }

  /** Microsoft's admin-consent link for the connected tenant; null (with the error) on failure. */
  async function reconsent(): Promise<string | null> {
    isStartingReconsent.value = true;
    reconsentError.value = null;
    try {
      return (await startReconsent()).consentUrl;
    } catch (error) {
      reconsentError.value = toApiError(error);
      return null;
    } finally {
      isStartingReconsent.value = false;
    }
  }

  async function disconnect(): Promise<boolean> {
    isDisconnecting.value = true;
    disconnectError.value = null;
    try {
      receipt.value = await disconnectOrgwide();
      report.value = null;
      await loadStatus({ quiet: true });
      return true;
    } catch (error) {
      disconnectError.value = toApiError(error);
      return false;
    } finally {
      isDisconnecting.value = false;
    }
  }

  function $reset(): void {
    generation += 1;
    if (pollTimer) clearTimeout(pollTimer);
    pollTimer = null;
    status.value = null;
    isLoadingStatus.value = false;
    statusError.value = null;
    report.value = null;
    isLoadingReport.value = false;
    reportError.value = null;
    isRechecking.value = false;
    recheckMessage.value = '';
    isStartingSync.value = false;
    syncError.value = null;
    isStartingReconsent.value = false;
    reconsentError.value = null;
    receipt.value = null;
    isDisconnecting.value = false;
    disconnectError.value = null;
  }

  return {
    status,
    isLoadingStatus,
    statusError,
    report,
    isLoadingReport,
    reportError,
    isRechecking,
    recheckMessage,
    isStartingSync,
    syncError,
    isStartingReconsent,
    reconsentError,
    receipt,
    isDisconnecting,
    disconnectError,
    isConnected,
    isDirectorySyncRunning,
    loadStatus,
    loadReport,
    recheck,
    syncDirectory,
    reconsent,
    disconnect,
    $reset,
  };
});
