import { randomUUID } from 'node:crypto';

import type { AppRegistration } from '../state/app';
import { canConsentForOrganization } from '../state/directory-roles';
import type { EmulatorState } from '../state/emulator-state';
import type { ConsentNotification, ConsentRequest, UserRecord } from '../state/model';
import type { TenantState } from '../state/tenant';

// The admin consent request workflow: a member files a request from "Approval required", a reviewer
// approves (consents tenant-wide) or denies it, and Entra emails the people involved. Entra keeps
// one request per app with every requester under it, so a decision covers all pending requesters.

function notify(
  state: EmulatorState,
  tenant: TenantState,
  n: Omit<ConsentNotification, 'id' | 'createdDateTime'>,
): void {
  tenant.consentNotifications.push({
    id: randomUUID(),
    createdDateTime: state.now().toISOString(),
    ...n,
  });
}

/** The user's request for this app that nobody has reviewed yet, if any. */
export function pendingRequestOf(
  tenant: TenantState,
  appId: string,
  userId: string,
): ConsentRequest | undefined {
  return tenant.consentRequests.find(
    (r) => r.appId === appId && r.requestedBy === userId && r.status === 'InProgress',
  );
}

/** Files a request (one pending per user and app) and emails the reviewers. */
export function fileConsentRequest(
  state: EmulatorState,
  tenant: TenantState,
  app: AppRegistration,
  user: UserRecord,
  scopes: string[],
  justification: string,
): ConsentRequest {
  const existing = pendingRequestOf(tenant, app.clientId, user.id);
  if (existing) return existing;
  const request: ConsentRequest = {
    id: randomUUID(),
    appId: app.clientId,
    requestedBy: user.id,
    requestedByUpn: user.userPrincipalName,
    justification,
    scopes,
    createdDateTime: state.now().toISOString(),
    status: 'InProgress',
  };
  tenant.consentRequests.push(request);
  notify(state, tenant, {
    kind: 'requestFiled',
    to: 'reviewers',
    appId: app.clientId,
    appDisplayName: app.displayName,
    requestId: request.id,
    subject: `${user.displayName} requested access to ${app.displayName}`,
  });
  return request;
}

/** Requests still pending for the same app as `request` (the one Entra request they form). */
function pendingForApp(tenant: TenantState, request: ConsentRequest): ConsentRequest[] {
  return tenant.consentRequests.filter(
    (r) => r.appId === request.appId && r.status === 'InProgress',
  );
}

/**
 * "Review permissions and consent" → Accept: consents tenant-wide (AllPrincipals) to what the
 * pending requests asked for, completes them and emails each requester.
 */
export function approveConsentRequest(
  state: EmulatorState,
  tenant: TenantState,
  request: ConsentRequest,
  reviewerUpn: string,
): ConsentRequest[] {
  const app = state.findApp(request.appId);
  if (!app) return [];
  const pending = pendingForApp(tenant, request);
  if (pending.length === 0) return [];
  tenant.ensureServicePrincipal(app, state.now());
  tenant.grantDelegated(app.clientId, 'AllPrincipals', [
    ...new Set(pending.flatMap((r) => r.scopes)),
  ]);
  const at = state.now().toISOString();
  for (const r of pending) {
    r.status = 'Completed';
    r.reviewedBy = reviewerUpn;
    r.reviewedDateTime = at;
    notify(state, tenant, {
      kind: 'requestApproved',
      to: r.requestedByUpn,
      appId: app.clientId,
      appDisplayName: app.displayName,
      requestId: r.id,
      subject: `Your request to access ${app.displayName} has been approved`,
    });
  }
  return pending;
}

/** Deny: a reason is required and is sent to every pending requester; nothing is granted. */
export function denyConsentRequest(
  state: EmulatorState,
  tenant: TenantState,
  request: ConsentRequest,
  reviewerUpn: string,
  reason: string,
): ConsentRequest[] {
  const pending = pendingForApp(tenant, request);
  const at = state.now().toISOString();
  const appName = state.findApp(request.appId)?.displayName ?? request.appId;
  for (const r of pending) {
    r.status = 'Denied';
    r.reviewedBy = reviewerUpn;
    r.reviewedDateTime = at;
    r.reviewReason = reason;
    notify(state, tenant, {
      kind: 'requestDenied',
      to: r.requestedByUpn,
      appId: r.appId,
      appDisplayName: appName,
      requestId: r.id,
      subject: `Your request to access ${appName} has been denied`,
      reason,
    });
  }
  return pending;
}

/**
 * The admin the emulated portal acts as (it has no sign-in): the tenant's first user who may
 * consent for the organisation.
 */
export function portalAdmin(tenant: TenantState): UserRecord | undefined {
  return tenant.users.page(0, 1, (u) => u.userType === 'Member' && canConsentForOrganization(u))
    .items[0];
}
