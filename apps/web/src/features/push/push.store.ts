import { defineStore } from 'pinia';
import { ref } from 'vue';

import { type PushDeliveryStatus, type PushEndpoint } from '@rox365/contracts';

import { toApiError, type ApiError } from '../../api/http';
import { usePagedList } from '../../shared/usePagedList';
import { STORE_IDS } from '../../store-registry';
import { listPushDeliveries, listPushEndpoints, redeliverPush } from './push.api';

/** The console's view of Rox backends' receivers: endpoints, each one's delivery log, redelivery. */
export const usePushStore = defineStore(STORE_IDS.push, () => {
  const endpoints = ref<PushEndpoint[]>([]);
  const isLoadingEndpoints = ref(false);
  const endpointsError = ref<ApiError | null>(null);
  const selectedId = ref<string | null>(null);
  const statusFilter = ref<PushDeliveryStatus | ''>('');
  const redelivering = ref<string | null>(null);
  const redeliverError = ref<ApiError | null>(null);
  /** Deliveries asked for again in this session (their fresh delivery shows on reload). */
  const redelivered = ref<string[]>([]);

  const log = usePagedList((cursor?: string) =>
    listPushDeliveries(selectedId.value ?? '', {
      cursor,
      status: statusFilter.value || undefined,
    }),
  );

  async function loadEndpoints(): Promise<void> {
    isLoadingEndpoints.value = true;
    endpointsError.value = null;
    try {
      endpoints.value = (await listPushEndpoints()).items;
      // Keep the selection while it still exists, else the first endpoint.
      if (!endpoints.value.some((e) => e.id === selectedId.value)) {
        selectedId.value = endpoints.value[0]?.id ?? null;
      }
    } catch (e) {
      endpointsError.value = toApiError(e);
    } finally {
      isLoadingEndpoints.value = false;
    }
    if (selectedId.value) await log.load();
    else log.reset();
  }

  async function select(endpointId: string): Promise<void> {
    selectedId.value = endpointId;
    await log.load();
  }

  async function filterBy(status: PushDeliveryStatus | ''): Promise<void> {
    statusFilter.value = status;
    if (selectedId.value) await log.load();
  }

  async function redeliver(deliveryId: string): Promise<void> {
    if (!selectedId.value) return;
    redelivering.value = deliveryId;
    redeliverError.value = null;
    try {
      await redeliverPush(selectedId.value, deliveryId);
      redelivered.value = [...redelivered.value, deliveryId];
      await log.load();
    } catch (e) {
      redeliverError.value = toApiError(e);
    } finally {
      redelivering.value = null;
    }
  }

  function $reset(): void {
    endpoints.value = [];
    isLoadingEndpoints.value = false;
    endpointsError.value = null;
    selectedId.value = null;
    statusFilter.value = '';
    redelivering.value = null;
    redeliverError.value = null;
    redelivered.value = [];
    log.reset();
  }

  return {
    endpoints,
    isLoadingEndpoints,
    endpointsError,
    selectedId,
    statusFilter,
    deliveries: log.items,
    nextCursor: log.nextCursor,
    isLoadingDeliveries: log.isLoading,
    isLoadingMore: log.isLoadingMore,
    deliveriesError: log.error,
    loadMore: log.loadMore,
    redelivering,
    redeliverError,
    redelivered,
    loadEndpoints,
    select,
    filterBy,
    redeliver,
    $reset,
  };
});
