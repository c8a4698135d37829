import { type IndividualCallbackQuery, type IndividualOutcome } from '@rox365/contracts';
import { type IdentityError } from '@rox365/graph-client';

/** What Microsoft's error parameters on the redirect mean, or null when there is no error. */
export function refusalOutcome(query: IndividualCallbackQuery): IndividualOutcome | null {
  if (!query.error) return null;
  const error = query.error.toLowerCase();
  const aadsts = aadstsOf(query);
  if (error === 'access_denied' && query.error_subcode?.toLowerCase() === 'cancel') {
    return 'cancelled';
  }
  // 90095: the tenant wants an admin's approval (the member may have filed a request);
  // 90094: user consent is off and there is no request workflow; 65001: consent missing.
  if (aadsts === 90095 || aadsts === 90094 || aadsts === 65001) return 'approval_required';
  if (error === 'consent_required') return 'approval_required';
  // An account of another tenant at the org's tenant authority.
  if (aadsts === 50020) return 'wrong_tenant';
  if (error === 'access_denied' || error === 'permission_denied') return 'denied';
  return 'signin_failed';
}

/** The AADSTS number in `error_description`, if any. */
export function aadstsOf(query: Pick<IndividualCallbackQuery, 'error_description'>): number | null {
  const match = /AADSTS(\d+)/.exec(query.error_description ?? '');
  return match?.[1] ? Number(match[1]) : null;
}

/** The reason a connection waiting for an admin shows (by the AADSTS code Microsoft gave). */
export function approvalReason(aadsts: number | null): string {
  if (aadsts === 90094) {
    return 'Your Microsoft 365 organisation does not let members consent to apps, and has no approval requests: an admin must grant consent for the organisation (send them the admin-consent link).';
  }
  return 'Your Microsoft 365 organisation requires an admin to approve Rox 365 Integration. Once a Microsoft admin has approved the request, click Connect again.';
}

// Token-endpoint failures that mean the refresh token will never work again: revoked
// (sessions revoked, password reset), expired or idle, consent removed, app deleted, user gone.
const SIGN_IN_AGAIN_REASONS: ReadonlyMap<number, string> = new Map([
  [70000, 'Microsoft no longer accepts the sign-in (invalid grant).'],
  [70008, 'The sign-in expired.'],
  [50173, 'Your Microsoft sessions were revoked or your password changed.'],
  [700082, 'The sign-in expired after a long time without use.'],
  [700084, 'The sign-in expired.'],
  [65001, 'Consent for Rox was removed in Microsoft Entra, or the app was deleted.'],
  [50057, 'Your Microsoft account is disabled.'],
  [50034, 'Your Microsoft account no longer exists.'],
  [530003, 'Your organisation requires a compliant device for this sign-in.'],
]);

/**
 * Why a refresh failure means the member must sign in again, or null when it does not (network,
 * throttling, Rox's own credentials: retry or alert instead).
 */
export function signInAgainReason(error: IdentityError): string | null {
  const known = error.aadsts === null ? undefined : SIGN_IN_AGAIN_REASONS.get(error.aadsts);
  const code = error.aadsts === null ? '' : ` (AADSTS${error.aadsts})`;
  if (known) return `${known}${code} Sign in again to reconnect.`;
  // Also the app gone from the member's tenant, the tenant gone, or consent declined: retrying
  // the same refresh token can never succeed, and a new sign-in shows what the admin must do.
  const isPermanent =
    error.error === 'invalid_grant' ||
    error.kind === 'interaction_required' ||
    error.kind === 'consent_required' ||
    error.kind === 'consent_declined' ||
    error.kind === 'app_not_consented' ||
    error.kind === 'tenant_not_found';
  return isPermanent
    ? `Microsoft refused the stored sign-in${code}. Sign in again to reconnect.`
    : null;
}
