import { DomainError } from '../errors/domain-error';
import { unsafeTextReason } from './safe-input.middleware';

export enum PagingErrorCode {
  CURSOR_INVALID = 'CURSOR_INVALID',
}

/**
 * Joins the parts of a composite cursor key. It sorts below every printable character, like NUL
 * would, but a key may hold no NUL: cursors come back from clients and keys can reach SQL.
 */
export const CURSOR_KEY_SEPARATOR = '\u0001';

/** Opaque keyset cursor: a list name prefix, so one list's cursor is refused by another. */
export function encodeCursor(list: string, key: string): string {
  return Buffer.from(`${list}:${key}`).toString('base64url');
}

/** The key a cursor carries; undefined without a cursor; a coded `invalid` error when foreign. */
export function decodeCursor(list: string, cursor: string | undefined): string | undefined {
  if (cursor === undefined) return undefined;
  const decoded = Buffer.from(cursor, 'base64url').toString('utf8');
  const prefix = `${list}:`;
  // A forged cursor can carry bytes a query could never take (NUL); it is just not a cursor.
  if (
    !decoded.startsWith(prefix) ||
    decoded.length === prefix.length ||
    unsafeTextReason(decoded) !== null
  ) {
    throw invalidCursor();
  }
  return decoded.slice(prefix.length);
}

/**
 * Cuts a page from rows fetched with `limit + 1`: the extra row only tells that there is more,
 * and the cursor points after the last row returned.
 */
export function keysetPage<T>(
  rows: T[],
  limit: number,
  list: string,
  keyOf: (row: T) => string,
): { items: T[]; nextCursor: string | null } {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return {
    items,
    nextCursor: rows.length > limit && last !== undefined ? encodeCursor(list, keyOf(last)) : null,
  };
}

/** The key of a list ordered by creation time, then id. */
export function createdAtKey(row: { createdAt: Date; id: string }): string {
  return [row.createdAt.toISOString(), row.id].join(CURSOR_KEY_SEPARATOR);
}

/** A `createdAtKey` read back; a cursor of the list with a broken key is refused like a foreign one. */
export function afterCreatedAt(key: string | undefined): {
  after?: { createdAt: Date; id: string };
} {
  if (key === undefined) return {};
  const { at, id } = instantAndId(key, CURSOR_KEY_SEPARATOR);
  return { after: { createdAt: at, id } };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// Keys hold instants Rox wrote (4-digit years); PostgreSQL refuses some that JS accepts (year
// -271821), and a `::uuid` cast refuses anything but a UUID: both would end as a 500.
const EARLIEST_KEY = Date.parse('0001-01-01T00:00:00Z');
const LATEST_KEY = Date.parse('9999-12-31T23:59:59.999Z');

/**
 * A key of an ISO instant and a row's UUID, split at `separator`, or null when it is anything
 * else (a forged key must cost a 400, never reach SQL).
 */
export function parseInstantAndId(key: string, separator: string): { at: Date; id: string } | null {
  const parts = key.split(separator);
  const at = new Date(parts[0] ?? '');
  const id = parts[1] ?? '';
  const time = at.getTime();
  const valid =
    parts.length === 2 &&
    !Number.isNaN(time) &&
    time >= EARLIEST_KEY &&
    time <= LATEST_KEY &&
    UUID.test(id);
  return valid ? { at, id } : null;
}

/** `parseInstantAndId`, refusing anything else like a foreign cursor. */
export function instantAndId(key: string, separator: string): { at: Date; id: string } {
  const parsed = parseInstantAndId(key, separator);
  if (!parsed) throw invalidCursor();
  return parsed;
}

/** The 400 of a cursor that no list of Rox wrote. */
export function invalidCursor(): DomainError {
  return new DomainError(PagingErrorCode.CURSOR_INVALID, 'invalid', 'The cursor is not valid.', {
    fieldErrors: [{ path: 'query.cursor', message: 'not a cursor of this list' }],
  });
}
