import { type CalendarChannelStatus, type CalendarWriteTimeZone } from '@rox365/contracts';

import {
  explainSyncCode,
  isSyncCode,
  type SyncStateView,
  type SyncTone,
} from '../../shared/sync-reasons';
import { askYourAdmin } from '../members/member-wording';

const STATUS: Readonly<Record<CalendarChannelStatus['status'], { label: string; tone: SyncTone }>> =
  {
    not_in_scope: { label: 'Not synced', tone: 'neutral' },
    pending: { label: 'Queued', tone: 'info' },
    syncing: { label: 'Syncing', tone: 'info' },
    ok: { label: 'Up to date', tone: 'success' },
    stale: { label: 'Restarting', tone: 'warning' },
    throttled: { label: 'Throttled', tone: 'warning' },
    blocked_by_access_policy: { label: 'Blocked by access policy', tone: 'danger' },
    no_mailbox: { label: 'No mailbox', tone: 'warning' },
    failed: { label: 'Failed', tone: 'danger' },
  };

/**
 * A calendar channel's state as the console shows it. The API words most states; a pending or
 * failed channel carries only its last error code, which is explained here. Out of scope,
 * nothing is synced; the scope's own reason is shown beside it (the Calendar cell or card).
 */
export function calendarStateView(channel: CalendarChannelStatus): SyncStateView {
  const { label, tone } = STATUS[channel.status];
  if (channel.status === 'not_in_scope') return { label, tone, reason: null, nextAction: null };
  const code = channel.reason && isSyncCode(channel.reason) ? channel.reason : null;
  const explained = code ? explainSyncCode(code) : null;
  if (channel.status === 'pending' && channel.stage === 'never') {
    return {
      label: 'Not synced yet',
      tone: 'neutral',
      reason: explained?.reason ?? null,
      nextAction: explained?.nextAction ?? 'Nothing: the first sync starts with the next cycle.',
    };
  }
  if (channel.status === 'pending' && explained) {
    // Queued again after a failure that is retried: say why, not just "queued".
    return { label: 'Retrying', tone: 'warning', ...explained };
  }
  return {
    label,
    tone,
    reason: explained?.reason ?? channel.reason,
    nextAction: channel.nextAction ?? explained?.nextAction ?? null,
  };
}

/** The zone Rox writes a mailbox's events in, and what to do when it is UTC by necessity. */
export interface WriteZoneView {
  zone: string;
  isFallback: boolean;
  reason: string | null;
  nextAction: string | null;
}

/**
 * The write zone as the console (API wording) or the member (their own wording) reads it. A
 * member on their own Outlook connection fixes a missing permission themselves by connecting
 * again; on the org-wide connection only an admin can.
 */
export function writeZoneView(
  tz: CalendarWriteTimeZone,
  audience: 'member' | 'admin',
): WriteZoneView {
  const base = { zone: tz.zone, isFallback: tz.issue !== null };
  if (audience === 'admin' || tz.issue === null)
    return { ...base, reason: tz.reason, nextAction: tz.nextAction };
  if (tz.issue === 'mailbox_time_zone_unconvertible') {
    return {
      ...base,
      reason:
        'Your mailbox uses a custom or unknown time zone that Rox cannot convert, so the events Rox writes to your calendar carry UTC as their time zone.',
      nextAction:
        'Choose a standard time zone in Outlook (Settings → Calendar); later writes read it again.',
    };
  }
  const isOwnConnection = tz.nextAction?.startsWith('Connect Outlook Calendar again') ?? false;
  return {
    ...base,
    reason:
      'Rox may not read your mailbox’s time zone, so the events it writes to your calendar carry UTC as their time zone: the times are right, but Outlook shows them as UTC meetings.',
    nextAction: isOwnConnection
      ? tz.nextAction
      : askYourAdmin(
          'Grant admin consent again so Rox may read mailbox settings (MailboxSettings.Read).',
        ),
  };
}
