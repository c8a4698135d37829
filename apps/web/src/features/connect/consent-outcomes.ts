import { ConsentOutcomeSchema, type ConsentOutcome } from '@rox365/contracts';

export interface OutcomeExplanation {
  tone: 'success' | 'warning' | 'danger';
  title: string;
  reason: string;
  nextSteps: string[];
  primaryAction: { label: string; to: string };
}

const CONSOLE = { label: 'Open the admin console', to: '/console' };
const RETRY = { label: 'Start again', to: '/integrations/microsoft/connect' };

/** What each consent outcome means for the admin and what they should do next. */
export const CONSENT_OUTCOMES: Readonly<Record<ConsentOutcome, OutcomeExplanation>> = {
  connected: {
    tone: 'success',
    title: 'Microsoft Enterprise is connected',
    reason:
      'Microsoft granted Rox access to your tenant. Members can no longer connect their own Outlook mail or calendar separately; the org-wide connection covers them.',
    nextSteps: [
      'Revoke the permissions this configuration does not need in Microsoft Entra (the admin console lists them with the exact steps).',
      'Restrict Rox to the mailboxes of the people who use it with an application access policy.',
      'Run a directory sync so Rox can match Microsoft 365 users to Rox members.',
    ],
    primaryAction: CONSOLE,
  },
  connected_with_missing_permissions: {
    tone: 'warning',
    title: 'Connected, but some permissions are missing',
    reason:
      'Microsoft connected the tenant, but the grant lacks permissions this configuration needs, so some features stay off.',
    nextSteps: [
      'Open the permission report to see which permissions are missing and which features they disable.',
      'Select "Grant admin consent again" in the admin console and accept on Microsoft\'s page. You stay connected and no data is removed.',
    ],
    primaryAction: CONSOLE,
  },
  cancelled: {
    tone: 'warning',
    title: 'Consent was cancelled',
    reason:
      'The Microsoft consent page was closed or cancelled before permissions were granted. Nothing was connected.',
    nextSteps: [
      'Start the connection again when you are ready and choose Accept on the Microsoft page.',
    ],
    primaryAction: RETRY,
  },
  denied: {
    tone: 'danger',
    title: 'Consent was declined',
    reason:
      'The permissions request was declined on the Microsoft page, so Rox has no access to the tenant.',
    nextSteps: [
      'If this was not intended, start again and review the permissions before accepting.',
      'Your organisation may require an approval workflow: check Entra ID → Enterprise apps → Admin consent requests.',
    ],
    primaryAction: RETRY,
  },
  not_admin: {
    tone: 'danger',
    title: 'An administrator has to approve this',
    reason:
      'The Microsoft account that signed in cannot grant tenant-wide (application) permissions.',
    nextSteps: [
      'Sign in on the Microsoft page as a Global Administrator or Privileged Role Administrator.',
      'Or ask such an administrator to run this connection for you.',
    ],
    primaryAction: RETRY,
  },
  consent_required: {
    tone: 'warning',
    title: 'Admin consent is still required',
    reason: 'Microsoft reported that the app has not been granted consent in this tenant yet.',
    nextSteps: ['Start the connection again and accept the permissions as a tenant administrator.'],
    primaryAction: RETRY,
  },
  tenant_mismatch: {
    tone: 'danger',
    title: 'Consent came from a different tenant',
    reason:
      'The administrator who accepted belongs to a different Microsoft tenant than the one entered in the settings.',
    nextSteps: [
      'Check the tenant ID or domain in step 3 of the connection settings.',
      'Sign in to the Microsoft page with an administrator account of that tenant.',
    ],
    primaryAction: RETRY,
  },
  state_invalid: {
    tone: 'danger',
    title: 'The consent response could not be verified',
    reason:
      'The response from Microsoft did not match a connection request started here, so it was ignored for safety.',
    nextSteps: ['Start the connection again from this page, in the same browser.'],
    primaryAction: RETRY,
  },
  state_expired: {
    tone: 'warning',
    title: 'The consent link expired',
    reason:
      'Too much time passed between starting the connection and accepting on the Microsoft page.',
    nextSteps: ['Start the connection again and complete the Microsoft page within a few minutes.'],
    primaryAction: RETRY,
  },
  state_reused: {
    tone: 'warning',
    title: 'This consent link was already used',
    reason:
      'Each consent link works once. This one had already completed (for example after a page reload or the back button).',
    nextSteps: [
      'Check the admin console: the connection may already be in place.',
      'Otherwise start again.',
    ],
    primaryAction: CONSOLE,
  },
  consent_not_propagated: {
    tone: 'warning',
    title: 'Microsoft has not finished applying the consent',
    reason:
      'Consent was given, but Microsoft has not yet made the permissions available. This usually resolves within a few minutes.',
    nextSteps: ['Wait a few minutes, then use “Re-check permissions” in the admin console.'],
    primaryAction: CONSOLE,
  },
  microsoft_error: {
    tone: 'danger',
    title: 'Microsoft returned an error',
    reason: 'The Microsoft sign-in service reported an error while handling the consent.',
    nextSteps: [
      'Try again in a few minutes.',
      'If it keeps happening, contact Rox support with the time of the attempt.',
    ],
    primaryAction: RETRY,
  },
  browser_mismatch: {
    tone: 'danger',
    title: 'This connection was started in another browser',
    reason:
      'For your safety, a connection can only be finished in the browser that started it. A link opened elsewhere (or sent to you by someone else) is refused.',
    nextSteps: [
      'Start the connection again from the Rox admin console in this browser.',
      'If you did not start a connection yourself, someone may have sent you their link: do not accept it.',
    ],
    primaryAction: RETRY,
  },
  signin_failed: {
    tone: 'danger',
    title: 'Your Microsoft sign-in could not be verified',
    reason:
      'Rox could not verify the sign-in Microsoft returned (it was expired, altered or meant for another request), so nothing was connected.',
    nextSteps: ['Start the connection again and sign in on the Microsoft page.'],
    primaryAction: RETRY,
  },
  not_tenant_admin: {
    tone: 'danger',
    title: 'Sign in as a Global Administrator or Privileged Role Administrator',
    reason:
      'The Microsoft account that signed in does not hold a role that can grant Microsoft Graph application permissions for the whole tenant. Cloud Application and Application Administrators cannot grant them.',
    nextSteps: [
      'Start again and sign in with a Global Administrator or Privileged Role Administrator account of your tenant.',
      'Or ask such an administrator to run this connection for you.',
    ],
    primaryAction: RETRY,
  },
  guest_account: {
    tone: 'danger',
    title: 'A guest account cannot connect the tenant',
    reason:
      'The account that signed in is a guest in this tenant. Only a member administrator of the tenant can connect it.',
    nextSteps: [
      'Start again and sign in with an administrator account that belongs to the tenant.',
    ],
    primaryAction: RETRY,
  },
  tenant_taken: {
    tone: 'danger',
    title: 'This tenant is connected to another Rox organisation',
    reason:
      'A Microsoft 365 tenant can be connected to one Rox organisation at a time, and another organisation already holds this one.',
    nextSteps: [
      'Check that you entered the right tenant.',
      'If the other organisation should no longer hold it, ask its Rox admin to disconnect Microsoft Enterprise, or contact Rox support.',
    ],
    primaryAction: RETRY,
  },
};

/**
 * What support needs for an error outcome, from the result redirect: Rox's request id (`ref`)
 * and Microsoft's AADSTS code (`code`). Only short, plain values are shown.
 */
export function supportDetails(query: { ref?: unknown; code?: unknown }): {
  ref: string | null;
  code: string | null;
} {
  const clean = (value: unknown, pattern: RegExp) =>
    typeof value === 'string' && pattern.test(value) ? value : null;
  return {
    ref: clean(query.ref, /^[A-Za-z0-9._:-]{1,128}$/),
    code: clean(query.code, /^[A-Za-z0-9_-]{1,32}$/),
  };
}

/** The explanation for a raw `?outcome=` value; unknown values get a safe generic answer. */
export function explainOutcome(
  raw: unknown,
): OutcomeExplanation & { outcome: ConsentOutcome | null } {
  const parsed = ConsentOutcomeSchema.safeParse(raw);
  if (parsed.success) return { outcome: parsed.data, ...CONSENT_OUTCOMES[parsed.data] };
  return {
    outcome: null,
    tone: 'warning',
    title: 'The connection result is unknown',
    reason: 'This page was opened without a result Rox recognises.',
    nextSteps: ['Check the admin console for the current connection state.'],
    primaryAction: CONSOLE,
  };
}
