import type { EmulatorState } from '../state/emulator-state';
import type { TenantState } from '../state/tenant';

/**
 * Entra's "Revoke sessions" (Graph revokeSignInSessions): every refresh token the user holds, for
 * any app, stops working (AADSTS50173), and so do their browser sign-in sessions. Tokens issued
 * afterwards work.
 */
export function revokeSignInSessions(
  state: EmulatorState,
  tenant: TenantState,
  userId: string,
  appId?: string,
): { revoked: number; tokensValidFromDateTime: string } {
  const nowMs = state.nowMs();
  let revoked = 0;
  for (const rt of state.refreshTokens.values()) {
    if (rt.tenantId !== tenant.id || rt.userId !== userId || rt.revoked) continue;
    if (appId && rt.clientId !== appId) continue;
    rt.revoked = true;
    revoked++;
  }
  if (!appId) {
    state.tokensValidFrom.set(`${tenant.id}|${userId}`, nowMs);
    for (const [id, s] of state.sessions)
      if (s.tenantId === tenant.id && s.userId === userId) state.sessions.delete(id);
  }
  return { revoked, tokensValidFromDateTime: new Date(nowMs).toISOString() };
}
