import {
  type DirectoryUser as DirectoryUserContract,
  type ProbeOutcome,
  type ProbeResult,
} from '@rox365/contracts';
import { type GraphUser, type MailboxProbeOutcome } from '@rox365/graph-client';

import { type DirectoryProbe } from './entities/directory-probe.entity';
import { type DirectoryUser, type DirectoryUserFields } from './entities/directory-user.entity';
import { NEXT_ACTION, REASON } from './member-scope';

/**
 * The properties a Graph user entry carries. Delta entries may leave out properties that did not
 * change (`Prefer: return=minimal`, replays), so absent ones stay absent rather than becoming null.
 */
export function graphUserToPatch(user: GraphUser): Partial<DirectoryUserFields> {
  const patch: Partial<DirectoryUserFields> = {};
  if (user.userPrincipalName != null) patch.userPrincipalName = user.userPrincipalName;
  if (user.mail !== undefined) patch.mail = user.mail;
  if (user.proxyAddresses !== undefined) patch.proxyAddresses = [...user.proxyAddresses];
  if (user.displayName !== undefined) patch.displayName = user.displayName;
  if (user.accountEnabled !== undefined) patch.accountEnabled = user.accountEnabled;
  if (user.userType !== undefined) patch.userType = user.userType;
  return patch;
}

/** A patch over what was stored before (or over empty values for a new user). */
export function completeFields(
  patch: Partial<DirectoryUserFields>,
  previous: DirectoryUserFields | null,
): DirectoryUserFields {
  return {
    userPrincipalName: patch.userPrincipalName ?? previous?.userPrincipalName ?? '',
    mail: patch.mail !== undefined ? patch.mail : (previous?.mail ?? null),
    proxyAddresses: patch.proxyAddresses ?? previous?.proxyAddresses ?? [],
    displayName:
      patch.displayName !== undefined ? patch.displayName : (previous?.displayName ?? null),
    accountEnabled:
      patch.accountEnabled !== undefined
        ? patch.accountEnabled
        : (previous?.accountEnabled ?? null),
    userType: patch.userType !== undefined ? patch.userType : (previous?.userType ?? null),
  };
}

export function toDirectoryUserContract(
  user: DirectoryUser,
  mappedRoxUserId: string | null,
): DirectoryUserContract {
  return {
    id: user.id,
    userPrincipalName: user.userPrincipalName,
    mail: user.mail,
    proxyAddresses: [...user.proxyAddresses],
    displayName: user.displayName,
    accountEnabled: user.accountEnabled,
    userType: user.userType,
    mailboxState: user.mailboxState,
    mappedRoxUserId,
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

export function toProbeResultContract(probe: DirectoryProbe): ProbeResult {
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
