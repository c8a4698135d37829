import { describe, expect, it } from 'vitest';

import { readAhead } from './read-ahead';

/** A source that records when each item is asked for and when it is closed. */
function source(items: number[], failAt?: number) {
  const events: string[] = [];
  async function* gen() {
    try {
      for (const [i, item] of items.entries()) {
        events.push(`fetch ${item}`);
        await new Promise((r) => setTimeout(r, 1));
        if (i === failAt) throw new Error(`page ${item} failed`);
        yield item;
      }
    } finally {
      events.push('closed');
    }
  }
  return { events, iterable: gen() };
}

describe('readAhead', () => {
  it('fetches the next item while the caller works on the current one, in order', async () => {
    const { events, iterable } = source([1, 2, 3]);
    const seen: number[] = [];
    for await (const item of readAhead(iterable)) {
      events.push(`apply ${item}`);
      seen.push(item);
    }
    expect(seen).toEqual([1, 2, 3]);
    // Item 2 is already on its way when item 1 is applied.
    expect(events.indexOf('fetch 2')).toBeLessThan(events.indexOf('apply 1'));
    expect(events.indexOf('fetch 3')).toBeLessThan(events.indexOf('apply 2'));
  });

  it('raises a source failure only when the caller reaches that item', async () => {
    const { events, iterable } = source([1, 2, 3], 1);
    const seen: number[] = [];
    await expect(async () => {
      for await (const item of readAhead(iterable)) {
        events.push(`apply ${item}`);
        seen.push(item);
      }
    }).rejects.toThrow('page 2 failed');
    expect(seen).toEqual([1]);
    expect(events).toContain('apply 1');
  });

  it('closes the source when the caller stops early, and a failed read-ahead goes unreported', async () => {
    const stopped = source([1, 2, 3]);
    await expect(async () => {
      for await (const item of readAhead(stopped.iterable)) {
        throw new Error(`apply ${item} failed`);
      }
    }).rejects.toThrow('apply 1 failed');
    expect(stopped.events).toEqual(['fetch 1', 'fetch 2', 'closed']);

    const { events, iterable } = source([1, 2, 3], 1);
    await expect(async () => {
      for await (const item of readAhead(iterable)) {
        throw new Error(`apply ${item} failed`);
      }
    }).rejects.toThrow('apply 1 failed');
    expect(events.at(-1)).toBe('closed');
  });
});
