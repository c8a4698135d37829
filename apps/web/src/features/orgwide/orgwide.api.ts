import {
  type ConnectResponse,
  type OrgwideStatus,
  type PermissionReport,
  type PurgeReceipt,
  type Queued,
} from '@rox365/contracts';

import { http } from '../../api/http';

export function getOrgwideStatus(): Promise<OrgwideStatus> {
  return http.get<OrgwideStatus>('/orgwide/status');
}

export function getPermissionReport(): Promise<PermissionReport> {
  return http.get<PermissionReport>('/orgwide/permissions');
}

/** Queues a fresh check against Microsoft Entra; the report changes when the job has run. */
export function recheckPermissions(): Promise<Queued> {
  return http.post<Queued>('/orgwide/permissions/recheck');
}

export function startDirectorySync(): Promise<Queued> {
  return http.post<Queued>('/orgwide/directory/sync');
}

export function disconnectOrgwide(): Promise<PurgeReceipt> {
  return http.delete<PurgeReceipt>('/orgwide/connection');
}

/**
 * A fresh admin-consent link for the tenant already connected: granting consent again restores
 * revoked permissions without disconnecting, so nothing is purged.
 */
export function startReconsent(): Promise<ConnectResponse> {
  return http.post<ConnectResponse>('/orgwide/connect');
}
