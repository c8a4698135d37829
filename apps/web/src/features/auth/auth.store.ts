import { defineStore } from 'pinia';
import { computed, ref } from 'vue';

import { type DevIdentity, type Session } from '@rox365/contracts';

import { toApiError, type ApiError } from '../../api/http';
import { resetAllStores, STORE_IDS } from '../../store-registry';
import { listDemoIdentities, signInAsDemoMember } from './auth.api';
import { clearStoredSession, readStoredSession, storeSession } from './session-storage';

export const useAuthStore = defineStore(STORE_IDS.auth, () => {
  const session = ref<Session | null>(readStoredSession());
  const identities = ref<DevIdentity[]>([]);
  const isLoadingIdentities = ref(false);
  const identitiesError = ref<ApiError | null>(null);
  const signingInAs = ref<string | null>(null);
  const signInError = ref<ApiError | null>(null);
  const expiredNotice = ref(false);

  const caller = computed(() => session.value?.caller ?? null);
  const isSignedIn = computed(() => session.value !== null);
  const isAdmin = computed(() => session.value?.caller.role === 'admin');

  function accessToken(): string | null {
    if (session.value && Date.parse(session.value.expiresAt) <= Date.now()) {
      session.value = null;
      clearStoredSession();
    }
    return session.value?.accessToken ?? null;
  }

  async function loadIdentities(): Promise<void> {
    isLoadingIdentities.value = true;
    identitiesError.value = null;
    try {
      identities.value = (await listDemoIdentities()).items;
    } catch (error) {
      identitiesError.value = toApiError(error);
    } finally {
      isLoadingIdentities.value = false;
    }
  }

  async function signIn(roxUserId: string): Promise<boolean> {
    signingInAs.value = roxUserId;
    signInError.value = null;
    try {
      const next = await signInAsDemoMember({ roxUserId });
      // A different person may have used this tab: nothing of theirs may survive.
      resetAllStores();
      storeSession(next);
      session.value = next;
      return true;
    } catch (error) {
      signInError.value = toApiError(error);
      return false;
    } finally {
      signingInAs.value = null;
    }
  }

  function signOut(options: { expired?: boolean } = {}): void {
    clearStoredSession();
    resetAllStores();
    expiredNotice.value = options.expired ?? false;
  }

  function $reset(): void {
    session.value = null;
    identities.value = [];
    isLoadingIdentities.value = false;
    identitiesError.value = null;
    signingInAs.value = null;
    signInError.value = null;
    expiredNotice.value = false;
  }

  return {
    session,
    identities,
    isLoadingIdentities,
    identitiesError,
    signingInAs,
    signInError,
    expiredNotice,
    caller,
    isSignedIn,
    isAdmin,
    accessToken,
    loadIdentities,
    signIn,
    signOut,
    $reset,
  };
});
