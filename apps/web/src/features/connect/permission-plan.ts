import {
  type CalendarAccessLevel,
  type EmailAccessLevel,
  type MemberOverride,
} from '@rox365/contracts';
import {
  APPLICATION_PERMISSIONS,
  covers,
  requestedApplicationPermissions,
  requiredApplicationPermissions,
  type OrgAccessSettings,
} from '@rox365/scope-policy';

export interface PlannedPermission {
  name: string;
  displayName: string;
  isNeeded: boolean;
}

/** What the consent screen will ask for, and which of it this configuration actually uses. */
export function permissionPlan(input: {
  calendarAccess: CalendarAccessLevel;
  emailAccess: EmailAccessLevel;
  overrides: readonly MemberOverride[];
}): PlannedPermission[] {
  const settings: OrgAccessSettings = {
    defaults: { calendarAccess: input.calendarAccess, emailAccess: input.emailAccess },
    overrides: input.overrides.map((o) => ({
      member: o.roxUserId,
      ...(o.calendarAccess ? { calendarAccess: o.calendarAccess } : {}),
      ...(o.emailAccess ? { emailAccess: o.emailAccess } : {}),
    })),
  };
  const required = requiredApplicationPermissions(settings);
  const requested = requestedApplicationPermissions();
  // A required permission the app does not request (User.Read.All) is provided by a broader one
  // that it does (Directory.Read.All).
  const isNeeded = (name: (typeof requested)[number]) =>
    required.some((r) => r === name || (!requested.includes(r) && covers(name, r)));
  return requested.map((name) => ({
    name,
    displayName: APPLICATION_PERMISSIONS.find((p) => p.name === name)?.displayName ?? name,
    isNeeded: isNeeded(name),
  }));
}
