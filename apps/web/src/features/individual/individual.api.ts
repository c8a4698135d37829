import {
  type CreateIndividualConnectionRequest,
  type IndividualCheckResult,
  type IndividualConnection,
  type IndividualConnectionList,
  type IndividualConnectStart,
  type IndividualDisconnectReceipt,
} from '@rox365/contracts';

import { http } from '../../api/http';

/** Starts (or resumes) the caller's connection; the answer carries Microsoft's sign-in link. */
export function startIndividualConnection(
  request: CreateIndividualConnectionRequest,
): Promise<IndividualConnectStart> {
  return http.post<IndividualConnectStart>('/individual-connections', request);
}

/** The caller's own connections, or (admins) every member's. */
/** One page of connections (the caller's own, or with `all` every member's), oldest first. */
export function listIndividualConnections(
  all = false,
  cursor?: string,
  options: { liveOnly?: boolean } = {},
): Promise<IndividualConnectionList> {
  return http.get<IndividualConnectionList>('/individual-connections', {
    query: {
      limit: String(CONNECTIONS_PAGE_SIZE),
      ...(all ? { all: 'true' } : {}),
      ...(options.liveOnly ? { live: 'true' } : {}),
      ...(cursor ? { cursor } : {}),
    },
  });
}

/** The API's largest page: a member's own connections always fit in one. */
export const CONNECTIONS_PAGE_SIZE = 200;

export function checkIndividualConnection(id: string): Promise<IndividualCheckResult> {
  return http.post<IndividualCheckResult>(
    `/individual-connections/${encodeURIComponent(id)}/check`,
  );
}

export function disconnectIndividualConnection(id: string): Promise<IndividualDisconnectReceipt> {
  return http.delete<IndividualDisconnectReceipt>(
    `/individual-connections/${encodeURIComponent(id)}`,
  );
}

export function allowIndividualAccount(id: string): Promise<IndividualConnection> {
  return http.post<IndividualConnection>(
    `/individual-connections/${encodeURIComponent(id)}/allow-account`,
  );
}
