import { type PermissionReport, type ProbeResult } from '@rox365/contracts';

export type ChecklistItemId = 'revoke_excess' | 'confirm_policies' | 'restrict_users';

export interface ChecklistItem {
  id: ChecklistItemId;
  isDone: boolean;
  /** True when Rox detects the item itself; false when the admin ticks it. */
  isDetected: boolean;
  isOptional: boolean;
}

/**
 * What is left after consent (seed 000, section 7): revoke the excess permissions, confirm the
 * tenant's Conditional Access / MFA / IP policies, and optionally restrict per-user access.
 * Detected items tick off from what Rox reads; the policy check is the admin's own confirmation.
 */
export function setupChecklist(input: {
  report: PermissionReport | null;
  probes: readonly ProbeResult[];
  overrides: number;
  policiesConfirmed: boolean;
}): ChecklistItem[] {
  const isPolicyInPlace = input.probes.some(
    (p) => p.mail === 'denied_by_policy' || p.calendar === 'denied_by_policy',
  );
  return [
    {
      id: 'revoke_excess',
      isDone:
        input.report !== null &&
        input.report.excess.length === 0 &&
        input.report.excessDelegated.length === 0,
      isDetected: true,
      isOptional: false,
    },
    {
      id: 'confirm_policies',
      isDone: input.policiesConfirmed,
      isDetected: false,
      isOptional: false,
    },
    {
      id: 'restrict_users',
      isDone: isPolicyInPlace || input.overrides > 0,
      isDetected: true,
      isOptional: true,
    },
  ];
}

const CONFIRM_KEY = 'rox365.checklist.policies-confirmed';

// The admin's own tick is a preference of this browser, per tenant; it holds nothing secret.
export function readPoliciesConfirmed(tenantId: string | null): boolean {
  if (!tenantId) return false;
  try {
    return localStorage.getItem(`${CONFIRM_KEY}.${tenantId}`) === 'yes';
  } catch {
    return false;
  }
}

export function writePoliciesConfirmed(tenantId: string | null, isConfirmed: boolean): void {
  if (!tenantId) return;
  try {
    if (isConfirmed) localStorage.setItem(`${CONFIRM_KEY}.${tenantId}`, 'yes');
    else localStorage.removeItem(`${CONFIRM_KEY}.${tenantId}`);
  } catch {
    // Storage may be off (private mode): the tick then lasts for this page only.
  }
}
