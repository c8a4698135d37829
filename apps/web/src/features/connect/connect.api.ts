import {
  type ConnectResponse,
  type OrgwideSettings,
  type UpdateOrgwideSettingsRequest,
} from '@rox365/contracts';

import { http } from '../../api/http';

export function getOrgwideSettings(): Promise<OrgwideSettings> {
  return http.get<OrgwideSettings>('/orgwide/settings');
}

export function saveOrgwideSettings(
  request: UpdateOrgwideSettingsRequest,
): Promise<OrgwideSettings> {
  return http.put<OrgwideSettings>('/orgwide/settings', request);
}

export function startOrgwideConnect(): Promise<ConnectResponse> {
  return http.post<ConnectResponse>('/orgwide/connect');
}
