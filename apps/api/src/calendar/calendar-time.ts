import { findIana } from 'windows-iana';

const UTC_NAMES = new Set(['utc', 'tzone://microsoft/utc', 'etc/utc', 'gmt', 'z']);

function isIanaZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/**
 * An Outlook time-zone name as IANA: Windows names ("Pacific Standard Time") through the
 * maintained windows-iana table, IANA names kept, UTC spellings as `UTC`; custom zones
 * (`tzone://Microsoft/Custom`) and unknown names give null.
 */
export function toIanaZone(name: string | null | undefined): string | null {
  if (!name) return null;
  const trimmed = name.trim();
  if (UTC_NAMES.has(trimmed.toLowerCase())) return 'UTC';
  if (trimmed.toLowerCase().startsWith('tzone://')) return null;
  const windows = findIana(trimmed);
  const mapped = windows.find(isIanaZone);
  if (mapped) return mapped;
  // An IANA name needs a slash (Intl also takes abbreviations such as EST, which are not zones).
  return trimmed.includes('/') && isIanaZone(trimmed) ? trimmed : null;
}

// Offset of a zone at an instant, in ms (wall clock minus UTC).
function zoneOffsetMs(zone: string, atMs: number): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(atMs));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const wall = Date.UTC(
    get('year'),
    get('month') - 1,
    get('day'),
    get('hour'),
    get('minute'),
    get('second'),
  );
  return wall - Math.floor(atMs / 1000) * 1000;
}

/**
 * A Graph `dateTimeTimeZone` as a UTC instant. Graph sends a wall clock without an offset and
 * up to 7 fractional digits; the zone is UTC when we asked for it, but is honoured whatever it is.
 * Sentinels (year 0001 / 9999) are clamped to the representable range.
 */
export function graphDateTimeToUtc(value: { dateTime: string; timeZone?: string | null }): Date {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?/.exec(value.dateTime);
  if (!match) throw new RangeError(`Not a Graph dateTime: ${value.dateTime}`);
  const [, y, mo, d, h, mi, s, frac] = match;
  const ms = Number((frac ?? '0').padEnd(3, '0').slice(0, 3));
  const wall = new Date(
    Date.UTC(2000, Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), ms),
  );
  // Date.UTC reads years below 100 as 19xx; Graph's sentinel is year 0001.
  wall.setUTCFullYear(Number(y));
  const wallMs = wall.getTime();
  const zone = toIanaZone(value.timeZone) ?? 'UTC';
  if (zone === 'UTC') return new Date(wallMs);
  // Two passes settle the offset across a DST change.
  let guess = wallMs - zoneOffsetMs(zone, wallMs);
  guess = wallMs - zoneOffsetMs(zone, guess);
  return new Date(guess);
}

/**
 * A UTC instant as the wall clock (`YYYY-MM-DDTHH:mm:ss`, no offset) of an IANA zone: what a
 * Graph `dateTimeTimeZone` carries next to the zone's name.
 */
export function wallClockIn(instant: Date, zone: string): string {
  const ms = instant.getTime();
  const offset = zone === 'UTC' ? 0 : zoneOffsetMs(zone, ms);
  return new Date(ms + offset).toISOString().slice(0, 19);
}

/** The date part (YYYY-MM-DD) of a Graph wall-clock dateTime: all-day events are date-only. */
export function graphDateOnly(value: { dateTime: string }): string {
  return value.dateTime.slice(0, 10);
}

/** The calendarView window around `now`: `pastDays` back and `futureDays` ahead, whole UTC days. */
export function windowAround(
  now: Date,
  pastDays: number,
  futureDays: number,
): { start: Date; end: Date } {
  const day = 86_400_000;
  const midnight = Math.floor(now.getTime() / day) * day;
  return { start: new Date(midnight - pastDays * day), end: new Date(midnight + futureDays * day) };
}
