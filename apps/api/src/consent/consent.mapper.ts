import { type OrgwideSettings as OrgwideSettingsContract } from '@rox365/contracts';

import { type MemberOverride } from './entities/member-override.entity';
import { type OrgwideSettings } from './entities/orgwide-settings.entity';

/** Settings as the SPA sees them; before the first save, everything is off and no tenant is set. */
export function toSettingsContract(
  settings: OrgwideSettings | null,
  overrides: readonly MemberOverride[],
): OrgwideSettingsContract {
  return {
    calendarAccess: settings?.calendarAccess ?? 'off',
    emailAccess: settings?.emailAccess ?? 'off',
    restrictedDomains: [...(settings?.restrictedDomains ?? [])],
    restrictedUsers: [...(settings?.restrictedUsers ?? [])],
    extraMailFolders: [...(settings?.extraMailFolders ?? [])],
    calendarMeetingDeletes: settings?.calendarMeetingDeletes ?? 'confirm',
    tenant: settings?.tenant ?? null,
    tenantId: settings?.tenantId ?? null,
    overrides: overrides.map((o) => ({
      roxUserId: o.roxUserId,
      calendarAccess: o.calendarAccess,
      emailAccess: o.emailAccess,
    })),
    updatedAt: settings?.updatedAt.toISOString() ?? null,
  };
}
