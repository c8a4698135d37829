import { describe, expect, it } from 'vitest';

import { capabilitiesFromPermissions, type Capability } from './capabilities';
import {
  configuredFeatures,
  effectiveAccess,
  entraPermissionsSteps,
  evaluateGrant,
  requestedApplicationPermissions,
  requiredApplicationPermissions,
  revokePermissionStep,
  revokeSteps,
} from './evaluate';
import { type ApplicationPermission } from './permissions';
import {
  type CalendarAccess,
  type EmailAccess,
  type MemberAccessOverride,
  type OrgAccessSettings,
} from './settings';

function buildSettings(
  calendarAccess: CalendarAccess = 'off',
  emailAccess: EmailAccess = 'off',
  overrides: MemberAccessOverride[] = [],
): OrgAccessSettings {
  return { defaults: { calendarAccess, emailAccess }, overrides };
}

const EVERYTHING_REQUESTED = requestedApplicationPermissions();

describe('requestedApplicationPermissions', () => {
  it('lists the eight permissions on the admin-consent screen', () => {
    expect(EVERYTHING_REQUESTED).toEqual([
      'Mail.ReadBasic.All',
      'Mail.Read',
      'Mail.ReadWrite',
      'Mail.Send',
      'Calendars.Read',
      'Calendars.ReadWrite',
      'MailboxSettings.Read',
      'Directory.Read.All',
    ]);
  });
});

describe('requiredApplicationPermissions', () => {
  it.each<[string, OrgAccessSettings, ApplicationPermission[]]>([
    ['everything off still syncs the directory', buildSettings(), ['User.Read.All']],
    ['calendar read', buildSettings('read'), ['User.Read.All', 'Calendars.Read']],
    [
      'two-way calendar also reads the mailbox time zone',
      buildSettings('read_write'),
      ['User.Read.All', 'Calendars.ReadWrite', 'MailboxSettings.Read'],
    ],
    ['mail metadata', buildSettings('off', 'metadata'), ['User.Read.All', 'Mail.ReadBasic.All']],
    ['mail read', buildSettings('off', 'read'), ['User.Read.All', 'Mail.Read']],
    [
      'mail read + send needs no Mail.ReadWrite',
      buildSettings('off', 'read_send'),
      ['User.Read.All', 'Mail.Read', 'Mail.Send'],
    ],
    [
      'an override raises the requirement above the default',
      buildSettings('read', 'metadata', [
        { member: 'ceo@contoso.com', emailAccess: 'read', calendarAccess: 'read_write' },
      ]),
      ['User.Read.All', 'Mail.Read', 'Calendars.ReadWrite', 'MailboxSettings.Read'],
    ],
    [
      'an override below the default changes nothing',
      buildSettings('read_write', 'read_send', [
        { member: 'x@contoso.com', emailAccess: 'off', calendarAccess: 'off' },
      ]),
      ['User.Read.All', 'Mail.Read', 'Mail.Send', 'Calendars.ReadWrite', 'MailboxSettings.Read'],
    ],
    [
      'overrides that only restrict email leave the calendar default in force',
      buildSettings('read', 'off', [{ member: 'y@contoso.com', emailAccess: 'metadata' }]),
      ['User.Read.All', 'Mail.ReadBasic.All', 'Calendars.Read'],
    ],
  ])('%s', (_name, settings, expected) => {
    expect(requiredApplicationPermissions(settings)).toEqual(expected);
  });
});

describe('evaluateGrant', () => {
  it('after a full consent with read settings, lists every unneeded permission as excess', () => {
    const result = evaluateGrant({
      granted: EVERYTHING_REQUESTED,
      settings: buildSettings('read', 'read'),
    });

    expect(result.needed).toEqual(['User.Read.All', 'Mail.Read', 'Calendars.Read']);
    expect(result.missing).toEqual([]);
    expect(result.isSufficient).toBe(true);
    expect(result.excess.map((e) => [e.permission, e.reason, e.sufficientGrant])).toEqual([
      ['Mail.ReadBasic.All', 'not_needed', undefined],
      ['Mail.ReadWrite', 'other_grant_suffices', 'Mail.Read'],
      ['Mail.Send', 'not_needed', undefined],
      ['Calendars.ReadWrite', 'other_grant_suffices', 'Calendars.Read'],
      // Only two-way sync writes events, so only it needs the mailbox's time zone.
      ['MailboxSettings.Read', 'not_needed', undefined],
    ]);
    // User.Read.All is not on the consent screen, so Directory.Read.All is what provides the directory.
    expect(result.coverage).toContainEqual({
      needed: 'User.Read.All',
      grantedAs: 'Directory.Read.All',
    });
    expect(result.broaderThanNeeded).toEqual([
      { permission: 'Directory.Read.All', needed: 'User.Read.All', canNarrow: false },
    ]);
  });

  it('keeps a granted superset when the needed subset is not granted (not excess, not missing)', () => {
    const result = evaluateGrant({
      granted: ['Mail.ReadWrite', 'Directory.Read.All'],
      settings: buildSettings('off', 'read'),
    });

    expect(result.missing).toEqual([]);
    expect(result.excess).toEqual([]);
    expect(result.broaderThanNeeded).toContainEqual({
      permission: 'Mail.ReadWrite',
      needed: 'Mail.Read',
      canNarrow: true,
    });
  });

  it('recommends revoking the superset, never the needed subset, when both are granted', () => {
    const result = evaluateGrant({
      granted: ['Calendars.ReadWrite', 'Calendars.Read', 'User.Read.All', 'Directory.Read.All'],
      settings: buildSettings('read'),
    });

    expect(result.excess.map((e) => e.permission)).toEqual([
      'Calendars.ReadWrite',
      'Directory.Read.All',
    ]);
    expect(result.broaderThanNeeded).toEqual([]);
  });

  it('reports missing permissions with the features they disable', () => {
    const result = evaluateGrant({
      granted: ['Directory.Read.All', 'Mail.ReadBasic.All', 'Calendars.Read'],
      settings: buildSettings('read_write', 'read_send'),
    });

    expect(result.isSufficient).toBe(false);
    expect(result.missing.map((m) => [m.permission, m.disables])).toEqual([
      ['Mail.Read', ['mail_content']],
      ['Mail.Send', ['mail_send']],
      ['Calendars.ReadWrite', ['calendar_write']],
      ['MailboxSettings.Read', ['calendar_time_zone']],
    ]);
    expect(result.missing[0]?.disabledFeatures[0]).toMatch(/bodies/);
    expect(result.missing[3]?.grantWith).toBe('MailboxSettings.Read');
    expect(result.capabilities).toEqual(['directory_sync', 'calendar_read', 'mail_metadata']);
    // The narrower grants still serve part of the missing needs, so they are not excess.
    expect(result.excess).toEqual([]);
    expect(result.missing[0]?.partiallyServedBy).toBe('Mail.ReadBasic.All');
    expect(result.missing[2]?.partiallyServedBy).toBe('Calendars.Read');
    expect(result.missing[1]?.partiallyServedBy).toBeUndefined();
  });

  it('reports MailboxSettings.Read missing for two-way calendar without clamping the level', () => {
    const granted = ['Directory.Read.All', 'Calendars.ReadWrite'];
    const result = evaluateGrant({ granted, settings: buildSettings('read_write') });

    expect(result.isSufficient).toBe(false);
    expect(result.missing).toEqual([
      expect.objectContaining({
        permission: 'MailboxSettings.Read',
        grantWith: 'MailboxSettings.Read',
        disables: ['calendar_time_zone'],
        disabledFeatures: [expect.stringMatching(/time zone.*UTC/)],
      }),
    ]);
    expect(result.missing[0]?.partiallyServedBy).toBeUndefined();
    expect(result.excess).toEqual([]);
    // Writes still run (in UTC): the level stays two-way.
    const access = effectiveAccess(
      { calendarAccess: 'read_write', emailAccess: 'off' },
      result.capabilities,
    ).calendarAccess;
    expect(access.effective).toBe('read_write');
    expect(access.isClamped).toBe(false);
  });

  it('keeps MailboxSettings.ReadWrite as the only grant of the time zone, and says it can be narrowed', () => {
    const result = evaluateGrant({
      granted: ['Directory.Read.All', 'Calendars.ReadWrite', 'MailboxSettings.ReadWrite'],
      settings: buildSettings('read_write'),
    });

    expect(result.missing).toEqual([]);
    expect(result.excess).toEqual([]);
    expect(result.broaderThanNeeded).toContainEqual({
      permission: 'MailboxSettings.ReadWrite',
      needed: 'MailboxSettings.Read',
      canNarrow: true,
    });
  });

  it('points a missing directory permission at Directory.Read.All, the consent-screen permission that provides it', () => {
    const result = evaluateGrant({ granted: ['Calendars.Read'], settings: buildSettings('read') });

    expect(result.missing).toEqual([
      expect.objectContaining({
        permission: 'User.Read.All',
        grantWith: 'Directory.Read.All',
        disables: ['directory_sync'],
      }),
    ]);
  });

  it('treats a token without roles (partial consent) as missing everything', () => {
    const result = evaluateGrant({ granted: [], settings: buildSettings('read', 'metadata') });

    expect(result.missing.map((m) => m.permission)).toEqual([
      'User.Read.All',
      'Mail.ReadBasic.All',
      'Calendars.Read',
    ]);
    expect(result.capabilities).toEqual([]);
  });

  it('reports unknown granted roles as excess, deduplicating', () => {
    const result = evaluateGrant({
      granted: ['User.Read.All', 'Sites.Read.All', 'Sites.Read.All'],
      settings: buildSettings(),
    });

    expect(result.granted).toEqual(['User.Read.All', 'Sites.Read.All']);
    expect(result.excess).toEqual([
      expect.objectContaining({
        permission: 'Sites.Read.All',
        displayName: 'Sites.Read.All',
        reason: 'not_needed',
      }),
    ]);
  });

  it('gives Entra admin center revoke steps naming the app, the tab and the permission', () => {
    const result = evaluateGrant({
      granted: ['User.Read.All', 'Mail.Send'],
      settings: buildSettings(),
      appDisplayName: 'Rox 365 Integration (staging)',
    });
    const steps = result.excess[0]?.revokeSteps.join('\n') ?? '';

    expect(steps).toContain('https://entra.microsoft.com');
    expect(steps).toContain('Enterprise apps');
    expect(steps).toContain(
      'Select Rox 365 Integration (staging), then Permissions, then the Admin consent tab.',
    );
    expect(steps).toContain('Mail.Send ("Send mail as any user", type Application)');
    expect(steps).toContain('Revoke permission');
  });

  it('treats Mail.ReadBasic and Mail.ReadBasic.All as equivalent', () => {
    const onlyBasic = evaluateGrant({
      granted: ['User.Read.All', 'Mail.ReadBasic'],
      settings: buildSettings('off', 'metadata'),
    });
    expect(onlyBasic.missing).toEqual([]);

    const both = evaluateGrant({
      granted: ['User.Read.All', 'Mail.ReadBasic', 'Mail.ReadBasic.All'],
      settings: buildSettings('off', 'metadata'),
    });
    expect(both.excess.map((e) => [e.permission, e.sufficientGrant])).toEqual([
      ['Mail.ReadBasic', 'Mail.ReadBasic.All'],
    ]);
  });
});

describe('capabilitiesFromPermissions', () => {
  it.each<[string[], Capability[]]>([
    [[], []],
    [['User.Read.All'], ['directory_sync']],
    [['Directory.Read.All'], ['directory_sync']],
    [['Mail.ReadWrite'], ['mail_metadata', 'mail_content']],
    [
      ['Mail.ReadBasic.All', 'Mail.Send'],
      ['mail_metadata', 'mail_send'],
    ],
    [['Calendars.ReadWrite'], ['calendar_read', 'calendar_write']],
    [['MailboxSettings.Read'], ['calendar_time_zone']],
    [['MailboxSettings.ReadWrite'], ['calendar_time_zone']],
    [['Calendars.Read', 'Unknown.Permission'], ['calendar_read']],
  ])('%j gives %j', (granted, expected) => {
    expect(capabilitiesFromPermissions(granted)).toEqual(expected);
  });
});

describe('effectiveAccess', () => {
  it.each<[EmailAccess, Capability[], EmailAccess, Capability[]]>([
    ['read_send', ['mail_metadata', 'mail_content', 'mail_send'], 'read_send', []],
    ['read_send', ['mail_metadata', 'mail_content'], 'read', ['mail_send']],
    ['read_send', ['mail_metadata', 'mail_send'], 'metadata', ['mail_content']],
    ['read', ['mail_metadata'], 'metadata', ['mail_content']],
    ['metadata', [], 'off', ['mail_metadata']],
    ['off', [], 'off', []],
  ])('email %s with %j is %s', (configured, capabilities, effective, missing) => {
    const result = effectiveAccess(
      { calendarAccess: 'off', emailAccess: configured },
      capabilities,
    );

    expect(result.emailAccess.effective).toBe(effective);
    expect(result.emailAccess.missing).toEqual(missing);
    expect(result.emailAccess.isClamped).toBe(effective !== configured);
  });

  it.each<[CalendarAccess, Capability[], CalendarAccess]>([
    ['read_write', ['calendar_read', 'calendar_write'], 'read_write'],
    ['read_write', ['calendar_read'], 'read'],
    ['read_write', ['calendar_read', 'calendar_write', 'calendar_time_zone'], 'read_write'],
    ['read', ['calendar_read'], 'read'],
    ['read', [], 'off'],
  ])('calendar %s with %j is %s', (configured, capabilities, effective) => {
    expect(
      effectiveAccess({ calendarAccess: configured, emailAccess: 'off' }, capabilities)
        .calendarAccess.effective,
    ).toBe(effective);
  });

  it('explains a clamp with the missing permission', () => {
    const result = effectiveAccess({ calendarAccess: 'read_write', emailAccess: 'off' }, [
      'calendar_read',
    ]);

    expect(result.calendarAccess.reason).toBe(
      'Calendar access is set to read_write but the granted permissions only allow read: missing Calendars.ReadWrite (Two-way calendar sync: create, update and delete Outlook events from Rox).',
    );
    expect(result.emailAccess.reason).toBeNull();
  });
});

describe('configuredFeatures', () => {
  it('lists only what the settings use and the grant allows, marking what Rox runs today', () => {
    const everything = capabilitiesFromPermissions(EVERYTHING_REQUESTED);
    expect(configuredFeatures(buildSettings('read', 'off'), everything)).toEqual([
      expect.objectContaining({ capability: 'directory_sync', isRunning: true }),
      expect.objectContaining({ capability: 'calendar_read', isRunning: true }),
    ]);
  });

  it('drops what the grant lacks even when the settings ask for it', () => {
    expect(
      configuredFeatures(buildSettings('read_write', 'metadata'), ['directory_sync']).map(
        (f) => f.capability,
      ),
    ).toEqual(['directory_sync']);
  });
});

describe('entraPermissionsSteps', () => {
  it('names the app once; revokeSteps adds the one permission step', () => {
    const shared = entraPermissionsSteps('Rox Orgwide Integration');
    expect(shared).toHaveLength(3);
    expect(shared[2]).toBe(
      'Select Rox Orgwide Integration, then Permissions, then the Admin consent tab.',
    );
    expect(revokeSteps('Mail.Send', 'Send mail as any user', 'Rox Orgwide Integration')).toEqual([
      ...shared,
      revokePermissionStep('Mail.Send', 'Send mail as any user'),
    ]);
  });
});
