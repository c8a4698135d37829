import { type PiniaPluginContext } from 'pinia';

/** Every Pinia store id, in one place. */
export const STORE_IDS = {
  auth: 'auth',
  individual: 'individual',
  connect: 'connect',
  orgwide: 'orgwide',
  accessPolicy: 'access-policy',
  members: 'members',
  audit: 'audit',
  people: 'people',
  mail: 'mail',
  calendar: 'calendar',
  push: 'push',
} as const;

interface Resettable {
  $id: string;
  $reset: () => void;
}

const stores = new Map<string, Resettable>();

/** Pinia plugin that remembers every store created, so sign-out can reset them all. */
export function storeRegistryPlugin({ store }: PiniaPluginContext): void {
  stores.set(store.$id, store);
}

/** Resets every store that has been used (called on sign-out and when the session expires). */
export function resetAllStores(): void {
  for (const store of stores.values()) store.$reset();
}
