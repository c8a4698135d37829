import { Injectable } from '@nestjs/common';

import {
  type CalendarAccessLevel,
  type CalendarMeetingDeletes,
  type EmailAccessLevel,
  type ExtraMailFolder,
} from '@rox365/contracts';
import { type Capability } from '@rox365/scope-policy';

import { AppConfig } from '../config/app-config';
import { degradedReasons, evaluate, workingCapabilities } from './consent-policy';
import { type IndividualKind, type IndividualLevel } from './entities/individual-connection.entity';
import { IndividualConnectionRepository } from './individual-connection.repository';
import { grantedAccess } from './individual/individual-grant';
import { OrgwideConnectionRepository } from './orgwide-connection.repository';
import { OrgwideSettingsRepository } from './orgwide-settings.repository';

/** The admin's org-wide settings, as other features read them. */
export interface OrgwideAccessSettings {
  calendarAccess: CalendarAccessLevel;
  emailAccess: EmailAccessLevel;
  /** Normalised (lower-case, punycode) domains whose mail is never synced. */
  restrictedDomains: string[];
  /** Lower-cased emails of members whose mail is never synced. */
  restrictedUsers: string[];
  /** Mail folders synced besides Inbox and Sent Items (Graph well-known names). */
  extraMailFolders: ExtraMailFolder[];
  overrides: {
    roxUserId: string;
    calendarAccess: CalendarAccessLevel | null;
    emailAccess: EmailAccessLevel | null;
  }[];
}

/** A live org-wide connection, as other features read it. Never holds a token. */
export interface OrgwideConnectionView {
  orgId: string;
  tenantId: string;
  state: 'connected' | 'degraded';
  /** Application permissions from the latest token's `roles` claim. */
  grantedPermissions: string[];
  /** What the grant lets Rox do (empty while consent is revoked). */
  capabilities: Capability[];
  connectedAt: Date;
  permissionsCheckedAt: Date;
  settings: OrgwideAccessSettings;
}

/** A member's configured access after overrides and restrictions (before clamping to the grant). */
export interface ConfiguredMemberAccess {
  calendarAccess: CalendarAccessLevel;
  emailAccess: EmailAccessLevel;
  /** True when the member's email is on the restricted list (email access is then off). */
  isMailRestricted: boolean;
}

const LOWEST_LEVEL: Record<IndividualKind, IndividualLevel> = {
  calendar: 'read',
  mail: 'metadata',
};

/** A member's own connected Outlook connection, as other features read it. */
export interface IndividualAccessView {
  roxUserId: string;
  kind: 'calendar' | 'mail';
  /** The level the member connected with (the kind's lowest for a row made before levels). */
  level: IndividualLevel;
  /** That level as far as the scopes Microsoft granted cover it (`off`: none of the kind's). */
  effective: CalendarAccessLevel | EmailAccessLevel;
  /** Why `effective` is below `level`, else null. */
  clampReason: string | null;
}

/** Read side of the consent feature for other modules (exported by ConsentModule). */
@Injectable()
export class ConnectionReader {
  constructor(
    private readonly settingsRepo: OrgwideSettingsRepository,
    private readonly connections: OrgwideConnectionRepository,
    private readonly individual: IndividualConnectionRepository,
    private readonly config: AppConfig,
  ) {}

  /** Members' connected Microsoft (Outlook) connections: the individual route to a mailbox. */
  async individualAccess(orgId: string): Promise<IndividualAccessView[]> {
    const live = await this.individual.listActive(orgId);
    return live
      .filter((c) => c.provider === 'microsoft' && c.status === 'connected')
      .map((c) => {
        const level = c.level ?? LOWEST_LEVEL[c.kind];
        const granted = grantedAccess(c.kind, level, c.scopes);
        return {
          roxUserId: c.roxUserId,
          kind: c.kind,
          level,
          effective: granted.effective,
          clampReason: granted.reason,
        };
      });
  }

  /** CAL-W7: whether Rox may delete meetings with attendees in Outlook ('confirm' by default). */
  async calendarMeetingDeletes(orgId: string): Promise<CalendarMeetingDeletes> {
    return (await this.settingsRepo.find(orgId))?.calendarMeetingDeletes ?? 'confirm';
  }

  /** The org's extra mail folders (none until the admin saves settings): one read, no overrides. */
  async extraMailFolders(orgId: string): Promise<OrgwideAccessSettings['extraMailFolders']> {
    return [...((await this.settingsRepo.find(orgId))?.extraMailFolders ?? [])];
  }

  /**
   * The org's restricted domains and users (empty until the admin saves settings): one read, no
   * overrides — every restriction check (status reads, sync, writes) asks for them.
   */
  async restrictedLists(
    orgId: string,
  ): Promise<Pick<OrgwideAccessSettings, 'restrictedDomains' | 'restrictedUsers'>> {
    const settings = await this.settingsRepo.find(orgId);
    return {
      restrictedDomains: [...(settings?.restrictedDomains ?? [])],
      restrictedUsers: [...(settings?.restrictedUsers ?? [])],
    };
  }

  /** The org's settings with overrides, or null when the admin has not saved any. */
  async settings(orgId: string): Promise<OrgwideAccessSettings | null> {
    const settings = await this.settingsRepo.find(orgId);
    if (!settings) return null;
    const overrides = await this.settingsRepo.overrides(orgId);
    return {
      calendarAccess: settings.calendarAccess,
      emailAccess: settings.emailAccess,
      restrictedDomains: [...settings.restrictedDomains],
      restrictedUsers: [...settings.restrictedUsers],
      extraMailFolders: [...settings.extraMailFolders],
      overrides: overrides.map((o) => ({
        roxUserId: o.roxUserId,
        calendarAccess: o.calendarAccess,
        emailAccess: o.emailAccess,
      })),
    };
  }

  /** The org's connection, or null when it is not connected. */
  async connection(orgId: string): Promise<OrgwideConnectionView | null> {
    const connection = await this.connections.find(orgId);
    if (!connection) return null;
    const settings = await this.settings(orgId);
    if (!settings) return null;
    const evaluation = evaluate(
      connection.grantedPermissions,
      settings,
      this.config.microsoft.orgwide.displayName,
    );
    const degraded = degradedReasons(evaluation, connection.checkError).length > 0;
    return {
      orgId,
      tenantId: connection.tenantId,
      state: degraded ? 'degraded' : 'connected',
      grantedPermissions: [...connection.grantedPermissions],
      capabilities: workingCapabilities(evaluation, connection.checkError),
      connectedAt: connection.connectedAt,
      permissionsCheckedAt: connection.permissionsCheckedAt,
      settings,
    };
  }

  /** The org connected to this tenant, if any (one indexed lookup). */
  async orgOfTenant(tenantId: string): Promise<string | null> {
    return (await this.connections.findByTenant(tenantId))?.orgId ?? null;
  }

  /**
   * Every org Rox reaches mailboxes of: connected org-wide, or with a member's own connection
   * connected (change subscriptions are kept for both).
   */
  async orgsWithMailboxes(): Promise<{ orgId: string }[]> {
    const orgwide = (await this.connections.listAll()).map((c) => c.orgId);
    const own = (await this.individual.orgsWithConnected()).map((o) => o.orgId);
    return [...new Set([...orgwide, ...own])].map((orgId) => ({ orgId }));
  }

  /** Every connected org with its tenant, for crons that enqueue one job per org. */
  async connectedOrgs(): Promise<{ orgId: string; tenantId: string }[]> {
    const all = await this.connections.listAll();
    return all.map((c) => ({ orgId: c.orgId, tenantId: c.tenantId }));
  }

  /** A member's configured access: override, else the org default; restricted users get no email. */
  memberAccess(
    settings: OrgwideAccessSettings,
    member: { roxUserId: string; email: string },
  ): ConfiguredMemberAccess {
    const override = settings.overrides.find((o) => o.roxUserId === member.roxUserId);
    const isMailRestricted = settings.restrictedUsers.includes(member.email.trim().toLowerCase());
    return {
      calendarAccess: override?.calendarAccess ?? settings.calendarAccess,
      emailAccess: isMailRestricted ? 'off' : (override?.emailAccess ?? settings.emailAccess),
      isMailRestricted,
    };
  }
}
