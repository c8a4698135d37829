import { NOTIFICATIONS_DEGRADED } from '@rox365/contracts';

// Sync channels keep the code of their last failure ("MAIL_GRAPH_THROTTLED"); people read what
// it means and what happens next. Said to the admin; a member's page rewords the next action.

export interface SyncExplanation {
  reason: string;
  nextAction: string | null;
}

export type SyncTone = 'neutral' | 'info' | 'success' | 'warning' | 'danger';

/** A sync's state as a screen shows it: a badge, why, and what happens next. */
export interface SyncStateView {
  label: string;
  tone: SyncTone;
  /** Why the sync is where it is, in words; null when nothing needs saying. */
  reason: string | null;
  /** What happens next or what to do (admin wording); null when nothing is needed. */
  nextAction: string | null;
}

const THROTTLED: SyncExplanation = {
  reason: 'Microsoft Graph is throttling this mailbox.',
  nextAction: 'Nothing: it resumes by itself.',
};
const UNAVAILABLE: SyncExplanation = {
  reason: 'Microsoft Graph was unavailable.',
  nextAction: 'Nothing: Rox tries again by itself.',
};
const REFUSED: SyncExplanation = {
  reason:
    'Microsoft refused access to this mailbox: an Exchange access policy, a missing permission or no Exchange Online mailbox.',
  nextAction:
    'Check the member on Access policy and the permission report; Rox reads the mailbox again on its next cycle.',
};
const FAILED: SyncExplanation = {
  reason: 'The last sync stopped with an error.',
  nextAction: 'Nothing: Rox tries again on its next cycle. If it keeps failing, contact support.',
};

const BLOCKED_BY_POLICY: SyncExplanation = {
  reason: 'Exchange’s application access policy keeps Rox out of this mailbox.',
  nextAction: 'Add the mailbox to the access-policy group; sync resumes by itself.',
};
const NO_MAILBOX: SyncExplanation = {
  reason: 'The Microsoft 365 user has no Exchange Online mailbox.',
  nextAction: 'Give the user an Exchange Online licence; sync resumes by itself.',
};
const USER_NOT_FOUND: SyncExplanation = {
  reason: 'Microsoft 365 no longer knows this user.',
  nextAction: 'Run a directory sync from the overview to map the member again.',
};
const RESTRICTIONS_CHANGED: SyncExplanation = {
  reason: 'The org’s restricted domains or users changed while this mailbox was being read.',
  nextAction: 'Nothing: Rox reads it again with the new lists.',
};
const LEFT_SCOPE: SyncExplanation = {
  reason: 'The member left sync (scope or settings changed) while the mailbox was being read.',
  nextAction: 'Nothing: what Rox held for this mailbox is removed.',
};

const EXPLANATIONS: Readonly<Record<string, SyncExplanation>> = {
  CALENDAR_GRAPH_THROTTLED: THROTTLED,
  MAIL_GRAPH_THROTTLED: THROTTLED,
  CALENDAR_GRAPH_UNAVAILABLE: UNAVAILABLE,
  MAIL_GRAPH_UNAVAILABLE: UNAVAILABLE,
  CALENDAR_PERMISSION_DENIED: REFUSED,
  MAIL_PERMISSION_DENIED: REFUSED,
  CALENDAR_BLOCKED_BY_ACCESS_POLICY: BLOCKED_BY_POLICY,
  MAIL_BLOCKED_BY_ACCESS_POLICY: BLOCKED_BY_POLICY,
  MAIL_FOLDER_NOT_FOUND: {
    reason: 'This mailbox has no such folder; its other folders sync as usual.',
    nextAction:
      'Nothing, unless the folder should exist: Rox looks for it again on each sync, or untick it in the settings.',
  },
  CALENDAR_NO_MAILBOX: NO_MAILBOX,
  MAIL_NO_MAILBOX: NO_MAILBOX,
  CALENDAR_USER_NOT_FOUND: USER_NOT_FOUND,
  MAIL_USER_NOT_FOUND: USER_NOT_FOUND,
  CALENDAR_GRAPH_FAILED: FAILED,
  CALENDAR_SYNC_FAILED: FAILED,
  MAIL_GRAPH_FAILED: FAILED,
  MAIL_SYNC_FAILED: FAILED,
  SYNC_ROUND_INCOMPLETE: {
    reason: 'Microsoft ended the last round before it was complete.',
    nextAction: 'Nothing: the round is run again.',
  },
  CALENDAR_RESTRICTIONS_CHANGED: RESTRICTIONS_CHANGED,
  MAIL_RESTRICTIONS_CHANGED: RESTRICTIONS_CHANGED,
  // A round stopped because the member left sync while it ran.
  CALENDAR_NOT_IN_SCOPE: LEFT_SCOPE,
  MAIL_MEMBER_NOT_FOUND: LEFT_SCOPE,
  SYNC_JOB_STALE: {
    reason: 'The last sync stopped without finishing.',
    nextAction: 'Nothing: it was queued again.',
  },
  // Not a failure of the sync: Microsoft's change notifications for this channel are off.
  [NOTIFICATIONS_DEGRADED]: {
    reason:
      'Microsoft’s change notifications for this mailbox could not be set up or renewed; changes arrive with the regular sync instead of within a minute.',
    nextAction: 'Nothing: Rox sets them up again by itself. If it persists, contact support.',
  },
};

const CODE = /^[A-Z][A-Z0-9_]+$/;

/** True for a bare error code rather than a sentence (or a known lower-case reason code). */
export function isSyncCode(text: string): boolean {
  return CODE.test(text) || text === NOTIFICATIONS_DEGRADED;
}

/** What a failure code means and what happens next; unknown codes are named for support. */
export function explainSyncCode(code: string): SyncExplanation {
  return (
    EXPLANATIONS[code] ?? {
      reason: `The last sync stopped with the error ${code}.`,
      nextAction: FAILED.nextAction,
    }
  );
}

/** A reason as people read it: sentences stay, codes are explained. */
export function readableReason(reason: string | null): string | null {
  if (!reason) return null;
  return isSyncCode(reason) ? explainSyncCode(reason).reason : reason;
}
