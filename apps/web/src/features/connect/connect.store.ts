import { defineStore } from 'pinia';
import { computed, ref, watch } from 'vue';

import {
  UpdateOrgwideSettingsRequestSchema,
  type CalendarAccessLevel,
  type CalendarMeetingDeletes,
  type EmailAccessLevel,
  type ExtraMailFolder,
  type MemberOverride,
  type OrgwideSettings,
  type UpdateOrgwideSettingsRequest,
} from '@rox365/contracts';

import { toApiError, type ApiError } from '../../api/http';
import { toAsciiDomain, toUnicodeDomain } from '../../shared/punycode';
import { STORE_IDS } from '../../store-registry';
import { getOrgwideSettings, saveOrgwideSettings, startOrgwideConnect } from './connect.api';

// Seed 000 orders the admin's work: settings, then the security group (access policy) before
// Microsoft's consent page, then review and connect.
export const WIZARD_STEPS = ['calendar', 'email', 'tenant', 'policy', 'review'] as const;
export type WizardStep = (typeof WIZARD_STEPS)[number];

export type WizardField =
  | 'calendarAccess'
  | 'calendarMeetingDeletes'
  | 'emailAccess'
  | 'restrictedDomains'
  | 'extraMailFolders'
  | 'tenant'
  | 'restrictedUsers';

const STEP_FIELDS: Record<WizardStep, readonly WizardField[]> = {
  calendar: ['calendarAccess', 'calendarMeetingDeletes'],
  email: ['emailAccess', 'restrictedDomains', 'extraMailFolders'],
  tenant: ['tenant', 'restrictedUsers'],
  policy: [],
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

// How many entries each list may hold, said as a sentence instead of zod's "too big".
const LIST_LIMITS: Partial<Record<WizardField, { max: number; noun: string }>> = {
  restrictedDomains: { max: 500, noun: 'domains' },
  restrictedUsers: { max: 5000, noun: 'email addresses' },
};

/**
 * A field error message for people: list entries are named by position and shown as typed (the
 * schema speaks of the normalised punycode form), and limits become sentences.
 */
function messageFor(
  issue: { path: readonly PropertyKey[]; message: string; code?: string },
  typedEntries: (field: WizardField) => readonly string[],
): { field: string; message: string } {
  const [field, index] = issue.path;
  const name = String(field ?? '');
  const limit = LIST_LIMITS[name as WizardField];
  if (limit && issue.path.length === 1 && issue.code === 'too_big') {
    return {
      field: name,
      message: `At most ${limit.max} ${limit.noun}: remove ${typedEntries(name as WizardField).length - limit.max} to save.`,
    };
  }
  if (LIST_FIELDS.includes(name as WizardField) && typeof index === 'number') {
    const typed = typedEntries(name as WizardField)[index];
    const message =
      typed === undefined ? issue.message : issue.message.replace(/^"[^"]*"/, `"${typed}"`);
    return { field: name, message: `Entry ${index + 1}: ${message}` };
  }
  return { field: name, message: issue.message };
}

export const useConnectStore = defineStore(STORE_IDS.connect, () => {
  const calendarAccess = ref<CalendarAccessLevel>('read_write');
  const calendarMeetingDeletes = ref<CalendarMeetingDeletes>('confirm');
  const emailAccess = ref<EmailAccessLevel>('read');
  const restrictedDomainsText = ref('');
  const extraMailFolders = ref<ExtraMailFolder[]>([]);
  const tenant = ref('');
  const restrictedUsersText = ref('');
  const overrides = ref<MemberOverride[]>([]);

  const step = ref<WizardStep>('calendar');
  const touched = ref<Set<WizardField>>(new Set());
  const serverError = ref<ApiError | null>(null);
  const isLoadingExisting = ref(false);
  const hasLoadedExisting = ref(false);
  /**
   * Reading the saved settings failed (other than "none yet"): the form holds defaults, not the
   * org's settings, so screens show this with a retry instead of a form that would save them.
   */
  const loadError = ref<ApiError | null>(null);
  const isConnecting = ref(false);
  const isSaving = ref(false);
  /** The settings as the API last returned them (loaded or saved). */
  const savedSettings = ref<OrgwideSettings | null>(null);

  const request = computed<UpdateOrgwideSettingsRequest>(() => ({
    calendarAccess: calendarAccess.value,
    calendarMeetingDeletes: calendarMeetingDeletes.value,
    emailAccess: emailAccess.value,
    restrictedDomains: splitList(restrictedDomainsText.value),
    restrictedUsers: splitList(restrictedUsersText.value),
    extraMailFolders: extraMailFolders.value,
    tenant: tenant.value,
  }));

  // Each list entry as the admin typed it (Unicode domains stay Unicode in messages).
  function typedEntries(field: WizardField): string[] {
    if (field === 'restrictedDomains') return splitList(restrictedDomainsText.value);
    if (field === 'restrictedUsers') return splitList(restrictedUsersText.value);
    return [];
  }

  // The API validates with the same schema, so what passes here passes there. Every problem is
  // kept, so the admin sees all invalid entries at once, not just the first.
  const clientErrors = computed<Partial<Record<WizardField, string[]>>>(() => {
    const result = UpdateOrgwideSettingsRequestSchema.safeParse(request.value);
    if (result.success) return {};
    const errors: Partial<Record<WizardField, string[]>> = {};
    for (const issue of result.error.issues) {
      const { field, message } = messageFor(issue, typedEntries);
      const key = field as WizardField;
      errors[key] = [...(errors[key] ?? []), message];
    }
    return errors;
  });

  // A server error belongs to the text the admin sent; once they change the field it is stale.
  const staleServerFields = ref<Set<WizardField>>(new Set());
  const FIELD_SOURCES: Record<WizardField, () => unknown> = {
    calendarAccess: () => calendarAccess.value,
    calendarMeetingDeletes: () => calendarMeetingDeletes.value,
    emailAccess: () => emailAccess.value,
    restrictedDomains: () => restrictedDomainsText.value,
    restrictedUsers: () => restrictedUsersText.value,
    extraMailFolders: () => extraMailFolders.value.join(','),
    tenant: () => tenant.value,
  };
  for (const [field, source] of Object.entries(FIELD_SOURCES)) {
    watch(source, () => {
      if (!serverError.value) return;
      staleServerFields.value = new Set([...staleServerFields.value, field as WizardField]);
    });
  }

  function serverFieldErrors(field: WizardField): string[] {
    if (staleServerFields.value.has(field)) return [];
    return (serverError.value?.fieldErrors ?? [])
      .filter((e) => e.path === field || e.path.startsWith(`${field}.`))
      .map((e) => {
        const index = Number(e.path.split('.')[1]);
        return messageFor(
          { path: Number.isInteger(index) ? [field, index] : [field], message: e.message },
          typedEntries,
        ).message;
      });
  }

  function serverFieldError(field: WizardField): string | undefined {
    return serverFieldErrors(field)[0];
  }

  /** Every problem to show under a field: the live check once touched, else the server's. */
  function fieldErrors(field: WizardField): string[] {
    const live = clientErrors.value[field];
    if (touched.value.has(field) && live && live.length > 0) return live;
    return serverFieldErrors(field);
  }

  /** The first of {@link fieldErrors}, for single-value fields. */
  function fieldError(field: WizardField): string | undefined {
    return fieldErrors(field)[0];
  }

  /** Internationalised domains as typed, with the ASCII form the API stores, as a hint. */
  const domainHints = computed(() =>
    splitList(restrictedDomainsText.value).flatMap((typed) => {
      const ascii = toAsciiDomain(typed);
      return ascii?.includes('xn--') && ascii !== typed.toLowerCase()
        ? [`${typed} is stored as ${ascii}`]
        : [];
    }),
  );

  function touch(field: WizardField): void {
    if (touched.value.has(field)) return;
    touched.value = new Set([...touched.value, field]);
  }

  function stepIsValid(target: WizardStep): boolean {
    return STEP_FIELDS[target].every((field) => !clientErrors.value[field]?.length);
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
      savedSettings.value = settings;
      calendarAccess.value = settings.calendarAccess;
      calendarMeetingDeletes.value = settings.calendarMeetingDeletes;
      emailAccess.value = settings.emailAccess;
      // Stored as punycode; shown as people type them.
      restrictedDomainsText.value = settings.restrictedDomains.map(toUnicodeDomain).join('\n');
      restrictedUsersText.value = settings.restrictedUsers.join('\n');
      extraMailFolders.value = [...settings.extraMailFolders];
      tenant.value = settings.tenant ?? '';
      overrides.value = settings.overrides;
      hasLoadedExisting.value = true;
      loadError.value = null;
    } catch (error) {
      // No saved settings yet is the normal first visit; anything else stops the form.
      const apiError = toApiError(error);
      if (apiError.status === 404) {
        hasLoadedExisting.value = true;
        loadError.value = null;
      } else {
        loadError.value = apiError;
      }
    } finally {
      isLoadingExisting.value = false;
    }
  }

  // Send the admin to the step that holds the first field the server rejected.
  function sendToFirstRejectedStep(): void {
    const firstStep = WIZARD_STEPS.find((s) =>
      STEP_FIELDS[s].some((field) => serverFieldError(field) !== undefined),
    );
    if (firstStep) step.value = firstStep;
  }

  function setServerError(error: ApiError | null): void {
    serverError.value = error;
    staleServerFields.value = new Set();
  }

  /**
   * Saves the settings alone (the console's settings screen, while connected); the saved
   * settings, or null with the errors shown next to their fields.
   */
  async function save(): Promise<OrgwideSettings | null> {
    setServerError(null);
    const fields = WIZARD_STEPS.flatMap((s) => STEP_FIELDS[s]);
    for (const field of fields) touch(field);
    if (fields.some((field) => clientErrors.value[field]?.length)) return null;
    isSaving.value = true;
    try {
      const saved = await saveOrgwideSettings(request.value);
      overrides.value = saved.overrides;
      savedSettings.value = saved;
      return saved;
    } catch (error) {
      setServerError(toApiError(error));
      sendToFirstRejectedStep();
      return null;
    } finally {
      isSaving.value = false;
    }
  }

  /** Saves the settings and asks the API for Microsoft's consent URL; null when that failed. */
  async function connect(): Promise<string | null> {
    setServerError(null);
    if (!goTo('review')) return null;
    isConnecting.value = true;
    try {
      await saveOrgwideSettings(request.value);
      const { consentUrl } = await startOrgwideConnect();
      return consentUrl;
    } catch (error) {
      setServerError(toApiError(error));
      sendToFirstRejectedStep();
      return null;
    } finally {
      isConnecting.value = false;
    }
  }

  function $reset(): void {
    calendarAccess.value = 'read_write';
    calendarMeetingDeletes.value = 'confirm';
    emailAccess.value = 'read';
    restrictedDomainsText.value = '';
    tenant.value = '';
    restrictedUsersText.value = '';
    extraMailFolders.value = [];
    overrides.value = [];
    step.value = 'calendar';
    touched.value = new Set();
    serverError.value = null;
    isLoadingExisting.value = false;
    hasLoadedExisting.value = false;
    loadError.value = null;
    isConnecting.value = false;
    isSaving.value = false;
    savedSettings.value = null;
    staleServerFields.value = new Set();
  }

  return {
    calendarAccess,
    calendarMeetingDeletes,
    emailAccess,
    restrictedDomainsText,
    extraMailFolders,
    tenant,
    restrictedUsersText,
    overrides,
    step,
    stepIndex,
    serverError,
    isLoadingExisting,
    loadError,
    isConnecting,
    isSaving,
    savedSettings,
    request,
    clientErrors,
    fieldError,
    fieldErrors,
    domainHints,
    typedEntries,
    touch,
    stepIsValid,
    next,
    back,
    goTo,
    loadExisting,
    save,
    connect,
    $reset,
  };
});
