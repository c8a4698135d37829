import {
  type CalendarChannelStatus,
  type CalendarEvent,
  type ConfiguredFeature,
  type IndividualConnection,
  type Member,
  type MemberMailStatus,
  type MemberSyncStatus,
  type MyCalendarSync,
  type OrgwideStatus,
  type PermissionReport,
  type ProbeResult,
  type Session,
} from '@rox365/contracts';

export function buildSession(overrides: Partial<Session['caller']> = {}): Session {
  return {
    accessToken: 'token-for-tests',
    expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
    caller: {
      roxUserId: 'u_isaiah',
      orgId: 'org_demo',
      email: 'isaiah.langer@contoso.com',
      role: 'admin',
      displayName: 'Isaiah Langer',
      ...overrides,
    },
  };
}

export function buildStatus(overrides: Partial<OrgwideStatus> = {}): OrgwideStatus {
  return {
    state: 'connected',
    tenantId: '6babcaad-604b-40ac-a9d7-9fd97c0b779f',
    connectedAt: '2026-11-22T03:00:00.000Z',
    connectedBy: 'u_isaiah',
    connectedByPerson: { displayName: 'Isaiah Langer', email: 'isaiah.langer@contoso.com' },
    appDisplayName: 'Rox Orgwide Integration',
    lastOutcome: 'connected',
    permissionsCheckedAt: '2026-11-22T03:00:05.000Z',
    degradedReasons: [],
    capabilities: ['directory_sync', 'calendar_read', 'mail_metadata'],
    // What runs today (scope-policy's RUNNING_CAPABILITIES): the directory, calendar and mail.
    features: [
      { capability: 'directory_sync', description: 'Directory sync', isRunning: true },
      { capability: 'calendar_read', description: 'Calendar sync from Outlook', isRunning: true },
      { capability: 'mail_metadata', description: 'Email activity tracking', isRunning: true },
    ],
    directory: {
      state: 'ok',
      lastSyncAt: '2026-11-22T03:01:00.000Z',
      lastError: null,
      users: 12,
      mappedMembers: 5,
    },
    mail: {
      mailboxes: { notInScope: 0, never: 0, queued: 0, running: 0, ok: 0, failed: 0 },
      reasons: [],
      messages: 0,
      lastSyncAt: null,
    },
    ...overrides,
  };
}

export function buildReport(overrides: Partial<PermissionReport> = {}): PermissionReport {
  return {
    checkedAt: '2026-11-22T03:00:05.000Z',
    requested: ['Mail.Read', 'Calendars.Read', 'Directory.Read.All'],
    granted: ['Mail.Read', 'Calendars.Read', 'Directory.Read.All'],
    needed: ['Calendars.Read', 'Directory.Read.All'],
    excess: [],
    missing: [],
    capabilities: ['directory_sync', 'calendar_read'],
    excessDelegated: [],
    delegatedGrantsChecked: true,
    appDisplayName: 'Rox Orgwide Integration',
    entraSteps: [
      'Sign in to the Microsoft Entra admin center.',
      'Browse to Enterprise apps.',
      'Select Rox Orgwide Integration, then Permissions, then the Admin consent tab.',
    ],
    ...overrides,
  };
}

export function buildMemberStatus(overrides: Partial<MemberSyncStatus> = {}): MemberSyncStatus {
  return {
    roxUserId: 'u_megan',
    email: 'megan.bowen@contoso.com',
    displayName: 'Megan Bowen',
    role: 'member',
    directoryUserId: 'dir-megan',
    directoryUpn: 'MeganB@contoso.com',
    route: 'orgwide',
    override: { calendarAccess: null, emailAccess: null },
    calendar: {
      configured: 'read',
      effective: 'read',
      inScope: true,
      reason: null,
      nextAction: null,
    },
    mail: { configured: 'read', effective: 'read', inScope: true, reason: null, nextAction: null },
    probe: null,
    ...overrides,
  };
}

/** A member's mail sync: Inbox up to date, Sent Items failed with a reason. */
export function buildMailStatus(over: Partial<MemberMailStatus> = {}): MemberMailStatus {
  return {
    roxUserId: 'u_megan',
    email: 'megan.bowen@contoso.com',
    level: 'metadata',
    inScope: true,
    reason: null,
    nextAction: null,
    messages: 3,
    lastSyncAt: '2026-11-28T10:00:00.000Z',
    channels: [
      {
        folder: 'inbox',
        stage: 'ok',
        reason: null,
        lastSyncAt: '2026-11-28T10:00:00.000Z',
        cursorAgeHours: 0,
        messages: 2,
      },
      {
        folder: 'sentitems',
        stage: 'failed',
        reason: 'MAIL_GRAPH_THROTTLED',
        lastSyncAt: null,
        cursorAgeHours: null,
        messages: 1,
      },
    ],
    ...over,
  };
}

/** A feature the settings use and the grant allows but Rox does not run (for honesty tests). */
export function notBuiltFeature(capability: ConfiguredFeature['capability']): ConfiguredFeature {
  return { capability, description: `${capability} (not built)`, isRunning: false };
}

/** A member's calendar channel: up to date with 12 events. */
export function buildCalendarChannel(
  over: Partial<CalendarChannelStatus> = {},
): CalendarChannelStatus {
  return {
    roxUserId: 'u_megan',
    email: 'megan.bowen@contoso.com',
    inScope: true,
    level: 'read',
    stage: 'ok',
    status: 'ok',
    reason: null,
    nextAction: null,
    lastSuccessAt: '2026-11-28T10:00:00.000Z',
    cursorAgeHours: 0,
    window: { start: '2026-08-30T00:00:00.000Z', end: '2027-11-28T00:00:00.000Z' },
    eventCount: 12,
    lastCounts: { added: 2, updated: 1, removed: 0, total: 3 },
    writeTimeZone: null,
    ...over,
  };
}

export function buildCalendarEvent(over: Partial<CalendarEvent> = {}): CalendarEvent {
  return {
    id: 'ev_1',
    iCalUId: 'ical-1',
    seriesICalUId: null,
    originalStart: null,
    kind: 'single',
    status: 'confirmed',
    isPrivate: false,
    isAllDay: false,
    start: '2026-12-01T09:00:00.000Z',
    end: '2026-12-01T09:30:00.000Z',
    startDate: null,
    endDate: null,
    timeZone: 'Europe/London',
    subject: 'Pipeline review',
    location: 'Room 4',
    joinUrl: null,
    showAs: 'busy',
    organizer: 'megan.bowen@contoso.com',
    attendees: [],
    mailboxes: [{ roxUserId: 'u_megan', isOrganizer: true, response: 'organizer' }],
    updatedAt: '2026-11-28T10:00:00.000Z',
    ...over,
  };
}

export function buildMyCalendarSync(over: Partial<MyCalendarSync> = {}): MyCalendarSync {
  return {
    channel: buildCalendarChannel(),
    recentEvents: [
      buildCalendarEvent(),
      buildCalendarEvent({ id: 'ev_2', subject: 'Secret', isPrivate: true, location: null }),
      buildCalendarEvent({
        id: 'ev_3',
        subject: 'Offsite',
        isAllDay: true,
        start: '2026-12-03T00:00:00.000Z',
        end: '2026-12-05T00:00:00.000Z',
        startDate: '2026-12-03',
        endDate: '2026-12-05',
        status: 'cancelled',
      }),
    ],
    ...over,
  };
}

/** A member's own Outlook connection, connected. */
export function buildIndividualConnection(
  id: string,
  overrides: Partial<IndividualConnection> = {},
): IndividualConnection {
  return {
    id,
    roxUserId: `u-${id}`,
    provider: 'microsoft',
    kind: 'calendar',
    level: 'read_write',
    pendingLevel: null,
    status: 'connected',
    statusReason: null,
    microsoftAccount: null,
    expectedEmail: null,
    tenantId: null,
    scopes: [],
    connectedAt: null,
    approval: null,
    createdAt: '2026-11-28T09:00:00.000Z',
    updatedAt: '2026-11-28T09:00:00.000Z',
    ...overrides,
  };
}

/** A Rox member as `GET /members` lists one. */
export function buildMember(over: Partial<Member> = {}): Member {
  return {
    roxUserId: 'u_isaiah',
    email: 'isaiah.langer@contoso.com',
    displayName: 'Isaiah Langer',
    role: 'member',
    createdAt: '2026-11-01T00:00:00.000Z',
    updatedAt: '2026-11-01T00:00:00.000Z',
    ...over,
  };
}

/** A member's latest probe: both mail and calendar granted, checked at `checkedAt`. */
export function buildProbeResult(roxUserId: string, checkedAt: string): ProbeResult {
  return {
    roxUserId,
    email: `${roxUserId}@contoso.com`,
    directoryUserId: `dir-${roxUserId}`,
    mail: 'granted',
    calendar: 'granted',
    checkedAt,
    nextAction: null,
  };
}
