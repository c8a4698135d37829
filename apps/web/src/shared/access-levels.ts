import {
  type CalendarAccessLevel,
  type CalendarMeetingDeletes,
  type EmailAccessLevel,
} from '@rox365/contracts';

// Access levels in the words people use, everywhere the SPA shows one (never `read_write`).
export const CALENDAR_LEVEL_LABELS: Readonly<Record<CalendarAccessLevel, string>> = {
  off: 'Off',
  read: 'Read only',
  read_write: 'Read and write',
};

export const EMAIL_LEVEL_LABELS: Readonly<Record<EmailAccessLevel, string>> = {
  off: 'Off',
  metadata: 'Metadata only',
  read: 'Read',
  read_send: 'Read and send',
};

// CAL-W7: whether Rox may delete (cancel) meetings with attendees in Outlook.
export const MEETING_DELETES_LABELS: Readonly<Record<CalendarMeetingDeletes, string>> = {
  confirm: 'Only when the person confirms',
  never: 'Never',
};

/** The label of a meeting-deletes setting; unknown values are shown as they are. */
export function meetingDeletesLabel(value: string): string {
  return (MEETING_DELETES_LABELS as Readonly<Record<string, string>>)[value] ?? value;
}

/** The label of a calendar or email level; unknown values are shown as they are. */
export function levelLabel(kind: 'calendar' | 'email', level: string): string {
  const labels: Readonly<Record<string, string>> =
    kind === 'calendar' ? CALENDAR_LEVEL_LABELS : EMAIL_LEVEL_LABELS;
  return labels[level] ?? level;
}
