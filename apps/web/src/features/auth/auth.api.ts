import {
  type CurrentSession,
  type DevIdentityList,
  type DevSignInRequest,
  type Session,
} from '@rox365/contracts';

import { http } from '../../api/http';

export function listDemoIdentities(): Promise<DevIdentityList> {
  return http.get<DevIdentityList>('/dev/identities');
}

/** Signs this browser in: the API sets the HttpOnly session cookie every tab shares. */
export function signInAsDemoMember(request: DevSignInRequest): Promise<Session> {
  return http.post<Session>('/dev/sign-in', request);
}

/** Who is signed in in this browser (from the cookie); 401 when nobody is. */
export function getCurrentSession(): Promise<CurrentSession> {
  return http.get<CurrentSession>('/dev/session');
}

export function signOutSession(): Promise<void> {
  return http.post<void>('/dev/sign-out');
}
