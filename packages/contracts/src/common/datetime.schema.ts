import { z } from 'zod';

/** The first and last instants an input date may name: years 0001–9999, in UTC. */
export const EARLIEST_INPUT_INSTANT = '0001-01-01T00:00:00.000Z';
export const LATEST_INPUT_INSTANT = '9999-12-31T23:59:59.999Z';

const earliestMs = Date.parse(EARLIEST_INPUT_INSTANT);
const latestMs = Date.parse(LATEST_INPUT_INSTANT);

/**
 * An ISO 8601 date-time with an offset, as every request field that names an instant takes it.
 * Year 0000 (and an offset that pushes year 0001 below it) is refused: JavaScript accepts it,
 * PostgreSQL and most clients do not, so it would fail far from the input.
 */
export const DateTimeInputSchema = z.iso.datetime({ offset: true }).refine(
  (value) => {
    const ms = Date.parse(value);
    return Number.isFinite(ms) && ms >= earliestMs && ms <= latestMs;
  },
  { message: `must be between ${EARLIEST_INPUT_INSTANT} and ${LATEST_INPUT_INSTANT}` },
);
