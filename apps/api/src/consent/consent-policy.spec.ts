import { describe, expect, it } from 'vitest';

import { refusalOutcome } from './consent-flow.service';
import {
  degradedReasons,
  evaluate,
  statusFeatures,
  toPermissionReport,
  workingCapabilities,
} from './consent-policy';

const ALL = [
  'Mail.ReadBasic.All',
  'Mail.Read',
  'Mail.ReadWrite',
  'Mail.Send',
  'Calendars.Read',
  'Calendars.ReadWrite',
  'MailboxSettings.Read',
  'Directory.Read.All',
];

describe('refusalOutcome', () => {
  it.each([
    [{}, null],
    [{ error: 'access_denied', error_subcode: 'cancel' }, 'cancelled'],
    [
      {
        error: 'access_denied',
        error_description: 'AADSTS90094: Admin consent is required for the permissions requested.',
      },
      'not_admin',
    ],
    [{ error: 'access_denied', error_description: 'AADSTS90095: Admin approval' }, 'not_admin'],
    [{ error: 'consent_required', error_description: 'AADSTS65004: declined' }, 'consent_required'],
    [{ error: 'access_denied', error_description: 'AADSTS65004: declined' }, 'denied'],
    [{ error: 'permission_denied' }, 'denied'],
    [{ error: 'server_error' }, 'microsoft_error'],
  ])('%j → %s', (query, outcome) => {
    expect(refusalOutcome(query)).toBe(outcome);
  });
});

describe('grant evaluation for the status page', () => {
  const settings = {
    calendarAccess: 'read' as const,
    emailAccess: 'metadata' as const,
    overrides: [{ roxUserId: 'u1', calendarAccess: null, emailAccess: 'read_send' as const }],
  };

  it('judges the grant against the highest level any override needs', () => {
    const evaluation = evaluate(
      ['Calendars.Read', 'Mail.Read', 'Directory.Read.All'],
      settings,
      'Rox',
    );
    expect(evaluation.missing.map((m) => m.permission)).toEqual(['Mail.Send']);
    const reasons = degradedReasons(evaluation, null);
    expect(reasons).toHaveLength(1);
    expect(reasons[0]).toMatchObject({ code: 'PERMISSION_MISSING' });
    expect(reasons[0]?.message).toContain('Sending email from Rox');
  });

  it('a full grant has no reasons, and its excess comes with revoke steps', () => {
    const evaluation = evaluate(ALL, settings, 'Rox 365 Integration');
    expect(degradedReasons(evaluation, null)).toEqual([]);
    const report = toPermissionReport(evaluation, new Date('2026-01-01T00:00:00Z'));
    expect(report.checkedAt).toBe('2026-01-01T00:00:00.000Z');
    expect(report.excess.map((e) => e.permission)).toContain('Mail.ReadWrite');
    expect(report.excess.every((e) => e.revokeSteps.length > 0)).toBe(true);
    // The Entra way to the permissions is said once; each excess carries only its own step.
    expect(report.appDisplayName).toBe('Rox 365 Integration');
    expect(report.entraSteps).toHaveLength(3);
    expect(report.entraSteps.join(' ')).toContain('Select Rox 365 Integration');
    const readWrite = report.excess.find((e) => e.permission === 'Mail.ReadWrite');
    expect(readWrite?.revokeStep).toMatch(/^Find Microsoft Graph Mail.ReadWrite/);
    expect(readWrite?.revokeStep).not.toContain('entra.microsoft.com');
  });

  it('status features list only what the settings use and the grant allows, and what runs', () => {
    const evaluation = evaluate(ALL, settings, 'Rox');
    const features = statusFeatures(evaluation, settings, null);
    expect(features.filter((f) => f.isRunning).map((f) => f.capability)).toEqual([
      'directory_sync',
      'calendar_read',
      'mail_metadata',
      'mail_content',
      'mail_send',
    ]);
    // The full grant would allow two-way calendar sync; the settings do not use it, so it is not listed.
    expect(features.map((f) => f.capability)).not.toContain('calendar_write');
    expect(statusFeatures(evaluation, settings, 'consent_revoked')).toEqual([]);
  });

  it('two-way calendar without MailboxSettings.Read is degraded (writes in UTC), not clamped', () => {
    const twoWay = {
      calendarAccess: 'read_write' as const,
      emailAccess: 'off' as const,
      overrides: [],
    };
    const evaluation = evaluate(['Calendars.ReadWrite', 'Directory.Read.All'], twoWay, 'Rox');
    const reasons = degradedReasons(evaluation, null);
    expect(reasons.map((r) => r.code)).toEqual(['PERMISSION_MISSING']);
    expect(reasons[0]?.message).toMatch(/^MailboxSettings.Read is not granted/);
    expect(reasons[0]?.message).toContain('UTC');
    expect(reasons[0]?.nextAction).toMatch(/^Grant MailboxSettings.Read again/);
    const report = toPermissionReport(evaluation, null);
    expect(report.missing).toEqual([
      expect.objectContaining({
        permission: 'MailboxSettings.Read',
        grantWith: 'MailboxSettings.Read',
        disables: ['calendar_time_zone'],
      }),
    ]);
    // Writes still run: the two-way feature stays on.
    expect(statusFeatures(evaluation, twoWay, null).map((f) => f.capability)).toEqual([
      'directory_sync',
      'calendar_read',
      'calendar_write',
    ]);
  });

  it('never advises disconnecting to recover', () => {
    const reasons = degradedReasons(evaluate(['Directory.Read.All'], settings, 'Rox'), null);
    expect(reasons.length).toBeGreaterThan(0);
    for (const reason of reasons) expect(reason.nextAction).not.toMatch(/disconnect first/i);
  });

  it('a revoked consent switches everything off with one reason', () => {
    const evaluation = evaluate(ALL, settings, 'Rox');
    const reasons = degradedReasons(evaluation, 'consent_revoked');
    expect(reasons.map((r) => r.code)).toEqual(['CONSENT_REVOKED']);
    expect(reasons[0]?.nextAction).toMatch(/^Grant admin consent again/);
    expect(workingCapabilities(evaluation, 'consent_revoked')).toEqual([]);
  });

  it('an empty grant says so', () => {
    const reasons = degradedReasons(evaluate([], settings, 'Rox'), null);
    expect(reasons.map((r) => r.code)).toEqual(['NO_PERMISSIONS_GRANTED']);
  });
});
