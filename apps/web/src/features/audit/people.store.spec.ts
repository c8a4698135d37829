import { describe, expect, it } from 'vitest';

import { buildMember } from '../../test/factories';
import { problem } from '../../test/local-api';
import { storeSuite } from '../../test/suite';
import { usePeopleStore } from './people.store';

const isaiah = buildMember();

describe('people store', () => {
  const api = storeSuite();

  it('keeps a failed search as an error, without the matches of the text before', async () => {
    api.on('GET /members', (req) =>
      req.query.get('q') === 'Isaiah'
        ? { body: { items: [isaiah], nextCursor: null } }
        : problem(500, 'INTERNAL', 'Something went wrong on our side.'),
    );
    const people = usePeopleStore();
    await people.search('Isaiah');
    expect(people.results.map((p) => p.displayName)).toEqual(['Isaiah Langer']);

    await people.search('Isaiah L');
    expect(people.searchError?.detail).toBe('Something went wrong on our side.');
    expect(people.results).toEqual([]);
    expect(people.isSearching).toBe(false);
  });

  it('keeps the answer to the latest text when an older search answers after it', async () => {
    api.on('GET /members', (req) =>
      req.query.get('q') === 'Isa'
        ? { ...problem(503, 'SERVICE_UNAVAILABLE', 'Busy.'), delayMs: 150 }
        : { body: { items: [isaiah], nextCursor: null } },
    );
    const people = usePeopleStore();
    const older = people.search('Isa');
    await people.search('Isaiah');
    await older;
    expect(people.results.map((p) => p.displayName)).toEqual(['Isaiah Langer']);
    expect(people.searchError).toBeNull();
    expect(people.isSearching).toBe(false);
  });
});
