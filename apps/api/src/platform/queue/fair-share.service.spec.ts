import { describe, expect, it } from 'vitest';

import { testConfig } from '../../../test/support/test-env';
import { bandPriority, FairShare } from './fair-share.service';

describe('bandPriority', () => {
  it('gives an org its first `share` jobs priority 1, the next `share` priority 2, and so on', () => {
    expect([0, 1, 2, 3, 4, 5, 6].map((p) => bandPriority(p, 3))).toEqual([1, 1, 1, 2, 2, 2, 3]);
    expect(bandPriority(4_999, 4)).toBe(1_250);
  });

  it('keeps a priority Bull accepts for any position', () => {
    expect(bandPriority(-1, 4)).toBe(1);
    expect(bandPriority(Number.MAX_SAFE_INTEGER, 1)).toBe(1_000_000);
  });
});

describe('FairShare', () => {
  it('puts urgent jobs in the first band and a backlog in bands of QUEUE_FAIR_SHARE', () => {
    const fair = new FairShare(testConfig({ QUEUE_FAIR_SHARE: '2' }));
    expect(fair.urgent()).toEqual({ priority: 1 });
    expect(fair.backlog(0)).toEqual({ priority: 1 });
    expect(fair.backlog(2)).toEqual({ priority: 2 });
  });

  it('leaves every job without a priority (plain FIFO) when set to 0', () => {
    const fair = new FairShare(testConfig({ QUEUE_FAIR_SHARE: '0' }));
    expect(fair.urgent()).toEqual({});
    expect(fair.backlog(5_000)).toEqual({});
  });
});
