import { type ConsentOutcome } from '@rox365/contracts';
import {
  canGrantApplicationPermissions,
  IdentityError,
  IdTokenRejectedError,
  type VerifiedIdToken,
} from '@rox365/graph-client';

/** What the sign-in leg proved, or the outcome that ends the connect. */
export type SignInVerdict =
  | { ok: true; admin: VerifiedIdToken }
  | { ok: false; outcome: ConsentOutcome; details: Record<string, unknown> };

// AADSTS50020: the account is from another tenant and is not a guest of this one;
// AADSTS700005: the code was issued in another tenant than the one redeeming it.
const AADSTS_OTHER_TENANT = new Set([50020, 700005]);

/**
 * Decides whether a verified ID token proves control of the tenant: a member (not a guest) of
 * that very tenant holding a role that may grant Graph application permissions tenant-wide
 * (Global Administrator or Privileged Role Administrator).
 */
export function judgeAdmin(admin: VerifiedIdToken, tenantId: string): SignInVerdict {
  const who = { adminUsername: admin.username, adminObjectId: admin.userId };
  if (admin.tenantId !== tenantId.toLowerCase()) {
    return {
      ok: false,
      outcome: 'tenant_mismatch',
      details: { ...who, signedInTenant: admin.tenantId },
    };
  }
  if (admin.isGuest) return { ok: false, outcome: 'guest_account', details: who };
  if (!canGrantApplicationPermissions(admin)) {
    return {
      ok: false,
      outcome: 'not_tenant_admin',
      details: { ...who, roles: admin.roleTemplateIds },
    };
  }
  return { ok: true, admin };
}

/** Maps a failed sign-in completion (code redemption or ID token checks) to an outcome. */
export function signInFailure(error: unknown): SignInVerdict & { ok: false } {
  if (error instanceof IdTokenRejectedError) {
    return {
      ok: false,
      outcome: error.problem === 'tenant' ? 'tenant_mismatch' : 'signin_failed',
      details: { idTokenProblem: error.problem },
    };
  }
  if (error instanceof IdentityError) {
    if (error.aadsts !== null && AADSTS_OTHER_TENANT.has(error.aadsts)) {
      return { ok: false, outcome: 'tenant_mismatch', details: { aadsts: error.aadsts } };
    }
    return {
      ok: false,
      outcome: error.error === 'invalid_grant' ? 'signin_failed' : 'microsoft_error',
      details: { error: error.kind, aadsts: error.aadsts },
    };
  }
  return { ok: false, outcome: 'microsoft_error', details: { error: 'unexpected' } };
}
