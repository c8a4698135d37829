import { covers, isApplicationPermission, type ApplicationPermission } from './permissions';
import { type CalendarAccess, type EmailAccess } from './settings';

/** What Rox can do in a tenant, independent of which permission provides it. */
export type Capability =
  | 'directory_sync'
  | 'calendar_read'
  | 'calendar_write'
  | 'calendar_time_zone'
  | 'mail_metadata'
  | 'mail_content'
  | 'mail_send';

/** Capabilities in display order. */
export const CAPABILITIES: readonly Capability[] = [
  'directory_sync',
  'calendar_read',
  'calendar_write',
  'calendar_time_zone',
  'mail_metadata',
  'mail_content',
  'mail_send',
];

/** What each capability means for the product, for admin-facing text. */
export const CAPABILITY_FEATURES: Readonly<Record<Capability, string>> = {
  directory_sync:
    'Directory sync: match Microsoft 365 users to Rox members and find their mailboxes',
  calendar_read: 'Calendar sync from Outlook into Rox',
  calendar_write: 'Two-way calendar sync: create, update and delete Outlook events from Rox',
  calendar_time_zone:
    "Calendar writes in each member's own time zone, read from their mailbox settings (without it, events Rox writes are in UTC)",
  mail_metadata:
    'Email activity tracking from message metadata (sender, recipients, subject, dates)',
  mail_content: 'Email content sync: message bodies and attachments',
  mail_send: 'Sending email from Rox as the member',
};

/**
 * Capabilities Rox actually runs today. A grant or a setting that allows something not listed
 * here must not be presented as something Rox does. Add a capability here in the same change
 * that ships its sync (calendar in apps/api/src/calendar; mail metadata and content sync, and
 * send, in apps/api/src/mail).
 */
export const RUNNING_CAPABILITIES: readonly Capability[] = [
  'directory_sync',
  // Calendar: Outlook → Rox pull and Rox → Outlook writes (apps/api/src/calendar).
  'calendar_read',
  'calendar_write',
  // The mailbox's time zone for those writes (CAL-W1, apps/api/src/calendar/calendar-write.service.ts).
  'calendar_time_zone',
  'mail_metadata',
  'mail_content',
  'mail_send',
];

/** True when Rox ships (and runs) the sync behind `capability`. */
export function isRunningCapability(capability: Capability): boolean {
  return RUNNING_CAPABILITIES.includes(capability);
}

/** The least-privileged application permission that provides each capability. */
export const CAPABILITY_MINIMUM_PERMISSION: Readonly<Record<Capability, ApplicationPermission>> = {
  directory_sync: 'User.Read.All',
  calendar_read: 'Calendars.Read',
  calendar_write: 'Calendars.ReadWrite',
  calendar_time_zone: 'MailboxSettings.Read',
  mail_metadata: 'Mail.ReadBasic.All',
  mail_content: 'Mail.Read',
  mail_send: 'Mail.Send',
};

/** Capabilities each calendar level relies on. */
export const CALENDAR_ACCESS_CAPABILITIES: Readonly<Record<CalendarAccess, readonly Capability[]>> =
  {
    off: [],
    read: ['calendar_read'],
    read_write: ['calendar_read', 'calendar_write'],
  };

/**
 * Capabilities a calendar level uses without depending on them: the level still runs without
 * them, only less well (two-way sync writes events in UTC when it cannot read the mailbox's time
 * zone). The consent asks for them and a grant lacking them reports them missing, but they never
 * clamp the level (see {@link CALENDAR_ACCESS_CAPABILITIES} for what does).
 */
export const CALENDAR_ACCESS_SUPPORT_CAPABILITIES: Readonly<
  Record<CalendarAccess, readonly Capability[]>
> = {
  off: [],
  read: [],
  read_write: ['calendar_time_zone'],
};

/** Capabilities each email level relies on. Sending keeps the sent copy through Sent Items reads. */
export const EMAIL_ACCESS_CAPABILITIES: Readonly<Record<EmailAccess, readonly Capability[]>> = {
  off: [],
  metadata: ['mail_metadata'],
  read: ['mail_metadata', 'mail_content'],
  read_send: ['mail_metadata', 'mail_content', 'mail_send'],
};

/** True when some permission in `granted` provides `capability`. */
export function hasCapability(
  granted: Iterable<ApplicationPermission>,
  capability: Capability,
): boolean {
  const minimum = CAPABILITY_MINIMUM_PERMISSION[capability];
  for (const permission of granted) {
    if (covers(permission, minimum)) return true;
  }
  return false;
}

/**
 * The capabilities a set of granted application permissions provides (e.g. the `roles` claim of
 * an app-only token). Unknown names are ignored.
 */
export function capabilitiesFromPermissions(granted: Iterable<string>): Capability[] {
  const known = [...granted].filter(isApplicationPermission);
  return CAPABILITIES.filter((capability) => hasCapability(known, capability));
}

/** Capabilities whose minimum permission is `permission` or is covered by it. */
export function capabilitiesProvidedBy(permission: ApplicationPermission): Capability[] {
  return CAPABILITIES.filter((c) => covers(permission, CAPABILITY_MINIMUM_PERMISSION[c]));
}
