import { describe, expect, it } from 'vitest';

import { IndividualOutcomeSchema } from '@rox365/contracts';

import { explainIndividualOutcome } from './individual-outcomes';

describe('explainIndividualOutcome', () => {
  it('explains every outcome the API can send, each with its own title', () => {
    const titles = IndividualOutcomeSchema.options.map((o) => explainIndividualOutcome(o).title);
    expect(new Set(titles).size).toBe(IndividualOutcomeSchema.options.length);
  });

  it('answers an unknown value safely', () => {
    expect(explainIndividualOutcome('<script>')).toMatchObject({ outcome: null });
    expect(explainIndividualOutcome(['connected'])).toMatchObject({ outcome: null });
  });
});
