import { type PushAttempt, type PushDeliveryStatus, type PushEventType } from '@rox365/contracts';

export const EVENT_LABELS: Readonly<Record<PushEventType, string>> = {
  'calendar.changed': 'Calendar changed',
  'mail.changed': 'Mail changed',
  'connection.changed': 'Connection changed',
};

export const STATUS_LABELS: Readonly<
  Record<PushDeliveryStatus, { label: string; tone: 'info' | 'success' | 'danger' }>
> = {
  pending: { label: 'Retrying', tone: 'info' },
  delivered: { label: 'Delivered', tone: 'success' },
  dead: { label: 'Gave up', tone: 'danger' },
};

/** One attempt's outcome in words: "200 in 42 ms", "Timed out after 5,000 ms", … */
export function describeAttempt(a: PushAttempt): string {
  const took = `${a.durationMs.toLocaleString('en')} ms`;
  switch (a.error) {
    case null:
      return `${a.statusCode ?? '?'} in ${took}`;
    case 'http_status':
      return `Answered ${a.statusCode ?? '?'} in ${took}`;
    case 'redirect_refused':
      return `Redirected (${a.statusCode ?? '?'}), not followed`;
    case 'timeout':
      return `No answer within ${took}`;
    case 'connection_failed':
      return `Could not connect (${took})`;
    case 'address_refused':
      return 'Not sent: the host is at a private address';
  }
}
