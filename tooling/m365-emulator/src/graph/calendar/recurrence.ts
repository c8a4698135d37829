import type { EventRecord } from '../../state/model';
import { toBase64Url } from '../../util/base64url';
import { formatInZone, isoSeconds, wallTimeToUtcMs } from '../../util/timezone';

const DAY_MS = 86_400_000;
const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];
const MAX_SCAN_DAYS = 3 * 366;

export interface Instance {
  /** Occurrence or exception id; the event id itself for single instances. */
  id: string;
  type: 'singleInstance' | 'occurrence' | 'exception' | 'seriesMaster';
  startUtc: string;
  endUtc: string;
  /** The occurrence's original start, for exceptions and occurrences. */
  originalStartUtc?: string;
  subject?: string;
  isCancelled?: boolean;
  changeKey?: string;
  lastModifiedDateTime?: string;
}

export function occurrenceId(masterId: string, originalStartUtc: string): string {
  return `AAMkAGEo${toBase64Url(`${masterId}|${originalStartUtc}`)}`;
}

export function parseOccurrenceId(
  id: string,
): { masterId: string; originalStartUtc: string } | undefined {
  if (!id.startsWith('AAMkAGEo')) return undefined;
  const decoded = Buffer.from(id.slice(8), 'base64url').toString('utf8');
  const i = decoded.lastIndexOf('|');
  if (i < 0) return undefined;
  return { masterId: decoded.slice(0, i), originalStartUtc: decoded.slice(i + 1) };
}

/** Original starts of a series' occurrences up to `untilMs` (UTC ISO strings). */
export function occurrenceStarts(e: EventRecord, untilMs: number): string[] {
  if (!e.recurrence) return [];
  const { pattern, range } = e.recurrence;
  const tz = range.recurrenceTimeZone ?? e.originalStartTimeZone;
  const startMs = Date.parse(e.startUtc);
  const localTime = formatInZone(startMs, tz).slice(11, 19);
  const firstDay = Date.parse(`${range.startDate}T00:00:00Z`);
  const endDateMs =
    range.type === 'endDate' && range.endDate ? Date.parse(`${range.endDate}T23:59:59Z`) : Infinity;
  const max = range.type === 'numbered' ? (range.numberOfOccurrences ?? 0) : Infinity;
  const days = new Set((pattern.daysOfWeek ?? []).map((d) => d.toLowerCase()));
  const out: string[] = [];
  for (let i = 0; i < MAX_SCAN_DAYS && out.length < max; i++) {
    const dayMs = firstDay + i * DAY_MS;
    if (dayMs > endDateMs) break;
    const weekday = WEEKDAYS[new Date(dayMs).getUTCDay()] ?? '';
    let matches: boolean;
    if (pattern.type === 'daily') matches = i % Math.max(pattern.interval, 1) === 0;
    else matches = days.has(weekday) && Math.floor(i / 7) % Math.max(pattern.interval, 1) === 0;
    if (!matches) continue;
    const occ = wallTimeToUtcMs(`${new Date(dayMs).toISOString().slice(0, 10)}T${localTime}`, tz);
    if (occ > untilMs) break;
    out.push(isoSeconds(occ));
  }
  return out;
}

/** Instances of an event that overlap a window: itself, or a series' occurrences and exceptions. */
export function instancesIn(
  e: EventRecord,
  windowStartMs: number,
  windowEndMs: number,
): Instance[] {
  const overlaps = (s: number, en: number): boolean => s < windowEndMs && en > windowStartMs;
  if (!e.recurrence) {
    return overlaps(Date.parse(e.startUtc), Date.parse(e.endUtc))
      ? [{ id: e.id, type: 'singleInstance', startUtc: e.startUtc, endUtc: e.endUtc }]
      : [];
  }
  const duration = Date.parse(e.endUtc) - Date.parse(e.startUtc);
  const out: Instance[] = [];
  for (const original of occurrenceStarts(e, windowEndMs + 2 * DAY_MS)) {
    const ex = e.exceptions[original];
    if (ex?.isDeleted) continue;
    const start = ex?.startUtc ?? original;
    const end = ex?.endUtc ?? isoSeconds(Date.parse(original) + duration);
    if (!overlaps(Date.parse(start), Date.parse(end))) continue;
    out.push({
      id: occurrenceId(e.id, original),
      type: ex ? 'exception' : 'occurrence',
      startUtc: start,
      endUtc: end,
      originalStartUtc: original,
      ...(ex?.subject ? { subject: ex.subject } : {}),
      ...(ex?.isCancelled ? { isCancelled: true } : {}),
      ...(ex ? { changeKey: ex.changeKey, lastModifiedDateTime: ex.lastModifiedDateTime } : {}),
    });
  }
  return out;
}
