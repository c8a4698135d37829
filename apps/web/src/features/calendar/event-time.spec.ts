import { describe, expect, it } from 'vitest';

import { buildCalendarEvent } from '../../test/factories';
import { eventWhen } from './event-time';

describe('event times in words', () => {
  it('a timed event: start with date, end as a time on the same day', () => {
    const text = eventWhen(buildCalendarEvent());
    expect(text).toContain(' – ');
    expect(text.split(' – ')[1]).not.toMatch(/2026/);
  });

  it('an all-day event shows its days, the exclusive end day not included', () => {
    const one = eventWhen(
      buildCalendarEvent({
        isAllDay: true,
        startDate: '2026-03-29',
        endDate: '2026-03-30',
        start: '2026-03-29T00:00:00.000Z',
        end: '2026-03-30T00:00:00.000Z',
      }),
    );
    expect(one).toMatch(/29.*all day$/);
    expect(one).not.toContain('30');
    const two = eventWhen(
      buildCalendarEvent({
        isAllDay: true,
        startDate: '2026-03-29',
        endDate: '2026-03-31',
        start: '2026-03-29T00:00:00.000Z',
        end: '2026-03-31T00:00:00.000Z',
      }),
    );
    expect(two).toMatch(/29.* – .*30.*all day$/);
    expect(two).not.toContain('31');
  });
});
