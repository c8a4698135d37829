import { describe, expect, it } from 'vitest';

import { explainSyncCode, isSyncCode, readableReason } from './sync-reasons';

describe('sync failure codes in words', () => {
  it('tells codes from sentences', () => {
    expect(isSyncCode('MAIL_GRAPH_THROTTLED')).toBe(true);
    expect(isSyncCode('Microsoft Graph is throttling this mailbox.')).toBe(false);
  });

  it('explains known codes of both syncs the same way', () => {
    expect(explainSyncCode('MAIL_GRAPH_THROTTLED')).toEqual(
      explainSyncCode('CALENDAR_GRAPH_THROTTLED'),
    );
    expect(explainSyncCode('SYNC_JOB_STALE').reason).toBe(
      'The last sync stopped without finishing.',
    );
  });

  it('explains a round stopped by a change of the restricted lists or of scope', () => {
    for (const code of ['CALENDAR_RESTRICTIONS_CHANGED', 'MAIL_RESTRICTIONS_CHANGED']) {
      expect(explainSyncCode(code).reason).toMatch(/restricted domains or users changed/);
      expect(explainSyncCode(code).nextAction).toMatch(/new lists/);
    }
    for (const code of ['CALENDAR_NOT_IN_SCOPE', 'MAIL_MEMBER_NOT_FOUND'])
      expect(explainSyncCode(code).reason).toMatch(/left sync/);
  });

  it('explains a mailbox refusal the same way for mail and calendar (X-6)', () => {
    for (const kind of ['BLOCKED_BY_ACCESS_POLICY', 'NO_MAILBOX', 'USER_NOT_FOUND'])
      expect(explainSyncCode(`MAIL_${kind}`)).toEqual(explainSyncCode(`CALENDAR_${kind}`));
    expect(explainSyncCode('MAIL_BLOCKED_BY_ACCESS_POLICY').nextAction).toMatch(/access-policy/);
    expect(explainSyncCode('MAIL_NO_MAILBOX').reason).toMatch(/no Exchange Online mailbox/);
  });

  it('names an unknown code for support instead of hiding it', () => {
    expect(explainSyncCode('SOMETHING_NEW').reason).toContain('SOMETHING_NEW');
  });

  it('keeps sentences and absent reasons as they are', () => {
    expect(readableReason('The mailbox is out of scope.')).toBe('The mailbox is out of scope.');
    expect(readableReason(null)).toBeNull();
    expect(readableReason('MAIL_SYNC_FAILED')).toBe('The last sync stopped with an error.');
  });

  it('explains degraded change notifications, a lower-case reason code', () => {
    expect(isSyncCode('notifications_degraded')).toBe(true);
    expect(readableReason('notifications_degraded')).toMatch(/change notifications/);
    expect(explainSyncCode('notifications_degraded').nextAction).toMatch(/by itself/);
  });
});
