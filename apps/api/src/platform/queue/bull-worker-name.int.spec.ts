import { randomBytes } from 'node:crypto';

import Bull from 'bull';
import { describe, expect, inject, it } from 'vitest';

import { tolerateWorkerNameFailures } from './bull-worker-name';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('Bull workers closed while their connection is being named', () => {
  it('leave no unhandled rejection behind', async () => {
    tolerateWorkerNameFailures();
    const unhandled: unknown[] = [];
    const record = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', record);
    try {
      for (let i = 0; i < 3; i += 1) {
        const queue = new Bull(`named_${i}`, inject('redisUrl'), {
          prefix: `test_named_${randomBytes(4).toString('hex')}`,
        });
        void queue.process('first', () => Promise.resolve());
        await queue.isReady();
        // The first processor's blocking read has started: the next names wait behind it.
        await sleep(100);
        void queue.process('second', () => Promise.resolve());
        void queue.process('third', () => Promise.resolve());
        await sleep(20);
        await queue.close();
      }
      await sleep(100);
    } finally {
      process.off('unhandledRejection', record);
    }
    expect(unhandled).toEqual([]);
  });
});
