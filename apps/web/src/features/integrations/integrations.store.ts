import { defineStore } from 'pinia';
import { ref } from 'vue';

import { type IndividualConnection } from '@rox365/contracts';

import { toApiError, type ApiError } from '../../api/http';
import { STORE_IDS } from '../../store-registry';
import { createIndividualConnection, listMyIndividualConnections } from './integrations.api';

export type IndividualKind = IndividualConnection['kind'];

export const useIntegrationsStore = defineStore(STORE_IDS.integrations, () => {
  const connections = ref<Partial<Record<IndividualKind, IndividualConnection>>>({});
  const errors = ref<Partial<Record<IndividualKind, ApiError>>>({});
  const connecting = ref<IndividualKind | null>(null);

  const listError = ref<ApiError | null>(null);

  async function load(): Promise<void> {
    listError.value = null;
    try {
      const { items } = await listMyIndividualConnections();
      const byKind: Partial<Record<IndividualKind, IndividualConnection>> = {};
      // Newest last wins, so each tile shows the latest attempt.
      for (const item of [...items].sort((a, b) => a.updatedAt.localeCompare(b.updatedAt))) {
        if (item.provider === 'microsoft') byKind[item.kind] = item;
      }
      connections.value = byKind;
    } catch (error) {
      listError.value = toApiError(error);
    }
  }

  async function connectIndividual(kind: IndividualKind): Promise<void> {
    connecting.value = kind;
    errors.value = { ...errors.value, [kind]: undefined };
    try {
      const connection = await createIndividualConnection({ provider: 'microsoft', kind });
      connections.value = { ...connections.value, [kind]: connection };
    } catch (error) {
      errors.value = { ...errors.value, [kind]: toApiError(error) };
    } finally {
      connecting.value = null;
    }
  }

  function $reset(): void {
    connections.value = {};
    errors.value = {};
    connecting.value = null;
    listError.value = null;
  }

  return { connections, errors, connecting, listError, load, connectIndividual, $reset };
});
