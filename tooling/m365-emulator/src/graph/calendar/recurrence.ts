import type { EventRecord, RecurrencePattern } from '../../state/model';
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

const INDEX = { first: 1, second: 2, third: 3, fourth: 4 } as const;

function monthsBetween(a: Date, b: Date): number {
  return (b.getUTCFullYear() - a.getUTCFullYear()) * 12 + (b.getUTCMonth() - a.getUTCMonth());
}

/** Whether a UTC day (midnight) matches a recurrence pattern that started on `first`. */
export function dayMatches(
  pattern: RecurrencePattern,
  first: Date,
  day: Date,
  dayIndex: number,
): boolean {
  const interval = Math.max(pattern.interval, 1);
  const weekday = WEEKDAYS[day.getUTCDay()] ?? '';
  const days = new Set((pattern.daysOfWeek ?? []).map((d) => d.toLowerCase()));
  const relative = (): boolean => {
    if (!days.has(weekday)) return false;
    const date = day.getUTCDate();
    const monthLength = new Date(
      Date.UTC(day.getUTCFullYear(), day.getUTCMonth() + 1, 0),
    ).getUTCDate();
    const index = pattern.index ?? 'first';
    return index === 'last' ? date + 7 > monthLength : Math.ceil(date / 7) === INDEX[index];
  };
  switch (pattern.type) {
    case 'daily':
      return dayIndex % interval === 0;
    case 'weekly':
      return days.has(weekday) && Math.floor(dayIndex / 7) % interval === 0;
    case 'absoluteMonthly':
      return (
        day.getUTCDate() === (pattern.dayOfMonth ?? first.getUTCDate()) &&
        monthsBetween(first, day) % interval === 0
      );
    case 'relativeMonthly':
      return monthsBetween(first, day) % interval === 0 && relative();
    case 'absoluteYearly':
      return (
        day.getUTCMonth() + 1 === (pattern.month ?? first.getUTCMonth() + 1) &&
        day.getUTCDate() === (pattern.dayOfMonth ?? first.getUTCDate()) &&
        (day.getUTCFullYear() - first.getUTCFullYear()) % interval === 0
      );
    case 'relativeYearly':
      return (
        day.getUTCMonth() + 1 === (pattern.month ?? first.getUTCMonth() + 1) &&
        (day.getUTCFullYear() - first.getUTCFullYear()) % interval === 0 &&
        relative()
      );
  }
}

/**
 * Original starts of a series' occurrences between `fromMs` and `untilMs` (UTC ISO strings).
 * Numbered series are counted from their first day; open-ended ones start scanning near `fromMs`.
 */
export function occurrenceStarts(e: EventRecord, untilMs: number, fromMs = 0): string[] {
  if (!e.recurrence) return [];
  const { pattern, range } = e.recurrence;
  const tz = range.recurrenceTimeZone ?? e.originalStartTimeZone;
  const startMs = Date.parse(e.startUtc);
  const localTime = formatInZone(startMs, tz).slice(11, 19);
  const firstDay = Date.parse(`${range.startDate}T00:00:00Z`);
  const first = new Date(firstDay);
  const endDateMs =
    range.type === 'endDate' && range.endDate ? Date.parse(`${range.endDate}T23:59:59Z`) : Infinity;
  const max = range.type === 'numbered' ? (range.numberOfOccurrences ?? 0) : Infinity;
  const skipDays =
    range.type === 'numbered' ? 0 : Math.max(0, Math.floor((fromMs - firstDay) / DAY_MS) - 2);
  const out: string[] = [];
  let count = 0;
  for (let i = skipDays; i < skipDays + MAX_SCAN_DAYS && count < max; i++) {
    const dayMs = firstDay + i * DAY_MS;
    if (dayMs > endDateMs) break;
    if (!dayMatches(pattern, first, new Date(dayMs), i)) continue;
    const occ = wallTimeToUtcMs(`${new Date(dayMs).toISOString().slice(0, 10)}T${localTime}`, tz);
    if (occ > untilMs) break;
    count++;
    if (occ >= fromMs - 2 * DAY_MS) out.push(isoSeconds(occ));
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
  for (const original of occurrenceStarts(e, windowEndMs + 2 * DAY_MS, windowStartMs)) {
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
