import {
  DELTA_LINK_MAX_AGE_MS,
  DELTA_PAGE_SIZE,
  WINDOW_MIN_FUTURE_DAYS,
} from './calendar.constants';

const DAY_MS = 86_400_000;

/** The Prefer options of every calendar delta request (first pages, links, batch items). */
export const CALENDAR_DELTA_OPTIONS = { maxPageSize: DELTA_PAGE_SIZE, timeZone: 'UTC' } as const;

/**
 * Whether a channel's stored cursor may be resumed: issued by this Graph host, its window still
 * covering enough future, and not too old. Otherwise the next round is a full one.
 */
export function isCalendarCursorUsable(
  channel: { windowEnd: Date | null; cursorAt: Date | null },
  cursor: string,
  now: Date,
  graphOrigin: string,
): boolean {
  return (
    cursor.startsWith(graphOrigin) &&
    channel.windowEnd !== null &&
    channel.windowEnd.getTime() - now.getTime() >= WINDOW_MIN_FUTURE_DAYS * DAY_MS &&
    now.getTime() - (channel.cursorAt ?? now).getTime() < DELTA_LINK_MAX_AGE_MS
  );
}
