import { defineStore } from 'pinia';
import { computed, ref } from 'vue';

import { type CurrentSession, type DevIdentity } from '@rox365/contracts';

import { toApiError, type ApiError } from '../../api/http';
import { resetAllStores, STORE_IDS } from '../../store-registry';
import {
  getCurrentSession,
  listDemoIdentities,
  signInAsDemoMember,
  signOutSession,
} from './auth.api';

/**
 * Who is signed in. The sign-in token never reaches this page: the API keeps it in an HttpOnly
 * cookie that every tab of the browser shares, so a consent link or callback opened in a new
 * tab stays signed in. The store only holds the caller, restored from GET /dev/session.
 */
export const useAuthStore = defineStore(STORE_IDS.auth, () => {
  const session = ref<CurrentSession | null>(null);
  const identities = ref<DevIdentity[]>([]);
  const isLoadingIdentities = ref(false);
  const identitiesError = ref<ApiError | null>(null);
  const signingInAs = ref<string | null>(null);
  const signInError = ref<ApiError | null>(null);
  const expiredNotice = ref(false);

  const caller = computed(() => session.value?.caller ?? null);
  const isSignedIn = computed(
    () => session.value !== null && Date.parse(session.value.expiresAt) > Date.now(),
  );
  const isAdmin = computed(() => isSignedIn.value && session.value?.caller.role === 'admin');

  /** Asks the API who this browser is signed in as (on page load, in any tab). */
  async function restore(): Promise<void> {
    try {
      session.value = await getCurrentSession();
    } catch {
      // 401: nobody is signed in in this browser; anything else reads as signed out too.
      session.value = null;
    }
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
      // A different person may have used this browser: nothing of theirs may survive.
      resetAllStores();
      // The token in the body is for API clients; the page keeps only who and until when.
      session.value = { expiresAt: next.expiresAt, caller: next.caller };
      return true;
    } catch (error) {
      signInError.value = toApiError(error);
      return false;
    } finally {
      signingInAs.value = null;
    }
  }

  /** Ends the session in this browser (every tab) and forgets every store. */
  async function signOut(options: { expired?: boolean } = {}): Promise<void> {
    resetAllStores();
    expiredNotice.value = options.expired ?? false;
    if (!options.expired) await signOutSession().catch(() => undefined);
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
    restore,
    loadIdentities,
    signIn,
    signOut,
    $reset,
  };
});
