import {
  type CreateIndividualConnectionRequest,
  type IndividualConnection,
} from '@rox365/contracts';

import { http } from '../../api/http';

export function createIndividualConnection(
  request: CreateIndividualConnectionRequest,
): Promise<IndividualConnection> {
  return http.post<IndividualConnection>('/individual-connections', request);
}

/** The caller's own individual connections. */
export function listMyIndividualConnections(): Promise<{ items: IndividualConnection[] }> {
  return http.get<{ items: IndividualConnection[] }>('/individual-connections');
}
