import { type Member, type MemberPage } from '@rox365/contracts';

import { http } from '../../api/http';

export function getMember(roxUserId: string): Promise<Member> {
  return http.get<Member>(`/members/${encodeURIComponent(roxUserId)}`);
}

export function searchMembers(q: string, limit = 8): Promise<MemberPage> {
  return http.get<MemberPage>('/members', { query: { q, limit } });
}
