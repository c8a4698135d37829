import { defineStore } from 'pinia';
import { ref } from 'vue';

import { type MailDataRemovalReceipt, type MemberMailStatus } from '@rox365/contracts';

import { toApiError, type ApiError } from '../../api/http';
import { STORE_IDS } from '../../store-registry';
import { getMemberMailStatus, getMyMailStatus, requestMailDataRemoval } from './mail.api';

/** Mail sync state: the member's own, members' for the admin, and data-removal receipts. */
export const useMailStore = defineStore(STORE_IDS.mail, () => {
  const me = ref<MemberMailStatus | null>(null);
  const isLoadingMe = ref(false);
  const meError = ref<ApiError | null>(null);
  const byMember = ref<Record<string, MemberMailStatus>>({});
  const errors = ref<Record<string, ApiError>>({});
  const loadingFor = ref<string | null>(null);
  const removingFor = ref<string | null>(null);
  const receipts = ref<Record<string, MailDataRemovalReceipt>>({});

  async function loadMe(): Promise<void> {
    isLoadingMe.value = true;
    meError.value = null;
    try {
      me.value = await getMyMailStatus();
    } catch (e) {
      meError.value = toApiError(e);
    } finally {
      isLoadingMe.value = false;
    }
  }

  function forget(roxUserId: string): void {
    const { [roxUserId]: _gone, ...rest } = errors.value;
    errors.value = rest;
  }

  async function loadMember(roxUserId: string): Promise<void> {
    loadingFor.value = roxUserId;
    forget(roxUserId);
    try {
      byMember.value = { ...byMember.value, [roxUserId]: await getMemberMailStatus(roxUserId) };
    } catch (e) {
      errors.value = { ...errors.value, [roxUserId]: toApiError(e) };
    } finally {
      loadingFor.value = null;
    }
  }

  /** Files the data-removal request; the receipt stays next to the member. */
  async function removeData(roxUserId: string, reason?: string): Promise<boolean> {
    removingFor.value = roxUserId;
    forget(roxUserId);
    try {
      receipts.value = {
        ...receipts.value,
        [roxUserId]: await requestMailDataRemoval(roxUserId, reason),
      };
      await loadMember(roxUserId);
      return true;
    } catch (e) {
      errors.value = { ...errors.value, [roxUserId]: toApiError(e) };
      return false;
    } finally {
      removingFor.value = null;
    }
  }

  function $reset(): void {
    me.value = null;
    isLoadingMe.value = false;
    meError.value = null;
    byMember.value = {};
    errors.value = {};
    loadingFor.value = null;
    removingFor.value = null;
    receipts.value = {};
  }

  return {
    me,
    isLoadingMe,
    meError,
    byMember,
    errors,
    loadingFor,
    removingFor,
    receipts,
    loadMe,
    loadMember,
    removeData,
    $reset,
  };
});
