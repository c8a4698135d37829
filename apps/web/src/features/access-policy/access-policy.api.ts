import {
  type AccessPolicyScript,
  type AccessPolicyScriptQuery,
  type ProbeResultPage,
  type Queued,
  type RunProbeRequest,
} from '@rox365/contracts';

import { http } from '../../api/http';

export function getAccessPolicyScript(
  query: Partial<AccessPolicyScriptQuery>,
): Promise<AccessPolicyScript> {
  return http.get<AccessPolicyScript>('/orgwide/access-policy/script', { query });
}

/** The same script as a streamed `.ps1` download (the session cookie goes with the link). */
export function accessPolicyScriptDownloadUrl(query: Partial<AccessPolicyScriptQuery>): string {
  return http.url('/orgwide/access-policy/script/download', query);
}

/** One page of probe results; pass the previous page's `nextCursor` for the next one. */
export function listProbeResults(cursor?: string): Promise<ProbeResultPage> {
  return http.get<ProbeResultPage>('/orgwide/probes', { query: { limit: 200, cursor } });
}

export function runProbes(request: RunProbeRequest): Promise<Queued> {
  return http.post<Queued>('/orgwide/probes', request);
}
