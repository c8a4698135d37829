import { type CalendarAccessLevel, type EmailAccessLevel } from '@rox365/contracts';

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

/** The label of a calendar or email level; unknown values are shown as they are. */
export function levelLabel(kind: 'calendar' | 'email', level: string): string {
  const labels: Readonly<Record<string, string>> =
    kind === 'calendar' ? CALENDAR_LEVEL_LABELS : EMAIL_LEVEL_LABELS;
  return labels[level] ?? level;
}
