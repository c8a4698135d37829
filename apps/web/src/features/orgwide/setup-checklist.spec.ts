import { describe, expect, it } from 'vitest';

import { type PermissionReport, type ProbeResult } from '@rox365/contracts';

import { setupChecklist } from './setup-checklist';

function report(excess: string[]): PermissionReport {
  return {
    checkedAt: '2026-01-01T00:00:00.000Z',
    requested: [],
    granted: [],
    needed: [],
    excess: excess.map((permission) => ({
      permission,
      displayName: permission,
      reason: 'not_needed',
      sufficientGrant: null,
      revokeSteps: [],
      revokeStep: '',
    })),
    missing: [],
    capabilities: [],
    excessDelegated: [],
    delegatedGrantsChecked: true,
    appDisplayName: 'Rox Orgwide Integration',
    entraSteps: [],
  };
}

function probe(mail: ProbeResult['mail']): ProbeResult {
  return {
    roxUserId: 'u1',
    email: 'a@contoso.com',
    directoryUserId: 'd1',
    mail,
    calendar: mail,
    checkedAt: '2026-01-01T00:00:00.000Z',
    nextAction: null,
  };
}

const done = (items: ReturnType<typeof setupChecklist>) =>
  Object.fromEntries(items.map((i) => [i.id, i.isDone]));

describe('setupChecklist', () => {
  it('starts with everything to do after a full consent', () => {
    expect(
      done(
        setupChecklist({
          report: report(['Mail.Send']),
          probes: [probe('granted')],
          overrides: 0,
          policiesConfirmed: false,
        }),
      ),
    ).toEqual({ revoke_excess: false, confirm_policies: false, restrict_users: false });
  });

  it('ticks items off as Rox detects them and as the admin confirms', () => {
    expect(
      done(
        setupChecklist({
          report: report([]),
          probes: [probe('denied_by_policy')],
          overrides: 0,
          policiesConfirmed: true,
        }),
      ),
    ).toEqual({ revoke_excess: true, confirm_policies: true, restrict_users: true });
    expect(
      done(setupChecklist({ report: null, probes: [], overrides: 2, policiesConfirmed: false })),
    ).toEqual({ revoke_excess: false, confirm_policies: false, restrict_users: true });
  });

  it('keeps the revoke item open while a delegated grant remains on the org-wide app', () => {
    const withDelegated = {
      ...report([]),
      excessDelegated: [
        { scope: 'Mail.Read', consentType: 'AllPrincipals' as const, userCount: 0, revokeStep: '' },
      ],
    };
    expect(
      done(
        setupChecklist({
          report: withDelegated,
          probes: [],
          overrides: 0,
          policiesConfirmed: false,
        }),
      ).revoke_excess,
    ).toBe(false);
  });
});
