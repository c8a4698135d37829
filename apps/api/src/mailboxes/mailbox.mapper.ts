import { type MemberSyncStatus, type ProbeOutcome, type ProbeResult } from '@rox365/contracts';
import { type MailboxProbeOutcome } from '@rox365/graph-client';

import { type MailboxProbe } from './entities/mailbox-probe.entity';
import { Mailbox, type MailboxRoute } from './entities/mailbox.entity';
import { NEXT_ACTION, REASON } from './member-scope';

/** A computed member status as the row that stores it. */
export function toMailboxRow(
  orgId: string,
  status: MemberSyncStatus,
  route: MailboxRoute,
  isProbeTarget: boolean,
  refreshedAt: Date,
): Mailbox {
  return new Mailbox({
    orgId,
    roxUserId: status.roxUserId,
    email: status.email,
    displayName: status.displayName,
    role: status.role,
    route,
    directoryUserId: status.directoryUserId,
    directoryUpn: status.directoryUpn,
    overrideCalendar: status.override.calendarAccess,
    overrideEmail: status.override.emailAccess,
    calendarConfigured: status.calendar.configured,
    calendarEffective: status.calendar.effective,
    calendarInScope: status.calendar.inScope,
    calendarReason: status.calendar.reason,
    calendarNextAction: status.calendar.nextAction,
    mailConfigured: status.mail.configured,
    mailEffective: status.mail.effective,
    mailInScope: status.mail.inScope,
    mailReason: status.mail.reason,
    mailNextAction: status.mail.nextAction,
    isProbeTarget,
    probe: status.probe,
    refreshedAt,
  });
}

/** A stored row as the API's member status. */
export function toMemberSyncStatus(row: Mailbox): MemberSyncStatus {
  return {
    roxUserId: row.roxUserId,
    email: row.email,
    displayName: row.displayName,
    role: row.role,
    directoryUserId: row.directoryUserId,
    directoryUpn: row.directoryUpn,
    route: row.route,
    override: {
      calendarAccess: row.overrideCalendar as MemberSyncStatus['override']['calendarAccess'],
      emailAccess: row.overrideEmail as MemberSyncStatus['override']['emailAccess'],
    },
    calendar: {
      configured: row.calendarConfigured,
      effective: row.calendarEffective,
      inScope: row.calendarInScope,
      reason: row.calendarReason,
      nextAction: row.calendarNextAction,
    },
    mail: {
      configured: row.mailConfigured,
      effective: row.mailEffective,
      inScope: row.mailInScope,
      reason: row.mailReason,
      nextAction: row.mailNextAction,
    },
    probe: row.probe,
  };
}

/** Graph-client probe outcome → contract outcome (throttling never gets stored). */
export function toProbeOutcome(outcome: Exclude<MailboxProbeOutcome, 'throttled'>): ProbeOutcome {
  switch (outcome) {
    case 'ok':
      return 'granted';
    case 'access_policy_denied':
      return 'denied_by_policy';
    case 'mailbox_not_enabled':
      return 'no_mailbox';
    case 'permission_missing':
      return 'permission_not_granted';
    case 'user_not_found':
      return 'user_not_found';
    case 'error':
      return 'error';
  }
}

/** What the admin should do about a probe, worst outcome first; null when both are granted. */
export function probeNextAction(mail: ProbeOutcome, calendar: ProbeOutcome): string | null {
  const outcomes = [mail, calendar];
  if (outcomes.includes('user_not_found')) return `${REASON.userNotFound} ${NEXT_ACTION.resync}`;
  if (outcomes.includes('no_mailbox')) return `${REASON.noMailbox} ${NEXT_ACTION.license}`;
  if (outcomes.includes('permission_not_granted')) {
    const permission = mail === 'permission_not_granted' ? 'Mail.Read' : 'Calendars.Read';
    return `${REASON.revoked(permission)} ${NEXT_ACTION.grant(permission)}`;
  }
  if (outcomes.includes('denied_by_policy')) return NEXT_ACTION.accessPolicy;
  if (outcomes.includes('error')) return NEXT_ACTION.reprobe;
  return null;
}

export function toProbeResultContract(probe: MailboxProbe): ProbeResult {
  return {
    roxUserId: probe.roxUserId,
    email: probe.email,
    directoryUserId: probe.directoryUserId,
    mail: probe.mail,
    calendar: probe.calendar,
    checkedAt: probe.checkedAt.toISOString(),
    nextAction: probeNextAction(probe.mail, probe.calendar),
  };
}
