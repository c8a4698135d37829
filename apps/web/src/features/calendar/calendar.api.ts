import { type CalendarChannelStatus, type MyCalendarSync } from '@rox365/contracts';

import { http } from '../../api/http';

export function getMyCalendarSync(): Promise<MyCalendarSync> {
  return http.get<MyCalendarSync>('/calendar/me');
}

export function getMemberCalendarChannel(roxUserId: string): Promise<CalendarChannelStatus> {
  return http.get<CalendarChannelStatus>(`/calendar/channels/${encodeURIComponent(roxUserId)}`);
}
