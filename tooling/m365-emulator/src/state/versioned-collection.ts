/** Global monotonic change counter; every mutation anywhere gets the next value. */
export class ChangeClock {
  private value = 0;
  next(): number {
    this.value += 1;
    return this.value;
  }
  get current(): number {
    return this.value;
  }
}

export type RemovedReason = 'changed' | 'deleted';

export interface Change<T> {
  id: string;
  seq: number;
  item: T | null;
  reason?: RemovedReason;
  /** For removals: the item as it was just before. */
  last?: T;
}

interface Entry<T> {
  item: T | null;
  seq: number;
  reason?: RemovedReason;
  last?: T;
}

/**
 * A collection whose initial content is derived on demand from an index (so a million items cost
 * nothing until touched) and whose mutations are stored with a change sequence number, which is
 * what delta queries read.
 */
export class VersionedCollection<T extends { id: string }> {
  private readonly entries = new Map<string, Entry<T>>();
  private readonly added: string[] = [];
  private readonly addedSet = new Set<string>();
  private removedBaseCount = 0;
  private mutations = 0;

  constructor(
    private readonly clock: ChangeClock,
    private readonly baseCount: number,
    private readonly baseAt: (index: number) => T,
    private readonly baseIndexOf: (id: string) => number | undefined,
  ) {}

  /** Number of live items. */
  get size(): number {
    let addedLive = 0;
    for (const id of this.added) if (this.entries.get(id)?.item) addedLive++;
    return this.baseCount - this.removedBaseCount + addedLive;
  }

  /** Changes with every put or remove: what a derived view (a sorted order) is valid for. */
  get version(): number {
    return this.mutations;
  }

  /** Length of the position space used by page(). */
  get positions(): number {
    return this.baseCount + this.added.length;
  }

  private isBase(id: string): boolean {
    const index = this.baseIndexOf(id);
    return index !== undefined && index >= 0 && index < this.baseCount;
  }

  get(id: string): T | undefined {
    const entry = this.entries.get(id);
    if (entry) return entry.item ?? undefined;
    const index = this.baseIndexOf(id);
    if (index === undefined || index < 0 || index >= this.baseCount) return undefined;
    return this.baseAt(index);
  }

  has(id: string): boolean {
    return this.get(id) !== undefined;
  }

  /** Inserts or replaces an item; returns its change sequence number. */
  put(item: T): number {
    const seq = this.clock.next();
    this.mutations += 1;
    const previous = this.entries.get(item.id);
    if (previous && previous.item === null && this.isBase(item.id)) this.removedBaseCount--;
    this.entries.set(item.id, { item, seq });
    if (!this.isBase(item.id) && !this.addedSet.has(item.id)) {
      this.added.push(item.id);
      this.addedSet.add(item.id);
    }
    return seq;
  }

  remove(id: string, reason: RemovedReason = 'deleted'): boolean {
    const current = this.get(id);
    if (!current) return false;
    this.entries.set(id, { item: null, seq: this.clock.next(), reason, last: current });
    this.mutations += 1;
    if (this.isBase(id)) this.removedBaseCount++;
    return true;
  }

  /** Item at a position in the stable order (base items first, then added ones), if live. */
  at(position: number): T | undefined {
    if (position < this.baseCount) {
      const base = this.baseAt(position);
      const entry = this.entries.get(base.id);
      if (entry) return entry.item ?? undefined;
      return base;
    }
    const id = this.added[position - this.baseCount];
    if (id === undefined) return undefined;
    return this.entries.get(id)?.item ?? undefined;
  }

  /**
   * Walks live items from a position, returning up to `limit` that pass the filter and the
   * position to continue from (undefined at the end).
   */
  page(
    from: number,
    limit: number,
    filter?: (item: T) => boolean,
  ): { items: T[]; next: number | undefined } {
    const items: T[] = [];
    let position = from;
    const end = this.positions;
    while (position < end && items.length < limit) {
      const item = this.at(position);
      position++;
      if (item && (!filter || filter(item))) items.push(item);
    }
    return { items, next: position < end ? position : undefined };
  }

  *values(): IterableIterator<T> {
    for (let p = 0; p < this.positions; p++) {
      const item = this.at(p);
      if (item) yield item;
    }
  }

  /** Latest change per item with sinceSeq < seq <= untilSeq, oldest first. */
  changesBetween(sinceSeq: number, untilSeq: number): Change<T>[] {
    const out: Change<T>[] = [];
    for (const [id, entry] of this.entries) {
      if (entry.seq > sinceSeq && entry.seq <= untilSeq) {
        out.push({
          id,
          seq: entry.seq,
          item: entry.item,
          ...(entry.reason ? { reason: entry.reason } : {}),
          ...(entry.last ? { last: entry.last } : {}),
        });
      }
    }
    return out.sort((a, b) => a.seq - b.seq);
  }
}
