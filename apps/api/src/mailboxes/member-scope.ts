import {
  type CalendarAccessLevel,
  type EmailAccessLevel,
  type MemberSyncStatus,
  type ProbeOutcome,
} from '@rox365/contracts';
import {
  CALENDAR_ACCESS_CAPABILITIES,
  CAPABILITY_MINIMUM_PERMISSION,
  effectiveAccess,
  EMAIL_ACCESS_CAPABILITIES,
  type Capability,
} from '@rox365/scope-policy';

export type Scope = MemberSyncStatus['calendar'];

/** The org's settings as far as scope needs them. */
export interface ScopeSettings {
  calendarAccess: CalendarAccessLevel;
  emailAccess: EmailAccessLevel;
  restrictedUsers: readonly string[];
  overrides: readonly {
    roxUserId: string;
    calendarAccess: CalendarAccessLevel | null;
    emailAccess: EmailAccessLevel | null;
  }[];
}

/** Everything that decides one member's calendar and mail scope. */
export interface MemberScopeInput {
  member: { roxUserId: string; email: string };
  /** Null when the org has no saved settings. */
  settings: ScopeSettings | null;
  /** Capabilities of the live connection; null when the org is not connected. */
  capabilities: readonly Capability[] | null;
  /** The mapped directory user, or null when no Microsoft 365 account matches. */
  directoryUser: { id: string; accountEnabled: boolean | null } | null;
  probe: { directoryUserId: string | null; mail: ProbeOutcome; calendar: ProbeOutcome } | null;
}

export interface MemberScope {
  calendar: Scope;
  mail: Scope;
}

export const NEXT_ACTION = {
  connect: 'An admin connects Microsoft 365 under Integrations.',
  turnOnCalendar:
    'Turn calendar sync on for this member (override) or for the organisation if they need it.',
  turnOnEmail:
    'Turn email sync on for this member (override) or for the organisation if they need it.',
  unrestrict: 'Remove their address from the restricted users list to sync their email.',
  mapAccount:
    "Make the member's Rox email the mail, user principal name or an alias of their Microsoft 365 account, then run a directory sync.",
  enableAccount: 'Enable the account in Microsoft Entra, or remove the member from Rox sync.',
  accessPolicy:
    "Add them to your access policy's group in Exchange Online (see Access policy), or remove them from Rox sync.",
  license: 'Assign an Exchange Online licence to the account, then run the probe again.',
  resync: "Run a directory sync, then check the member's email.",
  reprobe: 'Run the probe again; if it keeps failing, contact support.',
  grant: (permission: string) =>
    `Grant ${permission} again: select Grant admin consent again in the admin console (no disconnect needed).`,
} as const;

export const REASON = {
  notConnected: 'Microsoft 365 is not connected for this organisation.',
  calendarOffMember: 'Calendar sync is off for this member.',
  calendarOffOrg: 'Calendar sync is off for the organisation.',
  emailOffMember: 'Email sync is off for this member.',
  emailOffOrg: 'Email sync is off for the organisation.',
  restricted: 'Email sync is off for this member: their address is on the restricted users list.',
  unmapped: "No Microsoft 365 account matches this member's email.",
  disabled: "The member's Microsoft 365 account is disabled.",
  accessPolicy: 'Blocked by your Exchange application access policy.',
  noMailbox:
    'The account has no Exchange Online mailbox (unlicensed, on-premises or still being provisioned).',
  userNotFound: 'The Microsoft 365 account no longer exists.',
  probeError: 'The last probe failed for an unexpected reason; sync still tries.',
  revoked: (permission: string) => `${permission} was revoked in Entra (or never granted).`,
} as const;

type Kind = 'calendar' | 'mail';

/**
 * A member's calendar and mail scope: configured access (org default, override, restricted
 * users), then the mapping to a Microsoft 365 account, the connection's granted capabilities
 * and the latest probe, each with the reason and what to do next when out of scope.
 */
export function memberScope(input: MemberScopeInput): MemberScope {
  const { member, settings } = input;
  const override = settings?.overrides.find((o) => o.roxUserId === member.roxUserId);
  const isMailRestricted =
    settings?.restrictedUsers.includes(member.email.trim().toLowerCase()) ?? false;
  const calendarConfigured = override?.calendarAccess ?? settings?.calendarAccess ?? 'off';
  const emailConfigured = isMailRestricted
    ? 'off'
    : (override?.emailAccess ?? settings?.emailAccess ?? 'off');

  const offReason = {
    calendar: {
      reason: override?.calendarAccess ? REASON.calendarOffMember : REASON.calendarOffOrg,
      nextAction: NEXT_ACTION.turnOnCalendar,
    },
    mail: isMailRestricted
      ? { reason: REASON.restricted, nextAction: NEXT_ACTION.unrestrict }
      : {
          reason: override?.emailAccess ? REASON.emailOffMember : REASON.emailOffOrg,
          nextAction: NEXT_ACTION.turnOnEmail,
        },
  };

  const clamped =
    input.capabilities === null
      ? null
      : effectiveAccess(
          { calendarAccess: calendarConfigured, emailAccess: emailConfigured },
          input.capabilities,
        );

  const decide = (kind: Kind): Scope => {
    const configured = kind === 'calendar' ? calendarConfigured : emailConfigured;
    const out = (reason: string, nextAction: string): Scope => ({
      configured,
      effective: 'off',
      inScope: false,
      reason,
      nextAction,
    });
    if (!clamped) return out(REASON.notConnected, NEXT_ACTION.connect);
    if (configured === 'off') return out(offReason[kind].reason, offReason[kind].nextAction);
    if (!input.directoryUser) return out(REASON.unmapped, NEXT_ACTION.mapAccount);
    if (input.directoryUser.accountEnabled === false) {
      return out(REASON.disabled, NEXT_ACTION.enableAccount);
    }
    const access = kind === 'calendar' ? clamped.calendarAccess : clamped.emailAccess;
    const neededPermission = strongestPermission(kind, configured, access.missing);
    if (access.effective === 'off') {
      return out(REASON.revoked(neededPermission), NEXT_ACTION.grant(neededPermission));
    }
    const probe =
      input.probe &&
      (input.probe.directoryUserId === null ||
        input.probe.directoryUserId === input.directoryUser.id)
        ? input.probe[kind]
        : null;
    switch (probe) {
      case 'denied_by_policy':
        return out(REASON.accessPolicy, NEXT_ACTION.accessPolicy);
      case 'no_mailbox':
        return out(REASON.noMailbox, NEXT_ACTION.license);
      case 'permission_not_granted':
        return out(REASON.revoked(neededPermission), NEXT_ACTION.grant(neededPermission));
      case 'user_not_found':
        return out(REASON.userNotFound, NEXT_ACTION.resync);
      case 'error':
        return {
          configured,
          effective: access.effective,
          inScope: true,
          reason: REASON.probeError,
          nextAction: NEXT_ACTION.reprobe,
        };
      case 'granted':
      case null:
        break;
    }
    return {
      configured,
      effective: access.effective,
      inScope: true,
      reason: access.reason,
      nextAction: access.isClamped ? NEXT_ACTION.grant(neededPermission) : null,
    };
  };

  return { calendar: decide('calendar'), mail: decide('mail') };
}

// The permission to name: the first missing one, else the strongest the configured level needs.
function strongestPermission(kind: Kind, configured: string, missing: readonly Capability[]) {
  const first = missing[0];
  if (first) return CAPABILITY_MINIMUM_PERMISSION[first];
  const needs =
    kind === 'calendar'
      ? CALENDAR_ACCESS_CAPABILITIES[configured as CalendarAccessLevel]
      : EMAIL_ACCESS_CAPABILITIES[configured as EmailAccessLevel];
  const last = needs[needs.length - 1];
  return last ? CAPABILITY_MINIMUM_PERMISSION[last] : 'the permission';
}

/** True when either calendar or mail is in scope. */
export function isInScope(scope: MemberScope): boolean {
  return scope.calendar.inScope || scope.mail.inScope;
}
