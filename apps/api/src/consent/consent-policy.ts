import {
  type CalendarAccessLevel,
  type EmailAccessLevel,
  type PermissionReport,
} from '@rox365/contracts';
import {
  CAPABILITY_FEATURES,
  configuredFeatures,
  entraPermissionsSteps,
  evaluateGrant,
  type Capability,
  type GrantEvaluation,
  type OrgAccessSettings,
} from '@rox365/scope-policy';

// Pure rules of the consent feature: which settings the grant is judged against, and what a
// grant means for the status page.

export interface AccessSettingsInput {
  calendarAccess: CalendarAccessLevel;
  emailAccess: EmailAccessLevel;
  overrides: readonly {
    roxUserId: string;
    calendarAccess: CalendarAccessLevel | null;
    emailAccess: EmailAccessLevel | null;
  }[];
}

/** The scope-policy view of the org's settings (overrides keyed by Rox user id). */
export function toOrgAccessSettings(input: AccessSettingsInput): OrgAccessSettings {
  return {
    defaults: { calendarAccess: input.calendarAccess, emailAccess: input.emailAccess },
    overrides: input.overrides.map((o) => ({
      member: o.roxUserId,
      ...(o.calendarAccess ? { calendarAccess: o.calendarAccess } : {}),
      ...(o.emailAccess ? { emailAccess: o.emailAccess } : {}),
    })),
  };
}

export function evaluate(
  granted: readonly string[],
  settings: AccessSettingsInput,
  appDisplayName: string,
): GrantEvaluation {
  return evaluateGrant({ granted, settings: toOrgAccessSettings(settings), appDisplayName });
}

/** Maps scope-policy's evaluation onto the PermissionReport contract. */
/** The report's application-permission part; delegated grants come from Entra separately. */
export function toPermissionReport(
  evaluation: GrantEvaluation,
  checkedAt: Date | null,
): Omit<PermissionReport, 'excessDelegated' | 'delegatedGrantsChecked'> {
  return {
    checkedAt: checkedAt?.toISOString() ?? null,
    requested: [...evaluation.requested],
    granted: [...evaluation.granted],
    needed: [...evaluation.needed],
    excess: evaluation.excess.map((e) => ({
      permission: e.permission,
      displayName: e.displayName,
      reason: e.reason,
      sufficientGrant: e.sufficientGrant ?? null,
      revokeSteps: [...e.revokeSteps],
      revokeStep: e.revokeSteps[e.revokeSteps.length - 1] ?? '',
    })),
    missing: evaluation.missing.map((m) => ({
      permission: m.permission,
      displayName: m.displayName,
      grantWith: m.grantWith,
      disables: [...m.disables],
      disabledFeatures: [...m.disabledFeatures],
    })),
    capabilities: [...evaluation.capabilities],
    appDisplayName: evaluation.appDisplayName,
    entraSteps: entraPermissionsSteps(evaluation.appDisplayName),
  };
}

export interface DegradedReason {
  code: string;
  message: string;
  nextAction: string;
}

// One piece of recovery advice everywhere, and the non-destructive one: admin consent can be
// granted again for the same tenant without disconnecting, so nothing is purged.
export const RERUN_CONSENT_ACTION =
  'Grant admin consent again: in the Rox admin console select "Grant admin consent again" and accept on Microsoft\'s page as a Global Administrator or Privileged Role Administrator. You stay connected and no data is removed.';

/** Why a connection is not fully working, each with what the admin should do. */
export function degradedReasons(
  evaluation: GrantEvaluation,
  checkError: string | null,
): DegradedReason[] {
  if (checkError === 'consent_revoked') {
    return [
      {
        code: 'CONSENT_REVOKED',
        message:
          'Microsoft no longer issues tokens to Rox for this tenant: the admin consent was removed or the enterprise app was deleted. Every Microsoft 365 feature is off.',
        nextAction: RERUN_CONSENT_ACTION,
      },
    ];
  }
  const reasons: DegradedReason[] = [];
  if (checkError) {
    reasons.push({
      code: 'PERMISSION_CHECK_FAILED',
      message: `The last permission check could not get a token from Microsoft (${checkError}).`,
      nextAction:
        'Rox retries on its own; if this persists, check the app credentials with Rox support.',
    });
  }
  if (evaluation.granted.length === 0) {
    reasons.push({
      code: 'NO_PERMISSIONS_GRANTED',
      message:
        'The tenant grants Rox no application permissions, so every Microsoft 365 feature is off.',
      nextAction: RERUN_CONSENT_ACTION,
    });
    return reasons;
  }
  for (const missing of evaluation.missing) {
    reasons.push({
      code: 'PERMISSION_MISSING',
      message: `${missing.permission} is not granted, so these features are off: ${
        missing.disabledFeatures.join('; ') || 'none'
      }.`,
      nextAction: `Grant ${missing.grantWith} again, or lower the access level that needs it. ${RERUN_CONSENT_ACTION}`,
    });
  }
  return reasons;
}

/** Product features the evaluation switches off, for audit details. */
export function disabledFeatures(evaluation: GrantEvaluation): string[] {
  const features = new Set<string>();
  for (const m of evaluation.missing) for (const f of m.disabledFeatures) features.add(f);
  return [...features];
}

/** Capabilities that actually work: none while consent is revoked. */
export function workingCapabilities(
  evaluation: GrantEvaluation,
  checkError: string | null,
): Capability[] {
  return checkError === 'consent_revoked' ? [] : [...evaluation.capabilities];
}

/** What the settings use and the grant allows, marked running or not built (none while revoked). */
export function statusFeatures(
  evaluation: GrantEvaluation,
  settings: AccessSettingsInput,
  checkError: string | null,
): ReturnType<typeof configuredFeatures> {
  return configuredFeatures(
    toOrgAccessSettings(settings),
    workingCapabilities(evaluation, checkError),
  );
}

export function featureOf(capability: Capability): string {
  return CAPABILITY_FEATURES[capability];
}
