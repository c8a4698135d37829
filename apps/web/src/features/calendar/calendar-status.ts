import { type CalendarChannelStatus } from '@rox365/contracts';

import {
  explainSyncCode,
  isSyncCode,
  type SyncStateView,
  type SyncTone,
} from '../../shared/sync-reasons';

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
