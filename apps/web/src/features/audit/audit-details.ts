import { levelLabel, meetingDeletesLabel } from '../../shared/access-levels';
import { humanize } from '../../shared/format';
import { toUnicodeDomain } from '../../shared/punycode';

export interface DetailLine {
  label: string;
  /** The value, or `before → after` for a change. */
  value: string;
}

const LABELS: Readonly<Record<string, string>> = {
  calendarAccess: 'Calendar access',
  calendarMeetingDeletes: 'Deleting meetings with attendees from Rox',
  emailAccess: 'Email access',
  restrictedDomains: 'Restricted domains',
  restrictedUsers: 'Users whose email is never synced',
  extraMailFolders: 'Mail folders synced besides Inbox and Sent Items',
  tenant: 'Tenant',
  tenantId: 'Tenant ID',
};

function label(key: string): string {
  return LABELS[key] ?? humanize(key.replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase());
}

/** Turns a Rox user id into "Name (email)", when the page knows that person. */
export type NameOf = (id: string) => string | null;

/** One value in words: access levels as labels, domains as typed, people by name, lists joined. */
export function formatValue(key: string, value: unknown, nameOf: NameOf = () => null): string {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'string' && nameOf(value)) return nameOf(value) ?? value;
  if (key === 'calendarAccess' && typeof value === 'string') return levelLabel('calendar', value);
  if (key === 'emailAccess' && typeof value === 'string') return levelLabel('email', value);
  if (key === 'calendarMeetingDeletes' && typeof value === 'string')
    return meetingDeletesLabel(value);
  if (Array.isArray(value)) {
    if (value.length === 0) return 'none';
    const items = value.map((v) => (typeof v === 'string' ? (nameOf(v) ?? v) : JSON.stringify(v)));
    return (key === 'restrictedDomains' ? items.map(toUnicodeDomain) : items).join(', ');
  }
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (typeof value === 'string' || typeof value === 'number') return String(value);
  return JSON.stringify(value);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
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
    lines.push({ label: label(key), value: formatValue(key, value, nameOf) });
  }
  return lines;
}

/** Rox user ids inside details (`roxUserId`, `roxUserIds`, …), to look their names up. */
export function personIdsIn(details: Record<string, unknown>): string[] {
  const ids: string[] = [];
  const visit = (value: unknown, key: string): void => {
    if (/roxuserids?$/i.test(key)) {
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
