import { describe, expect, it } from 'vitest';

import { buildMailStatus } from '../../test/factories';
import { mailStateView } from './mail-status';

const channel = (over: Partial<ReturnType<typeof buildMailStatus>['channels'][number]>) => ({
  folder: 'inbox' as const,
  stage: 'ok' as const,
  reason: null,
  lastSyncAt: '2026-11-28T10:00:00.000Z',
  cursorAgeHours: 0,
  messages: 2,
  ...over,
});

describe('mail state in words', () => {
  it('a failed folder makes the mailbox failed, with the reason and the next step', () => {
    const view = mailStateView(
      buildMailStatus({
        channels: [
          channel({}),
          channel({ folder: 'sentitems', stage: 'failed', reason: 'MAIL_PERMISSION_DENIED' }),
        ],
      }),
    );
    expect(view.label).toBe('Failed');
    expect(view.tone).toBe('danger');
    expect(view.reason).toMatch(/^Microsoft refused access to this mailbox/);
    expect(view.nextAction).toMatch(/Access policy/);
  });

  it('an extra folder the mailbox does not have is said on its row, not as a failed mailbox', () => {
    const view = mailStateView(
      buildMailStatus({
        channels: [
          channel({}),
          channel({ folder: 'sentitems' }),
          channel({ folder: 'archive', stage: 'failed', reason: 'MAIL_FOLDER_NOT_FOUND' }),
        ],
      }),
    );
    expect(view.label).toBe('Up to date');
  });

  it('a folder queued with degraded notifications is syncing, not retrying', () => {
    const view = mailStateView(
      buildMailStatus({
        channels: [channel({ stage: 'queued', reason: 'notifications_degraded' })],
      }),
    );
    expect(view.label).toBe('Syncing');
  });

  it('a folder queued again after throttling is retrying and needs nobody', () => {
    const view = mailStateView(
      buildMailStatus({
        channels: [channel({ stage: 'queued', reason: 'MAIL_GRAPH_THROTTLED' }), channel({})],
      }),
    );
    expect(view).toEqual({
      label: 'Retrying',
      tone: 'warning',
      reason: 'Microsoft Graph is throttling this mailbox.',
      nextAction: 'Nothing: it resumes by itself.',
    });
  });

  it('syncing, never synced, up to date, out of scope', () => {
    expect(
      mailStateView(buildMailStatus({ channels: [channel({ stage: 'running' })] })).label,
    ).toBe('Syncing');
    expect(
      mailStateView(buildMailStatus({ channels: [channel({ stage: 'never', lastSyncAt: null })] }))
        .label,
    ).toBe('Not synced yet');
    expect(
      mailStateView(buildMailStatus({ channels: [channel({}), channel({ folder: 'sentitems' })] })),
    ).toEqual({ label: 'Up to date', tone: 'success', reason: null, nextAction: null });
    expect(mailStateView(buildMailStatus({ inScope: false, channels: [] })).label).toBe(
      'Not synced',
    );
  });
});
