import { NOTIFICATIONS_DEGRADED, type MemberMailStatus } from '@rox365/contracts';

import { explainSyncCode, type SyncStateView } from '../../shared/sync-reasons';

/**
 * One state for a member's mail from its folders: a refusal or failure first, then a retry after
 * an error, then work in progress, then "up to date". Out of scope, nothing is synced; the
 * scope's own reason is shown beside it (the Email cell, the member's Email card).
 */
export function mailStateView(status: MemberMailStatus): SyncStateView {
  if (!status.inScope)
    return { label: 'Not synced', tone: 'neutral', reason: null, nextAction: null };
  // An extra folder the mailbox does not have is said on its own row; it does not fail the mailbox.
  const channels = status.channels.filter((c) => c.reason !== 'MAIL_FOLDER_NOT_FOUND');
  const failed = channels.find((c) => c.stage === 'failed');
  if (failed) {
    return {
      label: 'Failed',
      tone: 'danger',
      ...explainSyncCode(failed.reason ?? 'MAIL_SYNC_FAILED'),
    };
  }
  // Degraded notifications are not a retry: the folder still syncs, by polling.
  const retrying = channels.find(
    (c) => c.stage === 'queued' && c.reason && c.reason !== NOTIFICATIONS_DEGRADED,
  );
  if (retrying?.reason) {
    return { label: 'Retrying', tone: 'warning', ...explainSyncCode(retrying.reason) };
  }
  if (channels.some((c) => c.stage === 'running' || c.stage === 'queued')) {
    return { label: 'Syncing', tone: 'info', reason: null, nextAction: null };
  }
  if (channels.length === 0 || channels.every((c) => c.stage === 'never')) {
    return {
      label: 'Not synced yet',
      tone: 'neutral',
      reason: null,
      nextAction: 'Nothing: the first sync starts with the next cycle.',
    };
  }
  return { label: 'Up to date', tone: 'success', reason: null, nextAction: null };
}
