// Purge and removal receipts count rows per table; people read what those rows were.
const TABLE_LABELS: Readonly<Record<string, string>> = {
  calendar_event: 'Calendar events',
  calendar_event_link: 'Calendar event copies in mailboxes',
  calendar_link_count: 'Calendar copy counts per mailbox',
  calendar_series: 'Recurring series',
  calendar_channel: 'Calendar sync states',
  calendar_change: 'Calendar change-feed entries',
  calendar_write: 'Calendar writes from Rox',
  mail_message: 'Email messages',
  mail_message_link: 'Email copies in mailboxes',
  mail_message_participant: 'Email contact index entries',
  mail_link_count: 'Email copy counts per folder',
  mail_channel: 'Mail folder sync states',
  mail_change: 'Mail change-feed entries',
  mail_org_state: 'Mail sync bookkeeping',
  mail_restricted_message: 'Emails kept out for a restricted participant',
  mail_org_count: 'Stored email count',
  mail_send: 'Emails sent from Rox',
  directory_user: 'Microsoft 365 users',
  directory_member_map: 'Member mappings',
  directory_round_seen: 'Directory sync bookkeeping',
  directory_sync_state: 'Directory sync state',
  directory_probe: 'Mailbox probe results',
  mailbox: 'Member mailboxes',
  auth_state: 'Pending sign-ins',
  orgwide_connection: 'The connection to your tenant',
  push_delivery: 'Change notices to Rox',
  push_attempt: 'Change notice attempts',
};

/** Whether a key is a table a receipt counts (`calendar_event_link`), rather than another field. */
export function isStoredDataTable(key: string): boolean {
  return Object.hasOwn(TABLE_LABELS, key);
}

/** The words for a receipt line (`calendar_event` → "Calendar events"); unknown tables humanized. */
export function storedDataLabel(table: string): string {
  const label = TABLE_LABELS[table];
  if (label) return label;
  const text = table.replaceAll('_', ' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** The synced calendar events and email messages a receipt counts (0 when it has no line). */
export function syncedDataRemoved(removed: Readonly<Record<string, number>>): {
  events: number;
  messages: number;
} {
  return { events: removed.calendar_event ?? 0, messages: removed.mail_message ?? 0 };
}

/** "1 event", "3 events". */
export function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}
