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
    throw new DomainError(PagingErrorCode.CURSOR_INVALID, 'invalid', 'The cursor is not valid.', {
      fieldErrors: [{ path: 'query.cursor', message: 'not a cursor of this list' }],
    });
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
  const [at = '', id = ''] = key.split(CURSOR_KEY_SEPARATOR);
  const createdAt = new Date(at);
  if (Number.isNaN(createdAt.getTime()) || !/^[0-9a-f-]{36}$/.test(id)) {
    throw new DomainError(PagingErrorCode.CURSOR_INVALID, 'invalid', 'The cursor is not valid.', {
      fieldErrors: [{ path: 'query.cursor', message: 'not a cursor of this list' }],
    });
  }
  return { after: { createdAt, id } };
}
