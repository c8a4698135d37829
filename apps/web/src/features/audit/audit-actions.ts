// The API records dotted action codes (`orgwide.disconnected`); admins read what happened. The
// code stays on screen, small, because the filter takes codes.
// Codes the API no longer writes keep their label: old entries still carry them.
const ACTION_LABELS: Readonly<Record<string, string>> = {
  // Org-wide connection and its settings
  'orgwide.connect-started': 'Org-wide connection started',
  'orgwide.admin-verified': 'Microsoft 365 admin verified',
  'orgwide.consent-outcome': 'Org-wide consent finished',
  'orgwide.connected': 'Org-wide connection connected',
  'orgwide.disconnected': 'Org-wide connection disconnected',
  'orgwide.permissions-changed': 'Granted permissions changed',
  'orgwide.settings-updated': 'Connection settings changed',
  'orgwide.override-set': 'Member’s sync settings overridden',
  'orgwide.override-removed': 'Member’s sync override removed',
  // Members' own Outlook connections
  'individual-connections.connect-started': 'Outlook connection started',
  'individual-connections.sign-in-outcome': 'Outlook sign-in finished',
  'individual-connections.created': 'Outlook connection created',
  'individual-connections.account-allowed': 'Different Microsoft account allowed',
  'individual-connections.sign-in-required': 'Outlook connection needs a new sign-in',
  'individual-connections.disconnected': 'Outlook connection disconnected',
  'individual-connections.revoked': 'Outlook connection revoked by an admin',
  'individual-connections.superseded': 'Outlook connections replaced by the org-wide connection',
  // Directory and mailbox checks
  'directory.sync-requested': 'Directory sync requested',
  'directory.synced': 'Directory synced',
  'directory.probe-requested': 'Mailbox access check requested',
  'directory.probed': 'Mailbox access checked',
  // Members
  'members.create': 'Member added',
  'members.update': 'Member changed',
  'members.delete': 'Member removed',
  'members.data-purged': 'Removed member’s synced data deleted',
  // Calendar
  'calendar.mailbox_purged': 'Calendar data removed for a member',
  'calendar.restricted_purged': 'Meetings with restricted people removed',
  'calendar.write_conflict': 'Calendar change from Rox conflicted with Outlook',
  // Mail
  'mail.mailbox_purged': 'Email data removed for a member',
  'mail.folder_purged': 'Emails removed from a folder no longer synced',
  'mail.restricted_purged': 'Emails with restricted people removed',
  'mail.data_removed': 'Email data removed on request',
  'mail.body_read': 'Email body opened',
  'mail.attachment_read': 'Email attachment opened',
  'mail.send_requested': 'Email send requested',
  'mail.send_sent': 'Email sent',
  'mail.send_failed': 'Email not sent',
  'mail.send_unknown_delivery': 'Email delivery unknown',
  // Microsoft's change notifications and Rox's change notices
  'notifications.rejected': 'Microsoft change notification rejected',
  'push.endpoint_created': 'Change-notice receiver registered',
  'push.endpoint_deleted': 'Change-notice receiver removed',
  'push.secret_rotated': 'Change-notice receiver’s signing secret replaced',
  'push.redelivery_requested': 'Change notice sent again',
};

/** What an action code means in words; an unknown code is shown as it is. */
export function actionLabel(code: string): string {
  return Object.hasOwn(ACTION_LABELS, code) ? (ACTION_LABELS[code] ?? code) : code;
}

/** The API's limit on the `action` filter (ListAuditQuerySchema). */
export const ACTION_FILTER_MAX_LENGTH = 100;

const CODE_CHARS = /^[a-z0-9_.*-]*$/;

/**
 * Why an action filter can match nothing, in words; undefined when it is fine (or empty). The
 * API takes any text and compares it exactly, so a typo would silently show an empty log.
 */
export function actionFilterError(text: string): string | undefined {
  const value = text.trim();
  if (value === '') return undefined;
  if (value.length > ACTION_FILTER_MAX_LENGTH) {
    return `At most ${ACTION_FILTER_MAX_LENGTH} characters: action codes are short, like orgwide.disconnected.`;
  }
  if (/\s/.test(value)) {
    return 'Action codes have no spaces: type one code, like mail.folder_purged, or a prefix like mail.*.';
  }
  if (/[A-Z]/.test(value)) return `Action codes are lower case: try ${value.toLowerCase()}.`;
  if (!CODE_CHARS.test(value)) {
    return 'Action codes use only lower-case letters, digits, dots, “_” and “-”, like orgwide.disconnected.';
  }
  const isPrefix = value.endsWith('.*');
  const words = (isPrefix ? value.slice(0, -2) : value).split('.');
  if (words.some((word) => word.includes('*'))) {
    return 'Use * only at the end, after a dot: orgwide.* lists every orgwide action.';
  }
  if (words.some((word) => word === '')) {
    return 'Put a word on each side of every dot, like orgwide.disconnected or orgwide.*.';
  }
  if (!isPrefix && words.length === 1) {
    return `Action codes have a dot, like orgwide.disconnected; type ${value}.* for every ${value} action.`;
  }
  return undefined;
}
