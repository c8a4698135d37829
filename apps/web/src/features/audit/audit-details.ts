import {
  type ConsentOutcome,
  type IndividualKind,
  type IndividualOutcome,
} from '@rox365/contracts';

import { levelLabel, meetingDeletesLabel } from '../../shared/access-levels';
import { formatDateTime, humanize } from '../../shared/format';
import { folderLabel } from '../../shared/mail-folders';
import { toUnicodeDomain } from '../../shared/punycode';
import { isStoredDataTable, storedDataLabel } from '../../shared/stored-data';
import { PROBE_OUTCOME_LABELS } from '../access-policy/probe-outcomes';
import { INDIVIDUAL_STATUS_BADGES } from '../individual/individual-status';
import { EVENT_LABELS } from '../push/push-wording';

export interface DetailLine {
  label: string;
  /** The value, or `before → after` for a change. */
  value: string;
}

const LABELS: Readonly<Record<string, string>> = {
  // Settings and overrides (before → after)
  calendarAccess: 'Calendar access',
  calendarMeetingDeletes: 'Deleting meetings with attendees from Rox',
  emailAccess: 'Email access',
  restrictedDomains: 'Restricted domains',
  restrictedUsers: 'Users whose email is never synced',
  extraMailFolders: 'Mail folders synced besides Inbox and Sent Items',
  tenant: 'Tenant',
  tenantId: 'Tenant ID',
  displayName: 'Name',
  // Connecting
  purpose: 'Purpose',
  stage: 'Step',
  outcome: 'Outcome',
  error: 'Error',
  aadsts: 'Microsoft error code',
  expiresAt: 'Link valid until',
  adminUsername: 'Admin account',
  adminObjectId: 'Admin object ID',
  roles: 'Entra roles',
  signedInTenant: 'Tenant signed in to',
  requestedTenantId: 'Tenant ID asked for',
  idTokenProblem: 'Sign-in token problem',
  grantedPermissions: 'Granted permissions',
  missingPermissions: 'Missing permissions',
  granted: 'Granted permissions',
  added: 'Added',
  removed: 'Removed',
  checkError: 'Permission check failed',
  disabledFeatures: 'Features now off',
  microsoftAccount: 'Microsoft account',
  account: 'Microsoft account',
  expectedEmail: 'Rox email',
  status: 'Connection status',
  level: 'Access level',
  scopes: 'Permissions asked for',
  ids: 'Connection IDs',
  tokensDeleted: 'Sign-ins deleted',
  statesDeleted: 'Unfinished sign-ins cancelled',
  // Disconnecting and purges
  disconnectedAt: 'Disconnected at',
  totalRemoved: 'Rows removed in total',
  jobsStopped: 'Background jobs stopped',
  entraSteps: 'To remove the app from Entra',
  reason: 'Reason',
  folder: 'Folder',
  links: 'Email copies removed',
  messages: 'Email messages removed',
  channels: 'Mail folder sync states removed',
  domains: 'Restricted domains',
  users: 'Restricted users',
  // Directory and mailbox checks
  jobId: 'Job ID',
  roxUserIds: 'Members',
  roxUserId: 'Member',
  all: 'Every member',
  directoryUserId: 'Microsoft 365 user ID',
  mail: 'Email access check',
  calendar: 'Calendar access check',
  nextAction: 'Next step',
  full: 'Full sync',
  // Mail reads and sends
  attachmentId: 'Attachment ID',
  via: 'Read through the mailbox of',
  size: 'Size',
  contentType: 'File type',
  mode: 'Sent as',
  isReply: 'Reply',
  attachmentBytes: 'Attachments’ size',
  // Notifications, change notices, calendar writes
  type: 'Notification type',
  lifecycleEvent: 'Lifecycle event',
  endpointId: 'Receiver ID',
  eventType: 'Notice',
  eventTypes: 'Notices',
  url: 'Receiver URL',
  writeId: 'Write ID',
  fields: 'Fields changed on both sides',
};

// Outcomes of both consent flows and of queueing work: one wording per code.
const OUTCOMES: Readonly<
  Record<
    ConsentOutcome | IndividualOutcome | 'queued' | 'already_queued' | 'rerun_requested',
    string
  >
> = {
  connected: 'Connected',
  connected_with_missing_permissions: 'Connected, some permissions missing',
  cancelled: 'Cancelled on Microsoft’s page',
  denied: 'Declined on Microsoft’s page',
  not_admin: 'Signed in without admin rights',
  consent_required: 'Admin consent required',
  tenant_mismatch: 'Signed in to another tenant',
  state_invalid: 'Link not valid',
  state_expired: 'Link expired',
  state_reused: 'Link already used',
  consent_not_propagated: 'Consent not active at Microsoft yet',
  microsoft_error: 'Microsoft reported an error',
  browser_mismatch: 'Finished in another browser',
  signin_failed: 'Sign-in failed',
  not_tenant_admin: 'Not an admin of the tenant',
  guest_account: 'Signed in with a guest account',
  tenant_taken: 'Tenant connected to another Rox organisation',
  account_mismatch: 'A different Microsoft account signed in',
  approval_required: 'Admin approval required',
  wrong_tenant: 'Account of another tenant',
  mailbox_not_enabled: 'No Exchange Online mailbox',
  orgwide_connected: 'Already covered by the org-wide connection',
  admin_consent_granted: 'Admin consent granted',
  admin_consent_not_granted: 'Admin consent not granted',
  queued: 'Queued',
  already_queued: 'Already queued',
  rerun_requested: 'Runs again after the current run',
};

const REASONS: Readonly<Record<string, string>> = {
  left_scope: 'The member left sync scope',
  no_longer_in_scope: 'The member is no longer in sync scope',
  folder_not_synced: 'The folder is no longer synced',
  unknown_subscription: 'Rox does not know this subscription',
  client_state_mismatch: 'The notification’s secret did not match',
  out_of_scope: 'The mailbox is no longer in sync scope',
  MAIL_SEND_NOT_ALLOWED: 'Sending is not allowed for this member',
  MAIL_SEND_NOT_AUTHORIZED:
    'Microsoft gave Rox no token for this mailbox (the app’s consent or credentials, or the member’s sign-in, are gone); nothing was sent',
  MAIL_SEND_INTERRUPTED: 'Interrupted while sending; Rox cannot tell whether it went out',
  MAIL_SEND_ANSWER_LOST: 'Microsoft’s answer was lost; Rox cannot tell whether it went out',
  MAIL_SEND_DRAFT_GONE:
    'The draft was gone when Rox sent it, with no sent copy to show; Rox cannot tell whether it went out',
};

const ERRORS: Readonly<Record<string, string>> = {
  access_denied: 'Access denied',
  code_missing: 'Microsoft sent no authorisation code',
  admin_consent_missing: 'Microsoft did not confirm admin consent',
  no_id_token: 'Microsoft sent no ID token',
  no_refresh_token: 'Microsoft sent no refresh token',
  disconnected: 'The connection was removed meanwhile',
  unexpected: 'Unexpected error',
  consent_revoked: 'Admin consent was revoked',
};

const KINDS: Readonly<Record<IndividualKind, string>> = { calendar: 'Calendar', mail: 'Email' };

// Entra's role template ids (the `wids` claim): the roles that can connect, and the one every
// member of a tenant has.
const ENTRA_ROLES: Readonly<Record<string, string>> = {
  'b79fbf4d-3ef9-4689-8143-76b194e85509': 'User',
  '62e90394-69f5-4237-9190-012177145e10': 'Global Administrator',
  'e8611ab8-c189-46e8-94e1-60213ab1f814': 'Privileged Role Administrator',
  '158c047a-c907-4556-b7ef-446551a6b5f7': 'Cloud Application Administrator',
  '9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3': 'Application Administrator',
};

const PROBES: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(PROBE_OUTCOME_LABELS).map(([code, { label }]) => [code, label]),
);

// Known values of a key in words; values not listed are shown as they are.
const VALUE_WORDS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  outcome: OUTCOMES,
  reason: REASONS,
  error: ERRORS,
  checkError: ERRORS,
  kind: KINDS,
  status: Object.fromEntries(
    Object.entries(INDIVIDUAL_STATUS_BADGES).map(([code, { label }]) => [code, label]),
  ),
  mail: PROBES,
  calendar: PROBES,
  stage: { sign_in: 'Admin sign-in', consent: 'Admin consent' },
  purpose: { connect: 'First connection', reconsent: 'Grant admin consent again' },
  mode: { draft: 'A draft, then sent', send_mail: 'Sent directly' },
  role: { admin: 'Admin', member: 'Member' },
  type: { change: 'Change', lifecycle: 'Subscription lifecycle' },
  lifecycleEvent: {
    missed: 'Notifications were missed',
    subscriptionRemoved: 'Microsoft removed the subscription',
    reauthorizationRequired: 'Microsoft asked to authorise the subscription again',
  },
  roles: ENTRA_ROLES,
  eventType: EVENT_LABELS,
  eventTypes: EVENT_LABELS,
  // Individual levels are calendar or email levels: `read` is worded for both.
  level: {
    read: 'Read',
    read_write: 'Read and write',
    metadata: 'Metadata only',
    read_send: 'Read and send',
  },
};

function wordFor(key: string, value: string): string | undefined {
  const words = VALUE_WORDS[key];
  return words && Object.hasOwn(words, value) ? words[value] : undefined;
}

function label(key: string, value?: unknown): string {
  // Purge receipts count rows per table (`calendar_event_link: 3`).
  if (typeof value === 'number' && isStoredDataTable(key)) return `${storedDataLabel(key)} removed`;
  // Lists of added or removed are permissions (a directory sync counts, a purge maps tables).
  if ((key === 'added' || key === 'removed') && Array.isArray(value))
    return key === 'added' ? 'Permissions added' : 'Permissions removed';
  return LABELS[key] ?? humanize(key.replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase());
}

/** 532 → "532 bytes", 2048 → "2 KB", 3.5 MB → "3.5 MB". */
function bytes(n: number): string {
  if (n < 1024) return `${n} bytes`;
  const [size, unit] = n < 1024 * 1024 ? [n / 1024, 'KB'] : [n / (1024 * 1024), 'MB'];
  return `${Number(size.toFixed(1))} ${unit}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isCountMap(value: unknown): value is Record<string, number> {
  return isRecord(value) && Object.values(value).every((v) => typeof v === 'number');
}

/** Turns a Rox user id into "Name (email)", when the page knows that person. */
export type NameOf = (id: string) => string | null;

/**
 * One value in words: known codes as labels (outcomes, reasons, levels), domains as typed,
 * people by name, counts per table by what the rows were, lists joined; unknown values as is.
 */
export function formatValue(key: string, value: unknown, nameOf: NameOf = () => null): string {
  if (value === null || value === undefined) {
    // Only a member override leaves a level unset: the organisation's setting applies.
    return key === 'calendarAccess' || key === 'emailAccess' ? 'Organisation setting' : '—';
  }
  if (typeof value === 'string' && nameOf(value)) return nameOf(value) ?? value;
  if (key === 'calendarAccess' && typeof value === 'string') return levelLabel('calendar', value);
  if (key === 'emailAccess' && typeof value === 'string') return levelLabel('email', value);
  if (key === 'calendarMeetingDeletes' && typeof value === 'string')
    return meetingDeletesLabel(value);
  if (key === 'folder' && typeof value === 'string') return folderLabel(value);
  if (key === 'aadsts' && typeof value === 'number') return `AADSTS${value}`;
  if ((key === 'size' || key === 'attachmentBytes') && typeof value === 'number')
    return bytes(value);
  if (key.endsWith('At') && typeof value === 'string') return formatDateTime(value);
  if (key === 'reason' && typeof value === 'string' && /^GRAPH_\d{3}$/.test(value))
    return `Microsoft Graph answered HTTP ${value.slice(6)}`;
  if (Array.isArray(value)) {
    if (value.length === 0) return 'none';
    if (key === 'entraSteps') return value.map((step, i) => `${i + 1}. ${String(step)}`).join(' ');
    const items = value.map((v) =>
      typeof v === 'string' ? (nameOf(v) ?? wordFor(key, v) ?? v) : JSON.stringify(v),
    );
    return (
      key === 'restrictedDomains' || key === 'domains' ? items.map(toUnicodeDomain) : items
    ).join(', ');
  }
  if (isCountMap(value)) {
    // Rows per table (or jobs per feature): the ones that counted, largest first.
    const counted = Object.entries(value)
      .filter(([, n]) => n > 0)
      .sort(([, a], [, b]) => b - a)
      .map(([table, n]) => `${storedDataLabel(table)} ${n}`);
    return counted.length > 0 ? counted.join(', ') : 'nothing';
  }
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (typeof value === 'string') return wordFor(key, value) ?? value;
  if (typeof value === 'number') return String(value);
  return JSON.stringify(value);
}

/**
 * Audit details as lines people read: a `{ before, after }` change becomes one line per field
 * that changed ("Calendar access: Read and write → Read only"); anything else, key: value.
 */
export function describeDetails(
  details: Record<string, unknown>,
  nameOf: NameOf = () => null,
): DetailLine[] {
  const { before, after, ...rest } = details;
  const lines: DetailLine[] = [];
  if ('before' in details || 'after' in details) {
    const b = isRecord(before) ? before : {};
    const a = isRecord(after) ? after : {};
    for (const key of [...new Set([...Object.keys(b), ...Object.keys(a)])]) {
      const from = formatValue(key, b[key], nameOf);
      const to = formatValue(key, a[key], nameOf);
      if (before === null || before === undefined) lines.push({ label: label(key), value: to });
      else if (after === null || after === undefined)
        lines.push({ label: label(key), value: `${from} → removed` });
      else if (from !== to) lines.push({ label: label(key), value: `${from} → ${to}` });
    }
  }
  for (const [key, value] of Object.entries(rest)) {
    lines.push({ label: label(key, value), value: formatValue(key, value, nameOf) });
  }
  return lines;
}

/** Rox user ids inside details (`roxUserId`, `roxUserIds`, `via`, …), to look their names up. */
export function personIdsIn(details: Record<string, unknown>): string[] {
  const ids: string[] = [];
  const visit = (value: unknown, key: string): void => {
    if (/roxuserids?$/i.test(key) || key === 'via') {
      for (const v of Array.isArray(value) ? value : [value]) {
        if (typeof v === 'string') ids.push(v);
      }
    } else if (isRecord(value)) {
      for (const [k, v] of Object.entries(value)) visit(v, k);
    }
  };
  for (const [key, value] of Object.entries(details)) visit(value, key);
  return ids;
}
