import { describe, expect, it } from 'vitest';

import { refusalOutcome } from './consent-flow.service';
import {
  degradedReasons,
  evaluate,
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
  });

  it('a revoked consent switches everything off with one reason', () => {
    const evaluation = evaluate(ALL, settings, 'Rox');
    const reasons = degradedReasons(evaluation, 'consent_revoked');
    expect(reasons.map((r) => r.code)).toEqual(['CONSENT_REVOKED']);
    expect(reasons[0]?.nextAction).toMatch(/^Re-run admin consent/);
    expect(workingCapabilities(evaluation, 'consent_revoked')).toEqual([]);
  });

  it('an empty grant says so', () => {
    const reasons = degradedReasons(evaluate([], settings, 'Rox'), null);
    expect(reasons.map((r) => r.code)).toEqual(['NO_PERMISSIONS_GRANTED']);
  });
});
