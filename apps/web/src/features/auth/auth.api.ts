import { type DevIdentityList, type DevSignInRequest, type Session } from '@rox365/contracts';

import { http } from '../../api/http';

export function listDemoIdentities(): Promise<DevIdentityList> {
  return http.get<DevIdentityList>('/dev/identities');
}

export function signInAsDemoMember(request: DevSignInRequest): Promise<Session> {
  return http.post<Session>('/dev/sign-in', request);
}
