import { describe, expect, it } from 'vitest';

import { buildCalendarChannel } from '../../test/factories';
import { calendarStateView } from './calendar-status';

describe('calendar state in words', () => {
  it('up to date needs nothing', () => {
    expect(calendarStateView(buildCalendarChannel())).toEqual({
      label: 'Up to date',
      tone: 'success',
      reason: null,
      nextAction: null,
    });
  });

  it('up to date on polling alone says why changes come slower', () => {
    const view = calendarStateView(buildCalendarChannel({ reason: 'notifications_degraded' }));
    expect(view).toMatchObject({ label: 'Up to date', tone: 'success' });
    expect(view.reason).toMatch(/change notifications/);
    expect(view.nextAction).toMatch(/by itself/);
  });

  it('keeps the API’s reason and next action for a blocked mailbox', () => {
    const view = calendarStateView(
      buildCalendarChannel({
        status: 'blocked_by_access_policy',
        stage: 'failed',
        reason: 'Exchange’s application access policy keeps Rox out of this mailbox.',
        nextAction: 'Add the mailbox to the access-policy group; sync resumes by itself.',
      }),
    );
    expect(view).toMatchObject({ label: 'Blocked by access policy', tone: 'danger' });
    expect(view.reason).toContain('access policy');
    expect(view.nextAction).toContain('access-policy group');
  });

  it('explains a bare failure code and says what happens next', () => {
    const view = calendarStateView(
      buildCalendarChannel({
        status: 'failed',
        stage: 'failed',
        reason: 'CALENDAR_PERMISSION_DENIED',
        nextAction: 'Check the mailbox and the org-wide grant, then wait for the next cycle.',
      }),
    );
    expect(view.label).toBe('Failed');
    expect(view.reason).toMatch(/^Microsoft refused access to this mailbox/);
    expect(view.reason).not.toContain('CALENDAR_');
    expect(view.nextAction).toBe(
      'Check the mailbox and the org-wide grant, then wait for the next cycle.',
    );
  });

  it('a queued channel with an error is retrying, not just queued', () => {
    const view = calendarStateView(
      buildCalendarChannel({
        status: 'pending',
        stage: 'queued',
        reason: 'CALENDAR_GRAPH_UNAVAILABLE',
      }),
    );
    expect(view).toEqual({
      label: 'Retrying',
      tone: 'warning',
      reason: 'Microsoft Graph was unavailable.',
      nextAction: 'Nothing: Rox tries again by itself.',
    });
  });

  it('never synced says when it starts; out of scope leaves the reason to the scope', () => {
    expect(
      calendarStateView(
        buildCalendarChannel({
          status: 'pending',
          stage: 'never',
          reason: null,
          lastSuccessAt: null,
        }),
      ),
    ).toMatchObject({ label: 'Not synced yet', nextAction: expect.stringMatching(/^Nothing/) });
    expect(
      calendarStateView(
        buildCalendarChannel({
          status: 'not_in_scope',
          inScope: false,
          reason: 'Calendar sync is off for this member.',
          nextAction: 'Turn calendar sync on for this member.',
        }),
      ),
    ).toEqual({ label: 'Not synced', tone: 'neutral', reason: null, nextAction: null });
  });
});
