// Outlook speaks Windows time zone names; Node's Intl speaks IANA. This table covers the zones the
// seed uses plus common ones; IANA names are accepted as they are.
const WINDOWS_TO_IANA: Record<string, string> = {
  UTC: 'UTC',
  'Pacific Standard Time': 'America/Los_Angeles',
  'Mountain Standard Time': 'America/Denver',
  'Central Standard Time': 'America/Chicago',
  'Eastern Standard Time': 'America/New_York',
  'GMT Standard Time': 'Europe/London',
  'W. Europe Standard Time': 'Europe/Berlin',
  'Romance Standard Time': 'Europe/Paris',
  'India Standard Time': 'Asia/Kolkata',
  'Tokyo Standard Time': 'Asia/Tokyo',
  'AUS Eastern Standard Time': 'Australia/Sydney',
  'China Standard Time': 'Asia/Shanghai',
};

/** IANA zone for a Windows or IANA name; undefined when unknown. */
export function ianaZone(name: string): string | undefined {
  const mapped = WINDOWS_TO_IANA[name];
  if (mapped) return mapped;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return name;
  } catch {
    return undefined;
  }
}

function zoneOffsetMs(utcMs: number, iana: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: iana,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(utcMs));
  const get = (t: string): number => Number(parts.find((p) => p.type === t)?.value ?? 0);
  const asUtc = Date.UTC(
    get('year'),
    get('month') - 1,
    get('day'),
    get('hour'),
    get('minute'),
    get('second'),
  );
  return asUtc - Math.floor(utcMs / 1000) * 1000;
}

/** Converts a wall-clock time ("2024-05-01T09:00:00") in a zone to a UTC instant (ms). */
export function wallTimeToUtcMs(wall: string, zone: string): number {
  const iana = ianaZone(zone) ?? 'UTC';
  const base = Date.parse(`${wall.replace(/Z$/, '').slice(0, 23)}Z`);
  let guess = base - zoneOffsetMs(base, iana);
  guess = base - zoneOffsetMs(guess, iana);
  return guess;
}

/** Formats a UTC instant as Outlook does inside dateTimeTimeZone: wall time in the zone, 7 fractional digits. */
export function formatInZone(utcMs: number, zone: string): string {
  const iana = ianaZone(zone) ?? 'UTC';
  const local = new Date(utcMs + zoneOffsetMs(utcMs, iana));
  return `${local.toISOString().slice(0, 19)}.0000000`;
}

/** Outlook-style UTC timestamp for DateTimeOffset properties: "2024-05-01T09:00:00Z". */
export function isoSeconds(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}
