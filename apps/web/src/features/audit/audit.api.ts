import { type AuditPage, type ListAuditQuery } from '@rox365/contracts';

import { http } from '../../api/http';

export function listAuditEntries(query: Partial<ListAuditQuery>): Promise<AuditPage> {
  return http.get<AuditPage>('/audit', { query });
}
