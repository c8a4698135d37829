import { type DeltaPage, type DeltaRound, type GraphClient } from '../client';
import { type GraphUser } from '../types';

/** User properties the directory sync reads. */
export const USER_SELECT: readonly string[] = [
  'id',
  'userPrincipalName',
  'mail',
  'proxyAddresses',
  'displayName',
  'accountEnabled',
  'userType',
];

/** Largest page the directory serves. */
export const USERS_PAGE_SIZE = 999;

// users/delta takes no $top: the page size travels as a preference, re-sent on every page.
const USERS_DELTA_HEADERS = { Prefer: `odata.maxpagesize=${USERS_PAGE_SIZE}` };

/** The initial users delta URL (`$select` is encoded into the tokens that follow). */
export function usersDeltaStartUrl(client: GraphClient): string {
  return client.url('/users/delta', { $select: USER_SELECT.join(',') });
}

/** Pages of a users delta round; pass the stored deltaLink, or nothing for a full round. */
export function usersDeltaPages(
  client: GraphClient,
  deltaLink?: string,
): AsyncGenerator<DeltaPage<GraphUser>, void, undefined> {
  return client.deltaPages<GraphUser>(deltaLink ?? usersDeltaStartUrl(client), {
    headers: USERS_DELTA_HEADERS,
  });
}

/** A whole users delta round. A dead token throws DeltaExpiredError: restart without a link. */
export function usersDeltaRound(
  client: GraphClient,
  deltaLink?: string,
): Promise<DeltaRound<GraphUser>> {
  return client.deltaRound<GraphUser>(deltaLink ?? usersDeltaStartUrl(client), {
    headers: USERS_DELTA_HEADERS,
  });
}

/** Every user, 999 per page. */
export function listUsers(client: GraphClient): Promise<GraphUser[]> {
  return client.listAll<GraphUser>('/users', {
    query: { $select: USER_SELECT.join(','), $top: USERS_PAGE_SIZE },
  });
}

/** One user by id or userPrincipalName; a missing user throws a GraphRequestError with isNotFound. */
export function getUser(client: GraphClient, idOrUpn: string): Promise<GraphUser> {
  return client.get<GraphUser>(`/users/${encodeURIComponent(idOrUpn)}`, {
    query: { $select: USER_SELECT.join(',') },
  });
}
