import { type CalendarEvent } from '@rox365/contracts';

type EventTimes = Pick<CalendarEvent, 'isAllDay' | 'start' | 'end' | 'startDate' | 'endDate'>;

const DAY_MS = 86_400_000;

function day(date: string): string {
  // All-day dates are calendar days, not instants: shown as they are, in no time zone.
  return new Date(`${date}T00:00:00Z`).toLocaleDateString(undefined, {
    dateStyle: 'medium',
    timeZone: 'UTC',
  });
}

/** When an event happens, in the reader's locale and zone: "3 Dec 2026, 09:00 – 09:30". */
export function eventWhen(event: EventTimes): string {
  if (event.isAllDay && event.startDate) {
    const endExclusive = event.endDate ?? event.startDate;
    const last = new Date(Date.parse(`${endExclusive}T00:00:00Z`) - DAY_MS)
      .toISOString()
      .slice(0, 10);
    return last > event.startDate
      ? `${day(event.startDate)} – ${day(last)}, all day`
      : `${day(event.startDate)}, all day`;
  }
  const start = new Date(event.start);
  const end = new Date(event.end);
  const startText = start.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
  const sameDay = start.toDateString() === end.toDateString();
  const endText = sameDay
    ? end.toLocaleTimeString(undefined, { timeStyle: 'short' })
    : end.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
  return `${startText} – ${endText}`;
}
