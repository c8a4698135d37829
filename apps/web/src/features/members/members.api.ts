import {
  type ListMemberSyncStatusQuery,
  type MemberSyncStatus,
  type MemberSyncStatusPage,
  type OrgwideSettings,
  type PutMemberOverrideRequest,
} from '@rox365/contracts';

import { http } from '../../api/http';

export function listMemberSyncStatus(
  query: Partial<ListMemberSyncStatusQuery>,
): Promise<MemberSyncStatusPage> {
  return http.get<MemberSyncStatusPage>('/orgwide/members', { query });
}

export function getMySyncStatus(): Promise<MemberSyncStatus> {
  return http.get<MemberSyncStatus>('/orgwide/members/me');
}

export function putMemberOverride(
  roxUserId: string,
  request: PutMemberOverrideRequest,
): Promise<OrgwideSettings> {
  return http.put<OrgwideSettings>(`/orgwide/overrides/${encodeURIComponent(roxUserId)}`, request);
}

export function deleteMemberOverride(roxUserId: string): Promise<void> {
  return http.delete<void>(`/orgwide/overrides/${encodeURIComponent(roxUserId)}`);
}
