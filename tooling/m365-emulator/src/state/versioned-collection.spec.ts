import { describe, expect, it } from 'vitest';

import { ChangeClock, VersionedCollection } from './versioned-collection';

interface Item {
  id: string;
  n: number;
}

function collection(size: number): { clock: ChangeClock; c: VersionedCollection<Item> } {
  const clock = new ChangeClock();
  const c = new VersionedCollection<Item>(
    clock,
    size,
    (i) => ({ id: `b${i}`, n: i }),
    (id) => (/^b\d+$/.test(id) ? Number(id.slice(1)) : undefined),
  );
  return { clock, c };
}

describe('VersionedCollection', () => {
  it('derives base items on demand without storing them', () => {
    const { c } = collection(1_000_000);
    expect(c.size).toBe(1_000_000);
    expect(c.get('b999999')).toEqual({ id: 'b999999', n: 999999 });
    expect(c.get('b1000000')).toBeUndefined();
  });

  it('pages live items in a stable order and skips removed ones', () => {
    const { c } = collection(5);
    c.remove('b1');
    c.put({ id: 'x', n: 9 });
    const first = c.page(0, 3);
    expect(first.items.map((i) => i.id)).toEqual(['b0', 'b2', 'b3']);
    const second = c.page(first.next ?? 0, 3);
    expect(second.items.map((i) => i.id)).toEqual(['b4', 'x']);
    expect(second.next).toBeUndefined();
    expect(c.size).toBe(5);
  });

  it('reports the latest change per item within a sequence range', () => {
    const { clock, c } = collection(3);
    const since = clock.current;
    c.put({ id: 'b0', n: 100 });
    c.put({ id: 'b0', n: 101 });
    c.remove('b2', 'changed');
    const changes = c.changesBetween(since, clock.current);
    expect(changes.map((ch) => [ch.id, ch.item?.n ?? null, ch.reason ?? null])).toEqual([
      ['b0', 101, null],
      ['b2', null, 'changed'],
    ]);
    expect(changes[1]?.last).toEqual({ id: 'b2', n: 2 });
    expect(c.changesBetween(clock.current, clock.current)).toEqual([]);
  });

  it('restores a removed base item when it is put back', () => {
    const { c } = collection(2);
    c.remove('b0');
    expect(c.size).toBe(1);
    c.put({ id: 'b0', n: 7 });
    expect(c.size).toBe(2);
    expect(c.at(0)).toEqual({ id: 'b0', n: 7 });
  });
});
