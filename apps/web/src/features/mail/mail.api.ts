import { type MailDataRemovalReceipt, type MemberMailStatus } from '@rox365/contracts';

import { http } from '../../api/http';

export function getMyMailStatus(): Promise<MemberMailStatus> {
  return http.get<MemberMailStatus>('/mail/status/me');
}

export function getMemberMailStatus(roxUserId: string): Promise<MemberMailStatus> {
  return http.get<MemberMailStatus>(`/orgwide/mail/members/${encodeURIComponent(roxUserId)}`);
}

export function requestMailDataRemoval(
  roxUserId: string,
  reason?: string,
): Promise<MailDataRemovalReceipt> {
  return http.post<MailDataRemovalReceipt>('/orgwide/mail/data-removal-requests', {
    roxUserId,
    ...(reason ? { reason } : {}),
  });
}
