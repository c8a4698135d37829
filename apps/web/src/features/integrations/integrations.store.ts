import { type IndividualConnection } from '@rox365/contracts';
import { defineStore } from 'pinia';
import { ref } from 'vue';

import { type ApiError, toApiError } from '../../api/http';
import { STORE_IDS } from '../../store-registry';
import { createIndividualConnection } from './integrations.api';

export type IndividualKind = IndividualConnection['kind'];

export const useIntegrationsStore = defineStore(STORE_IDS.integrations, () => {
  const connections = ref<Partial<Record<IndividualKind, IndividualConnection>>>({});
  const errors = ref<Partial<Record<IndividualKind, ApiError>>>({});
  const connecting = ref<IndividualKind | null>(null);

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
  }

  return { connections, errors, connecting, connectIndividual, $reset };
});
