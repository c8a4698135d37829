import { defineStore } from 'pinia';
import { computed, ref } from 'vue';

import {
  UpdateOrgwideSettingsRequestSchema,
  type CalendarAccessLevel,
  type EmailAccessLevel,
  type MemberOverride,
  type UpdateOrgwideSettingsRequest,
} from '@rox365/contracts';

import { toApiError, type ApiError } from '../../api/http';
import { STORE_IDS } from '../../store-registry';
import { getOrgwideSettings, saveOrgwideSettings, startOrgwideConnect } from './connect.api';

export const WIZARD_STEPS = ['calendar', 'email', 'tenant', 'review'] as const;
export type WizardStep = (typeof WIZARD_STEPS)[number];

export type WizardField =
  'calendarAccess' | 'emailAccess' | 'restrictedDomains' | 'tenant' | 'restrictedUsers';

const STEP_FIELDS: Record<WizardStep, readonly WizardField[]> = {
  calendar: ['calendarAccess'],
  email: ['emailAccess', 'restrictedDomains'],
  tenant: ['tenant', 'restrictedUsers'],
  review: [],
};

const LIST_FIELDS: readonly WizardField[] = ['restrictedDomains', 'restrictedUsers'];

/** Splits a text box of one entry per line (commas and semicolons also separate). */
export function splitList(text: string): string[] {
  return text
    .split(/[\n,;]+/)
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0);
}

/** A field error message; list entries are named by their position so the admin can find them. */
function messageFor(
  path: readonly PropertyKey[],
  message: string,
): { field: string; message: string } {
  const [field, index] = path;
  const name = String(field ?? '');
  if (LIST_FIELDS.includes(name as WizardField) && typeof index === 'number') {
    return { field: name, message: `Entry ${index + 1}: ${message}` };
  }
  return { field: name, message };
}

export const useConnectStore = defineStore(STORE_IDS.connect, () => {
  const calendarAccess = ref<CalendarAccessLevel>('read_write');
  const emailAccess = ref<EmailAccessLevel>('read');
  const restrictedDomainsText = ref('');
  const tenant = ref('');
  const restrictedUsersText = ref('');
  const overrides = ref<MemberOverride[]>([]);

  const step = ref<WizardStep>('calendar');
  const touched = ref<Set<WizardField>>(new Set());
  const serverError = ref<ApiError | null>(null);
  const isLoadingExisting = ref(false);
  const hasLoadedExisting = ref(false);
  const isConnecting = ref(false);

  const request = computed<UpdateOrgwideSettingsRequest>(() => ({
    calendarAccess: calendarAccess.value,
    emailAccess: emailAccess.value,
    restrictedDomains: splitList(restrictedDomainsText.value),
    restrictedUsers: splitList(restrictedUsersText.value),
    tenant: tenant.value,
  }));

  // The API validates with the same schema, so what passes here passes there.
  const clientErrors = computed<Partial<Record<WizardField, string>>>(() => {
    const result = UpdateOrgwideSettingsRequestSchema.safeParse(request.value);
    if (result.success) return {};
    const errors: Partial<Record<WizardField, string>> = {};
    for (const issue of result.error.issues) {
      const { field, message } = messageFor(issue.path, issue.message);
      const key = field as WizardField;
      if (!errors[key]) errors[key] = message;
    }
    return errors;
  });

  function serverFieldError(field: WizardField): string | undefined {
    const error = serverError.value?.fieldErrors.find(
      (e) => e.path === field || e.path.startsWith(`${field}.`),
    );
    if (!error) return undefined;
    const index = Number(error.path.split('.')[1]);
    return Number.isInteger(index) ? `Entry ${index + 1}: ${error.message}` : error.message;
  }

  /** What to show under a field: the live check once touched, else what the server said. */
  function fieldError(field: WizardField): string | undefined {
    if (touched.value.has(field) && clientErrors.value[field]) return clientErrors.value[field];
    return serverFieldError(field);
  }

  function touch(field: WizardField): void {
    if (touched.value.has(field)) return;
    touched.value = new Set([...touched.value, field]);
  }

  function stepIsValid(target: WizardStep): boolean {
    return STEP_FIELDS[target].every((field) => !clientErrors.value[field]);
  }

  const stepIndex = computed(() => WIZARD_STEPS.indexOf(step.value));

  /** Validates the current step and moves on; false (with errors shown) when it does not pass. */
  function next(): boolean {
    for (const field of STEP_FIELDS[step.value]) touch(field);
    if (!stepIsValid(step.value)) return false;
    const following = WIZARD_STEPS[stepIndex.value + 1];
    if (following) step.value = following;
    return true;
  }

  function back(): void {
    const previous = WIZARD_STEPS[stepIndex.value - 1];
    if (previous) step.value = previous;
  }

  /** Jumps to an earlier step, or a later one only when every step before it passes. */
  function goTo(target: WizardStep): boolean {
    const targetIndex = WIZARD_STEPS.indexOf(target);
    for (const earlier of WIZARD_STEPS.slice(0, targetIndex)) {
      if (!stepIsValid(earlier)) {
        for (const field of STEP_FIELDS[earlier]) touch(field);
        step.value = earlier;
        return false;
      }
    }
    step.value = target;
    return true;
  }

  async function loadExisting(): Promise<void> {
    if (hasLoadedExisting.value) return;
    isLoadingExisting.value = true;
    try {
      const settings = await getOrgwideSettings();
      calendarAccess.value = settings.calendarAccess;
      emailAccess.value = settings.emailAccess;
      restrictedDomainsText.value = settings.restrictedDomains.join('\n');
      restrictedUsersText.value = settings.restrictedUsers.join('\n');
      tenant.value = settings.tenant ?? '';
      overrides.value = settings.overrides;
    } catch (error) {
      // No saved settings yet is the normal first visit; anything else is shown.
      const apiError = toApiError(error);
      if (apiError.status !== 404) serverError.value = apiError;
    } finally {
      isLoadingExisting.value = false;
      hasLoadedExisting.value = true;
    }
  }

  /** Saves the settings and asks the API for Microsoft's consent URL; null when that failed. */
  async function connect(): Promise<string | null> {
    serverError.value = null;
    if (!goTo('review')) return null;
    isConnecting.value = true;
    try {
      await saveOrgwideSettings(request.value);
      const { consentUrl } = await startOrgwideConnect();
      return consentUrl;
    } catch (error) {
      const apiError = toApiError(error);
      serverError.value = apiError;
      // Send the admin to the step that holds the first field the server rejected.
      const firstStep = WIZARD_STEPS.find((s) =>
        STEP_FIELDS[s].some((field) => serverFieldError(field) !== undefined),
      );
      if (firstStep) step.value = firstStep;
      return null;
    } finally {
      isConnecting.value = false;
    }
  }

  function $reset(): void {
    calendarAccess.value = 'read_write';
    emailAccess.value = 'read';
    restrictedDomainsText.value = '';
    tenant.value = '';
    restrictedUsersText.value = '';
    overrides.value = [];
    step.value = 'calendar';
    touched.value = new Set();
    serverError.value = null;
    isLoadingExisting.value = false;
    hasLoadedExisting.value = false;
    isConnecting.value = false;
  }

  return {
    calendarAccess,
    emailAccess,
    restrictedDomainsText,
    tenant,
    restrictedUsersText,
    overrides,
    step,
    stepIndex,
    serverError,
    isLoadingExisting,
    isConnecting,
    request,
    clientErrors,
    fieldError,
    touch,
    stepIsValid,
    next,
    back,
    goTo,
    loadExisting,
    connect,
    $reset,
  };
});
