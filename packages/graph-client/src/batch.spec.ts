import { describe, expect, it } from 'vitest';

import { chunkBatchRequests, type BatchRequest } from './batch';

function buildRequest(id: string, dependsOn?: string[]): BatchRequest {
  return { id, method: 'GET', url: `/users/${id}`, ...(dependsOn ? { dependsOn } : {}) };
}

describe('chunkBatchRequests', () => {
  it('splits 45 independent requests into 20 + 20 + 5', () => {
    const chunks = chunkBatchRequests(Array.from({ length: 45 }, (_, i) => buildRequest(`r${i}`)));

    expect(chunks.map((c) => c.length)).toEqual([20, 20, 5]);
  });

  it('keeps a dependsOn chain inside one chunk', () => {
    const requests = [
      ...Array.from({ length: 18 }, (_, i) => buildRequest(`a${i}`)),
      buildRequest('c1'),
      buildRequest('c2', ['c1']),
      buildRequest('c3', ['C2']),
    ];
    const chunks = chunkBatchRequests(requests);
    const chunkOf = (id: string) => chunks.findIndex((c) => c.some((r) => r.id === id));

    expect(chunks.every((c) => c.length <= 20)).toBe(true);
    expect(chunkOf('c1')).toBe(chunkOf('c2'));
    expect(chunkOf('c2')).toBe(chunkOf('c3'));
  });

  it.each([
    ['duplicate ids (case-insensitive)', [buildRequest('x'), buildRequest('X')]],
    ['an unknown dependency', [buildRequest('x', ['nope'])]],
    [
      'a chain longer than 20',
      Array.from({ length: 21 }, (_, i) =>
        buildRequest(`s${i}`, i > 0 ? [`s${i - 1}`] : undefined),
      ),
    ],
  ])('refuses %s', (_name, requests) => {
    expect(() => chunkBatchRequests(requests)).toThrow(RangeError);
  });
});
