import type { TenantSpec } from './seed/tenant-spec';
import type { ConsentPolicy } from './state/tenant';

function onOff(flag: string, value: string | undefined): boolean | undefined {
  if (value === undefined) return undefined;
  if (value === 'on' || value === 'off') return value === 'on';
  throw new Error(`--${flag} takes on or off, not '${value}'`);
}

/** The --user-consent / --admin-consent-workflow flags as startEmulator's consentPolicies. */
export function consentPoliciesOf(
  values: {
    'user-consent'?: string | undefined;
    'user-consent-tenant'?: string[] | undefined;
    'admin-consent-workflow'?: string | undefined;
  },
  specs: TenantSpec[],
): Record<string, Partial<ConsentPolicy>> {
  const userConsent = onOff('user-consent', values['user-consent']);
  const workflow = onOff('admin-consent-workflow', values['admin-consent-workflow']);
  if (userConsent === undefined && workflow === undefined) return {};
  const policy: Partial<ConsentPolicy> = {};
  if (userConsent !== undefined) policy.userConsent = userConsent ? 'allowed' : 'notAllowed';
  // Turning user consent off is for showing the approval path, so the workflow comes on with it.
  const workflowOn = workflow ?? (userConsent === false ? true : undefined);
  if (workflowOn !== undefined) policy.adminConsentWorkflow = workflowOn;
  const first = specs[0];
  const targets =
    values['user-consent-tenant'] ??
    (first ? [first.id ?? `${(first.domain ?? 'contoso').toLowerCase()}.onmicrosoft.com`] : []);
  return Object.fromEntries(targets.map((t) => [t, policy]));
}
