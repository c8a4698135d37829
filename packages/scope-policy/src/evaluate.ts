import {
  CALENDAR_ACCESS_CAPABILITIES,
  CALENDAR_ACCESS_SUPPORT_CAPABILITIES,
  CAPABILITIES,
  capabilitiesFromPermissions,
  CAPABILITY_FEATURES,
  CAPABILITY_MINIMUM_PERMISSION,
  EMAIL_ACCESS_CAPABILITIES,
  hasCapability,
  isRunningCapability,
  type Capability,
} from './capabilities';
import {
  APPLICATION_PERMISSIONS,
  applicationPermission,
  coveredBy,
  covers,
  isApplicationPermission,
  type ApplicationPermission,
} from './permissions';
import {
  CALENDAR_ACCESS_LEVELS,
  EMAIL_ACCESS_LEVELS,
  maxCalendarAccess,
  maxEmailAccess,
  type CalendarAccess,
  type EmailAccess,
  type MemberAccess,
  type OrgAccessSettings,
} from './settings';

/** The name the app has in customers' Entra tenants (Enterprise applications list). */
export const DEFAULT_APP_DISPLAY_NAME = 'Rox 365 Integration';

/**
 * Every application permission configured on the app registration. Admin consent for application
 * permissions is all-or-nothing, so this is exactly what the consent screen shows and grants.
 */
export const REQUESTED_APPLICATION_PERMISSIONS: readonly ApplicationPermission[] = [
  'Mail.ReadBasic.All',
  'Mail.Read',
  'Mail.ReadWrite',
  'Mail.Send',
  'Calendars.Read',
  'Calendars.ReadWrite',
  'MailboxSettings.Read',
  'Directory.Read.All',
];

/** What the admin-consent screen will show (and what a fresh consent grants). */
export function requestedApplicationPermissions(): ApplicationPermission[] {
  return [...REQUESTED_APPLICATION_PERMISSIONS];
}

/**
 * The capabilities a configuration uses: the directory always, plus the highest configured level
 * with what supports it (the mailbox time zone for two-way calendar sync).
 */
export function requiredCapabilities(settings: OrgAccessSettings): Capability[] {
  const needed = new Set<Capability>(['directory_sync']);
  const calendar = maxCalendarAccess(settings);
  for (const c of CALENDAR_ACCESS_CAPABILITIES[calendar]) needed.add(c);
  for (const c of CALENDAR_ACCESS_SUPPORT_CAPABILITIES[calendar]) needed.add(c);
  for (const c of EMAIL_ACCESS_CAPABILITIES[maxEmailAccess(settings)]) needed.add(c);
  return CAPABILITIES.filter((c) => needed.has(c));
}

/**
 * The minimal set of application permissions a configuration needs, over the default and every
 * override. Sending uses `sendMail` and reads the sent copy back from Sent Items, so `read_send`
 * needs Mail.Read + Mail.Send and never Mail.ReadWrite (Rox creates no drafts).
 */
export function requiredApplicationPermissions(
  settings: OrgAccessSettings,
): ApplicationPermission[] {
  const minimums = new Set(
    requiredCapabilities(settings).map((c) => CAPABILITY_MINIMUM_PERMISSION[c]),
  );
  // Drop a permission another needed one already covers (Mail.Read makes Mail.ReadBasic.All moot).
  const minimal = [...minimums].filter(
    (p) => ![...minimums].some((other) => other !== p && covers(other, p)),
  );
  return inCatalogOrder(minimal);
}

/** A granted permission Rox does not need, with the steps to revoke it in Entra. */
export interface ExcessPermission {
  readonly permission: string;
  readonly displayName: string;
  /**
   * `not_needed`: nothing the configuration uses depends on it.
   * `other_grant_suffices`: it covers something needed, but another granted permission that is
   * narrower or equivalent (`sufficientGrant`) already provides that, so revoking it loses nothing.
   */
  readonly reason: 'not_needed' | 'other_grant_suffices';
  readonly sufficientGrant?: ApplicationPermission;
  /** Numbered steps for the Microsoft Entra admin center. */
  readonly revokeSteps: readonly string[];
}

/** A needed permission that no granted permission provides. */
export interface MissingPermission {
  readonly permission: ApplicationPermission;
  readonly displayName: string;
  /** The least-privileged permission on the consent screen that provides it. */
  readonly grantWith: ApplicationPermission;
  /** A granted narrower permission that keeps part of the need served meanwhile (not excess). */
  readonly partiallyServedBy?: ApplicationPermission;
  /** Capabilities the configuration uses that stay unavailable while it is missing. */
  readonly disables: readonly Capability[];
  /** The same, as product feature descriptions. */
  readonly disabledFeatures: readonly string[];
}

/** A granted permission kept because it is the only one providing a need, though broader than it. */
export interface BroaderThanNeeded {
  readonly permission: ApplicationPermission;
  readonly needed: ApplicationPermission;
  /**
   * True when the narrower `needed` permission is on the consent screen: re-run admin consent, then
   * revoke `permission`. False when the app registration does not request it (Directory.Read.All is
   * what the app requests for the directory; User.Read.All is not on its list).
   */
  readonly canNarrow: boolean;
}

/** Which granted permission provides each needed one. */
export interface Coverage {
  readonly needed: ApplicationPermission;
  readonly grantedAs: ApplicationPermission | null;
}

/** Result of comparing a tenant's grant with what the configuration needs. */
export interface GrantEvaluation {
  readonly requested: readonly ApplicationPermission[];
  /** Granted permission names as given (deduplicated), unknown ones included. */
  readonly granted: readonly string[];
  readonly needed: readonly ApplicationPermission[];
  readonly coverage: readonly Coverage[];
  readonly excess: readonly ExcessPermission[];
  readonly missing: readonly MissingPermission[];
  readonly broaderThanNeeded: readonly BroaderThanNeeded[];
  /** What the grant actually lets Rox do. */
  readonly capabilities: readonly Capability[];
  /** True when nothing needed is missing. */
  readonly isSufficient: boolean;
  /** The app's name in Entra, as the revoke steps use it. */
  readonly appDisplayName: string;
}

/** Input of {@link evaluateGrant}. */
export interface EvaluateGrantInput {
  /** Granted application permissions, e.g. the `roles` claim of an app-only token. */
  readonly granted: Iterable<string>;
  readonly settings: OrgAccessSettings;
  /** Defaults to {@link DEFAULT_APP_DISPLAY_NAME}. */
  readonly appDisplayName?: string;
}

/**
 * Compares a grant with a configuration. For every needed permission it keeps the narrowest
 * granted permission that provides it (a granted superset counts: Mail.ReadWrite provides
 * Mail.Read); everything else granted is excess and comes with Entra revoke steps. So with
 * Mail.Read and Mail.ReadWrite both granted and Mail.Read needed, Mail.ReadWrite is the excess;
 * with only Mail.ReadWrite granted, it stays and is reported in `broaderThanNeeded`.
 */
export function evaluateGrant(input: EvaluateGrantInput): GrantEvaluation {
  const appDisplayName = input.appDisplayName ?? DEFAULT_APP_DISPLAY_NAME;
  const granted = [...new Set(input.granted)];
  const grantedKnown = granted.filter(isApplicationPermission);
  const needed = requiredApplicationPermissions(input.settings);
  const neededCapabilities = requiredCapabilities(input.settings);

  const coverage: Coverage[] = needed.map((n) => ({
    needed: n,
    grantedAs: narrowestCovering(grantedKnown, n),
  }));
  // While a need is missing, the broadest granted permission below it still serves part of it
  // (Mail.ReadBasic.All keeps metadata flowing while Mail.Read is missing), so it is not excess.
  const interim = new Map<ApplicationPermission, ApplicationPermission>();
  for (const c of coverage) {
    if (c.grantedAs !== null) continue;
    const partial = broadestCoveredBy(grantedKnown, c.needed);
    if (partial !== null) interim.set(c.needed, partial);
  }
  const kept = new Set([
    ...coverage.flatMap((c) => (c.grantedAs ? [c.grantedAs] : [])),
    ...interim.values(),
  ]);

  const excess: ExcessPermission[] = granted
    .filter((g) => !isApplicationPermission(g) || !kept.has(g))
    .map((g) => {
      const narrower = isApplicationPermission(g)
        ? [...kept].find((k) => k !== g && covers(g, k))
        : undefined;
      const displayName = isApplicationPermission(g) ? applicationPermission(g).displayName : g;
      return {
        permission: g,
        displayName,
        reason: narrower ? 'other_grant_suffices' : 'not_needed',
        ...(narrower ? { sufficientGrant: narrower } : {}),
        revokeSteps: revokeSteps(g, displayName, appDisplayName),
      };
    });

  const missing: MissingPermission[] = coverage
    .filter((c) => c.grantedAs === null)
    .map(({ needed: n }) => {
      const disables = neededCapabilities.filter(
        (c) => covers(n, CAPABILITY_MINIMUM_PERMISSION[c]) && !hasCapability(grantedKnown, c),
      );
      return {
        permission: n,
        displayName: applicationPermission(n).displayName,
        grantWith: narrowestCovering(REQUESTED_APPLICATION_PERMISSIONS, n) ?? n,
        ...(interim.has(n) ? { partiallyServedBy: interim.get(n) } : {}),
        disables,
        disabledFeatures: disables.map((c) => CAPABILITY_FEATURES[c]),
      };
    });

  const broaderThanNeeded: BroaderThanNeeded[] = coverage.flatMap((c) =>
    c.grantedAs && c.grantedAs !== c.needed
      ? [
          {
            permission: c.grantedAs,
            needed: c.needed,
            canNarrow: REQUESTED_APPLICATION_PERMISSIONS.includes(c.needed),
          },
        ]
      : [],
  );

  return {
    requested: requestedApplicationPermissions(),
    granted,
    needed,
    coverage,
    excess,
    missing,
    broaderThanNeeded,
    capabilities: capabilitiesFromPermissions(grantedKnown),
    isSufficient: missing.length === 0,
    appDisplayName,
  };
}

/**
 * The Entra admin center steps that lead to the app's admin-consented permissions. They are the
 * same for every permission, so screens say them once and then list what to revoke.
 */
export function entraPermissionsSteps(appDisplayName: string = DEFAULT_APP_DISPLAY_NAME): string[] {
  return [
    'Sign in to the Microsoft Entra admin center (https://entra.microsoft.com) as at least a Cloud Application Administrator.',
    'Browse to Entra ID > Enterprise apps > All applications (older menus: Identity > Applications > Enterprise applications > All applications).',
    `Select ${appDisplayName}, then Permissions, then the Admin consent tab.`,
  ];
}

/** The one step that revokes a single permission, once the admin is on the Admin consent tab. */
export function revokePermissionStep(permission: string, displayName: string): string {
  return `Find Microsoft Graph ${permission} ("${displayName}", type Application), select the ... control on its row, then select Revoke permission.`;
}

/** Entra admin center steps to revoke one admin-consented application permission. */
export function revokeSteps(
  permission: string,
  displayName: string,
  appDisplayName: string = DEFAULT_APP_DISPLAY_NAME,
): string[] {
  return [...entraPermissionsSteps(appDisplayName), revokePermissionStep(permission, displayName)];
}

/** A capability the configuration uses and the grant allows, and whether Rox runs it yet. */
export interface ConfiguredFeature {
  readonly capability: Capability;
  readonly description: string;
  /** False while Rox does not ship that sync yet (see {@link RUNNING_CAPABILITIES}). */
  readonly isRunning: boolean;
}

/**
 * What Rox does for a tenant: the capabilities the settings use AND the grant allows, each
 * marked running or not built yet. Never the whole grant: a broad consent is not a feature.
 */
export function configuredFeatures(
  settings: OrgAccessSettings,
  granted: Iterable<Capability>,
): ConfiguredFeature[] {
  const available = new Set(granted);
  return requiredCapabilities(settings)
    .filter((c) => available.has(c))
    .map((capability) => ({
      capability,
      description: CAPABILITY_FEATURES[capability],
      isRunning: isRunningCapability(capability),
    }));
}

/** One access setting after clamping it to what the grant allows. */
export interface ClampedAccess<Level extends string> {
  readonly configured: Level;
  readonly effective: Level;
  readonly isClamped: boolean;
  /** Capabilities the configured level needs that the grant lacks. */
  readonly missing: readonly Capability[];
  /** Admin-facing explanation when clamped, otherwise null. */
  readonly reason: string | null;
}

/** A member's access after clamping to the granted capabilities. */
export interface EffectiveAccess {
  readonly calendarAccess: ClampedAccess<CalendarAccess>;
  readonly emailAccess: ClampedAccess<EmailAccess>;
}

/**
 * Clamps a member's configured access to the highest level the granted capabilities support,
 * e.g. `read_send` without Mail.Send becomes `read`, with the reason.
 */
export function effectiveAccess(
  member: MemberAccess,
  capabilities: Iterable<Capability>,
): EffectiveAccess {
  const available = new Set(capabilities);
  return {
    calendarAccess: clamp(
      'Calendar',
      member.calendarAccess,
      CALENDAR_ACCESS_LEVELS,
      CALENDAR_ACCESS_CAPABILITIES,
      available,
    ),
    emailAccess: clamp(
      'Email',
      member.emailAccess,
      EMAIL_ACCESS_LEVELS,
      EMAIL_ACCESS_CAPABILITIES,
      available,
    ),
  };
}

function clamp<Level extends string>(
  label: string,
  configured: Level,
  order: readonly Level[],
  needs: Readonly<Record<Level, readonly Capability[]>>,
  available: ReadonlySet<Capability>,
): ClampedAccess<Level> {
  const isAllowed = (level: Level) => needs[level].every((c) => available.has(c));
  let effective = configured;
  for (let i = order.indexOf(configured); i >= 0; i--) {
    const level = order[i];
    if (level !== undefined && isAllowed(level)) {
      effective = level;
      break;
    }
  }
  const missing = needs[configured].filter((c) => !available.has(c));
  const isClamped = effective !== configured;
  const reason = isClamped
    ? `${label} access is set to ${configured} but the granted permissions only allow ${effective}: missing ${missing
        .map((c) => `${CAPABILITY_MINIMUM_PERMISSION[c]} (${CAPABILITY_FEATURES[c]})`)
        .join('; ')}.`
    : null;
  return { configured, effective, isClamped, missing, reason };
}

// The narrowest permission in `pool` that provides `needed`: the exact one if present, otherwise
// the superset granting the least.
function narrowestCovering(
  pool: readonly ApplicationPermission[],
  needed: ApplicationPermission,
): ApplicationPermission | null {
  if (pool.includes(needed)) return needed;
  const candidates = inCatalogOrder(pool.filter((p) => covers(p, needed)));
  let best: ApplicationPermission | null = null;
  for (const candidate of candidates) {
    if (best === null || coveredBy(candidate).size < coveredBy(best).size) best = candidate;
  }
  return best;
}

// The granted permission below `needed` that grants the most, preferring ones on the consent
// screen (Mail.ReadBasic.All over its twin Mail.ReadBasic).
function broadestCoveredBy(
  pool: readonly ApplicationPermission[],
  needed: ApplicationPermission,
): ApplicationPermission | null {
  let best: ApplicationPermission | null = null;
  const score = (p: ApplicationPermission) =>
    coveredBy(p).size * 2 + (REQUESTED_APPLICATION_PERMISSIONS.includes(p) ? 1 : 0);
  for (const candidate of inCatalogOrder(pool.filter((p) => p !== needed && covers(needed, p)))) {
    if (best === null || score(candidate) > score(best)) best = candidate;
  }
  return best;
}

function inCatalogOrder(names: readonly ApplicationPermission[]): ApplicationPermission[] {
  const set = new Set(names);
  return APPLICATION_PERMISSIONS.map((p) => p.name).filter((n) => set.has(n));
}
