import type { EmailAddress, EventRecord, UserRecord } from '../state/model';
import { hashHex, pick } from '../util/prng';
import { isoSeconds, wallTimeToUtcMs } from '../util/timezone';
import { EXTERNAL_CONTACTS } from './demo-tenant';

export interface CalendarSeedContext {
  seed: string;
  /** Monday 00:00 UTC of the week the meetings are placed in. */
  weekStartMs: number;
  owner: UserRecord;
  peerAt: (index: number) => EmailAddress;
  peerCount: number;
}

const DAY_MS = 86_400_000;

export function mondayOf(nowMs: number): number {
  const d = new Date(nowMs);
  const day = (d.getUTCDay() + 6) % 7;
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()) - day * DAY_MS;
}

function dateOnly(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

function wall(ms: number, hh: number, mm = 0): string {
  return `${dateOnly(ms)}T${String(hh).padStart(2, '0')}:${String(mm).padStart(2, '0')}:00`;
}

// The demo shapes that are single meetings (0 and 6 are series).
const SINGLE_SHAPES = [1, 2, 3, 4, 5, 7];

/**
 * Event number `index` of a benchmark calendar (TenantSpec.eventSeries): the first
 * `series.perMailbox` are weekly series of `series.occurrences` (the second one moved an hour
 * later), the rest the demo's single meetings.
 */
export function benchEventAt(
  ctx: CalendarSeedContext,
  index: number,
  id: string,
  series: { perMailbox: number; occurrences: number },
): EventRecord {
  if (index >= series.perMailbox) {
    const j = index - series.perMailbox;
    const shape = SINGLE_SHAPES[j % SINGLE_SHAPES.length] ?? 1;
    return eventAt(ctx, 8 * Math.floor(j / SINGLE_SHAPES.length) + shape, id);
  }
  const e = eventAt(ctx, 8 * index + 5, id);
  const tz = ctx.owner.timeZone;
  const firstDay = ctx.weekStartMs + (index % 5) * DAY_MS;
  const startWall = wall(firstDay, 8 + (index % 9));
  const start = wallTimeToUtcMs(startWall, tz);
  e.subject = `Weekly series ${index + 1}`;
  e.startUtc = isoSeconds(start);
  e.endUtc = isoSeconds(start + 30 * 60_000);
  e.originalStartTimeZone = tz;
  e.originalEndTimeZone = tz;
  const weekday = (
    ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'] as const
  )[new Date(firstDay).getUTCDay()];
  e.recurrence = {
    pattern: {
      type: 'weekly',
      interval: 1,
      daysOfWeek: [weekday ?? 'monday'],
      firstDayOfWeek: 'sunday',
    },
    range: {
      type: 'numbered',
      startDate: dateOnly(firstDay),
      numberOfOccurrences: Math.max(1, series.occurrences),
      recurrenceTimeZone: tz,
    },
  };
  if (series.occurrences >= 2) {
    const second = isoSeconds(wallTimeToUtcMs(wall(firstDay + 7 * DAY_MS, 8 + (index % 9)), tz));
    e.exceptions[second] = {
      subject: `${e.subject} (moved)`,
      startUtc: isoSeconds(Date.parse(second) + 3_600_000),
      endUtc: isoSeconds(Date.parse(second) + 3_600_000 + 30 * 60_000),
      changeKey: `DwAAABYAAB${e.changeKey.slice(10)}`,
      lastModifiedDateTime: e.lastModifiedDateTime,
    };
  }
  return e;
}

/** Derives event number `index` of a calendar: a fixed mix of the shapes a sync must handle. */
export function eventAt(ctx: CalendarSeedContext, index: number, id: string): EventRecord {
  const tz = ctx.owner.timeZone;
  const me: EmailAddress = {
    name: ctx.owner.displayName,
    address: ctx.owner.mail ?? ctx.owner.userPrincipalName,
  };
  const peer = ctx.peerAt((index * 7 + 3) % Math.max(ctx.peerCount, 1));
  const h = hashHex(ctx.seed, id);
  const created = isoSeconds(ctx.weekStartMs - 14 * DAY_MS);
  const day = (n: number): number => ctx.weekStartMs + n * DAY_MS;
  const attendees = (list: EmailAddress[]): EventRecord['attendees'] =>
    list.map((emailAddress) => ({
      type: 'required' as const,
      status: { response: 'none', time: '0001-01-01T00:00:00Z' },
      emailAddress,
    }));
  const base = (subject: string, startWall: string, minutes: number, zone = tz): EventRecord => {
    const start = wallTimeToUtcMs(startWall, zone);
    return {
      id,
      iCalUId: `040000008200E00074C5B7101A82E008000000${h.slice(0, 32).toUpperCase()}`,
      transactionId: null,
      subject,
      bodyHtml: `<html><body><p>${subject}</p></body></html>`,
      startUtc: isoSeconds(start),
      endUtc: isoSeconds(start + minutes * 60_000),
      originalStartTimeZone: zone,
      originalEndTimeZone: zone,
      isAllDay: false,
      isCancelled: false,
      isOnlineMeeting: false,
      onlineMeetingProvider: 'unknown',
      joinUrl: null,
      location: '',
      organizer: me,
      attendees: attendees([peer]),
      showAs: 'busy',
      sensitivity: 'normal',
      importance: 'normal',
      categories: [],
      createdDateTime: created,
      lastModifiedDateTime: created,
      changeKey: `DwAAABYAAA${h.slice(0, 20)}`,
      recurrence: null,
      exceptions: {},
    };
  };
  switch (index % 8) {
    case 0: {
      const e = base('Daily stand-up', wall(day(0), 9), 15);
      e.recurrence = {
        pattern: {
          type: 'weekly',
          interval: 1,
          daysOfWeek: ['monday', 'tuesday', 'wednesday', 'thursday', 'friday'],
          firstDayOfWeek: 'sunday',
        },
        range: {
          type: 'numbered',
          startDate: dateOnly(day(0)),
          numberOfOccurrences: 10,
          recurrenceTimeZone: tz,
        },
      };
      e.isOnlineMeeting = true;
      e.onlineMeetingProvider = 'teamsForBusiness';
      e.joinUrl = `https://teams.microsoft.com/l/meetup-join/19%3ameeting_${h.slice(0, 24)}%40thread.v2/0`;
      const second = isoSeconds(wallTimeToUtcMs(wall(day(1), 9), tz));
      const fourth = isoSeconds(wallTimeToUtcMs(wall(day(3), 9), tz));
      e.exceptions[second] = {
        subject: 'Daily stand-up (moved)',
        startUtc: isoSeconds(Date.parse(second) + 3_600_000),
        endUtc: isoSeconds(Date.parse(second) + 3_600_000 + 15 * 60_000),
        changeKey: `DwAAABYAAB${h.slice(0, 20)}`,
        lastModifiedDateTime: created,
      };
      e.exceptions[fourth] = {
        isDeleted: true,
        changeKey: `DwAAABYAAC${h.slice(0, 20)}`,
        lastModifiedDateTime: created,
      };
      return e;
    }
    case 1: {
      const external = pick(EXTERNAL_CONTACTS, ctx.seed, id);
      const e = base(`Customer call with ${external.name}`, wall(day(1), 14), 60);
      e.attendees = attendees([peer, external]);
      e.isOnlineMeeting = true;
      e.onlineMeetingProvider = 'teamsForBusiness';
      e.joinUrl = `https://teams.microsoft.com/l/meetup-join/19%3ameeting_${h.slice(8, 32)}%40thread.v2/0`;
      return e;
    }
    case 2: {
      const e = base('Offsite – planning day', wall(day(2), 0), 24 * 60);
      e.isAllDay = true;
      e.showAs = 'oof';
      return e;
    }
    case 3: {
      const e = base('Canceled: Vendor demo', wall(day(3), 11), 30);
      e.isCancelled = true;
      e.showAs = 'free';
      return e;
    }
    case 4:
      return base('Sync with Tokyo office', wall(day(4), 10), 45, 'Tokyo Standard Time');
    case 5:
      return base(`1:1 with ${peer.name}`, wall(day(0), 15), 30);
    case 6: {
      const e = base('Team sync', wall(day(-14 + 3), 16), 60);
      e.recurrence = {
        pattern: {
          type: 'weekly',
          interval: 1,
          daysOfWeek: ['thursday'],
          firstDayOfWeek: 'sunday',
        },
        range: { type: 'noEnd', startDate: dateOnly(day(-14 + 3)), recurrenceTimeZone: tz },
      };
      e.location = 'Conf Room Rainier';
      return e;
    }
    default: {
      const subjects = [
        'Lunch',
        'Pipeline review',
        'Design review',
        'Interview',
        'Quarterly planning',
      ];
      const d = Math.floor(index / 8) % 5;
      return base(pick(subjects, ctx.seed, id), wall(day(d === 0 ? 4 : d), 12 + (index % 4)), 60);
    }
  }
}
