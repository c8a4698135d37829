import { MAIL_CURSOR_MAX_AGE_MS } from './mail.constants';

/**
 * Whether a folder channel's stored cursor may be resumed: issued by this Graph host and not too
 * old. Otherwise the next round is a full one (within the backfill window).
 */
export function isMailCursorUsable(
  cursor: string,
  cursorAt: Date | null,
  now: Date,
  graphOrigin: string,
): boolean {
  return (
    cursor.startsWith(graphOrigin) &&
    now.getTime() - (cursorAt ?? now).getTime() < MAIL_CURSOR_MAX_AGE_MS
  );
}
