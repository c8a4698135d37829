import { afterAll, expect } from 'vitest';

// Runs before every test file (vitest `setupFiles`). Queries sent in parallel inside one
// transaction share its connection: pg queues them and warns, and pg 9 will refuse them. The
// warning comes once per process, so each file (a process of its own) fails on its first one.
Error.stackTraceLimit = 40;
const queued: string[] = [];
process.on('warning', (warning) => {
  if (/already executing a query/.test(warning.message)) queued.push(warning.stack ?? '');
});

afterAll(() => {
  expect(queued, 'queries sent in parallel on one connection (inside a transaction)').toEqual([]);
});
