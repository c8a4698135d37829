import type { Change, VersionedCollection } from '../state/versioned-collection';
import type { DeltaState } from './delta-token';

export interface DeltaPage<T> {
  items: T[];
  removed: Change<T>[];
  /** Token for @odata.nextLink, when the round continues. */
  next?: DeltaState;
  /** Token for @odata.deltaLink, when the round is complete. */
  delta?: DeltaState;
}

/**
 * One page of a delta round over a versioned collection. The initial round walks the live items;
 * later rounds walk the changes recorded since the previous round began.
 */
export function deltaPage<T extends { id: string }>(
  collection: VersionedCollection<T>,
  token: DeltaState,
  pageSize: number,
  opts: { include?: (item: T) => boolean; changeType?: string } = {},
): DeltaPage<T> {
  if (token.phase === 'init') {
    const { items, next } = collection.page(token.offset, pageSize, opts.include);
    if (next !== undefined) return { items, removed: [], next: { ...token, offset: next } };
    return {
      items,
      removed: [],
      delta: { ...token, phase: 'changes', since: token.until, offset: 0 },
    };
  }
  const changeTypes = new Set(
    (opts.changeType ?? 'created,updated,deleted').split(',').map((s) => s.trim().toLowerCase()),
  );
  const all = collection.changesBetween(token.since, token.until).filter((c) => {
    if (c.item === null) return changeTypes.has('deleted');
    if (opts.include && !opts.include(c.item)) return false;
    return changeTypes.has('updated') || changeTypes.has('created');
  });
  const slice = all.slice(token.offset, token.offset + pageSize);
  const items = slice.filter((c) => c.item !== null).map((c) => c.item as T);
  const removed = slice.filter((c) => c.item === null);
  if (token.offset + pageSize < all.length) {
    return { items, removed, next: { ...token, offset: token.offset + pageSize } };
  }
  return { items, removed, delta: { ...token, since: token.until, offset: 0 } };
}
