import { describe, expect, it } from 'vitest';

import { CoalescedLoads } from './coalesced-loads';

// A load whose end the test decides, numbered in the order loads start.
function controlledLoads() {
  const started: { n: number; finish: (value: string) => void; fail: (e: Error) => void }[] = [];
  const run = () =>
    new Promise<string>((finish, fail) => {
      started.push({ n: started.length + 1, finish, fail });
    });
  return { started, run };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('CoalescedLoads', () => {
  it('answers callers that ask during a load from the next load, one load at a time', async () => {
    const loads = new CoalescedLoads<string>();
    const { started, run } = controlledLoads();
    const first = loads.load('org', run);
    const second = loads.load('org', run);
    const third = loads.load('org', run);
    await tick();
    expect(started).toHaveLength(1);
    started[0]!.finish('v1');
    expect(await first).toBe('v1');
    await tick();
    // The callers that asked during load 1 share load 2, started after load 1 ended.
    expect(started).toHaveLength(2);
    const fourth = loads.load('org', run);
    started[1]!.finish('v2');
    expect([await second, await third]).toEqual(['v2', 'v2']);
    await tick();
    expect(started).toHaveLength(3);
    started[2]!.finish('v3');
    expect(await fourth).toBe('v3');
    // Idle again: the next caller starts a load of its own at once.
    const fifth = loads.load('org', run);
    expect(started).toHaveLength(4);
    started[3]!.finish('v4');
    expect(await fifth).toBe('v4');
  });

  it('keeps keys apart', async () => {
    const loads = new CoalescedLoads<string>();
    const { started, run } = controlledLoads();
    const a = loads.load('a', run);
    const b = loads.load('b', run);
    expect(started).toHaveLength(2);
    started[1]!.finish('b1');
    started[0]!.finish('a1');
    expect([await a, await b]).toEqual(['a1', 'b1']);
  });

  it('hands a failure to the callers of that load only; the waiting ones get the next load', async () => {
    const loads = new CoalescedLoads<string>();
    const { started, run } = controlledLoads();
    const first = loads.load('org', run);
    const second = loads.load('org', run);
    started[0]!.fail(new Error('database gone'));
    await expect(first).rejects.toThrow('database gone');
    await tick();
    started[1]!.finish('v2');
    expect(await second).toBe('v2');
  });
});
