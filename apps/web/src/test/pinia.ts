import { createPinia, setActivePinia, type Pinia } from 'pinia';
import { createApp } from 'vue';

import { storeRegistryPlugin } from '../store-registry';

/** A fresh active Pinia wired like main.ts (plugins apply only once Pinia is installed in an app). */
export function freshPinia(): Pinia {
  const pinia = createPinia();
  pinia.use(storeRegistryPlugin);
  createApp({}).use(pinia);
  setActivePinia(pinia);
  return pinia;
}
