import { describe, expect, it } from 'vitest';

import { describeDetails, formatValue, personIdsIn } from './audit-details';

describe('describeDetails', () => {
  it('shows a change as before → after, only for the fields that changed, in words', () => {
    expect(
      describeDetails({
        before: {
          calendarAccess: 'read_write',
          emailAccess: 'metadata',
          restrictedDomains: ['lawfirm.example'],
        },
        after: {
          calendarAccess: 'read',
          emailAccess: 'metadata',
          restrictedDomains: ['lawfirm.example', 'xn--bcher-kva.example'],
        },
      }),
    ).toEqual([
      { label: 'Calendar access', value: 'Read and write → Read only' },
      { label: 'Restricted domains', value: 'lawfirm.example → lawfirm.example, bücher.example' },
    ]);
  });

  it('shows what was created and plain values', () => {
    expect(
      describeDetails({
        before: null,
        after: { emailAccess: 'read_send' },
        granted: ['Mail.Read'],
      }),
    ).toEqual([
      { label: 'Email access', value: 'Read and send' },
      { label: 'Granted permissions', value: 'Mail.Read' },
    ]);
  });

  it('names people the page knows instead of their ids', () => {
    const nameOf = (id: string) => (id === 'u_isaiah' ? 'Isaiah Langer' : null);
    expect(describeDetails({ supersededFor: ['u_isaiah'], by: 'u_isaiah' }, nameOf)).toEqual([
      { label: 'Superseded for', value: 'Isaiah Langer' },
      { label: 'By', value: 'Isaiah Langer' },
    ]);
  });

  it.each<[string, Record<string, unknown>, { label: string; value: string }[]]>([
    [
      'calendar.mailbox_purged: rows per table and the reason code',
      { reason: 'left_scope', calendar_event_link: 3, calendar_event: 0 },
      [
        { label: 'Reason', value: 'The member left sync scope' },
        { label: 'Calendar event copies in mailboxes removed', value: '3' },
        { label: 'Calendar events removed', value: '0' },
      ],
    ],
    [
      'mail.folder_purged: the folder as Outlook names it',
      { folder: 'archive', reason: 'folder_not_synced', links: 4, messages: 2, channels: 1 },
      [
        { label: 'Folder', value: 'Archive' },
        { label: 'Reason', value: 'The folder is no longer synced' },
        { label: 'Email copies removed', value: '4' },
        { label: 'Email messages removed', value: '2' },
        { label: 'Mail folder sync states removed', value: '1' },
      ],
    ],
    [
      'mail.restricted_purged: domains as typed',
      { messages: 5, domains: ['xn--bcher-kva.example'], users: 2 },
      [
        { label: 'Email messages removed', value: '5' },
        { label: 'Restricted domains', value: 'bücher.example' },
        { label: 'Restricted users', value: '2' },
      ],
    ],
    [
      'orgwide.disconnected: a nested receipt lists what was removed, largest first',
      {
        removed: { calendar_event: 3, mail_message: 12, auth_state: 0 },
        jobsStopped: { calendar: 0, mail: 0 },
        entraSteps: ['Open Entra.', 'Delete the app.'],
      },
      [
        { label: 'Removed', value: 'Email messages 12, Calendar events 3' },
        { label: 'Background jobs stopped', value: 'nothing' },
        { label: 'To remove the app from Entra', value: '1. Open Entra. 2. Delete the app.' },
      ],
    ],
    [
      'orgwide.consent-outcome: outcome, step and Microsoft’s error code',
      { outcome: 'cancelled', stage: 'sign_in', error: 'access_denied', aadsts: 65004 },
      [
        { label: 'Outcome', value: 'Cancelled on Microsoft’s page' },
        { label: 'Step', value: 'Admin sign-in' },
        { label: 'Error', value: 'Access denied' },
        { label: 'Microsoft error code', value: 'AADSTS65004' },
      ],
    ],
    [
      'orgwide.admin-verified: Entra roles by name, unknown ones as they are',
      { roles: ['62e90394-69f5-4237-9190-012177145e10', 'some-other-role'] },
      [{ label: 'Entra roles', value: 'Global Administrator, some-other-role' }],
    ],
    [
      'individual-connections.created: kind, level and status in words',
      { provider: 'microsoft', kind: 'mail', level: 'read_send', status: 'needs_admin_approval' },
      [
        { label: 'Provider', value: 'microsoft' },
        { label: 'Kind', value: 'Email' },
        { label: 'Access level', value: 'Read and send' },
        { label: 'Connection status', value: 'Waiting for approval' },
      ],
    ],
    [
      'directory.probed: probe outcomes as on Access policy',
      { mail: 'denied_by_policy', calendar: 'granted' },
      [
        { label: 'Email access check', value: 'Denied by policy' },
        { label: 'Calendar access check', value: 'Granted' },
      ],
    ],
    [
      'mail.send_failed and mail.attachment_read: codes, sizes, booleans',
      { mode: 'send_mail', reason: 'GRAPH_403', isReply: false, size: 2048 },
      [
        { label: 'Sent as', value: 'Sent directly' },
        { label: 'Reason', value: 'Microsoft Graph answered HTTP 403' },
        { label: 'Reply', value: 'no' },
        { label: 'Size', value: '2 KB' },
      ],
    ],
    [
      'orgwide.permissions-changed: lists of permissions; directory.synced: counts',
      { added: ['Mail.Read'], removed: [], updated: 4 },
      [
        { label: 'Permissions added', value: 'Mail.Read' },
        { label: 'Permissions removed', value: 'none' },
        { label: 'Updated', value: '4' },
      ],
    ],
    [
      'push.redelivery_requested: notice and outcome',
      { eventType: 'mail.changed', outcome: 'already_queued' },
      [
        { label: 'Notice', value: 'Mail changed' },
        { label: 'Outcome', value: 'Already queued' },
      ],
    ],
    [
      'unknown keys and values stay as they are',
      { reason: 'some_new_reason', outcome: 'toString', futureThing: 'x_y', nested: { a: 'b' } },
      [
        { label: 'Reason', value: 'some_new_reason' },
        { label: 'Outcome', value: 'toString' },
        { label: 'Future thing', value: 'x_y' },
        { label: 'Nested', value: '{"a":"b"}' },
      ],
    ],
  ])('%s', (_, details, lines) => {
    expect(describeDetails(details)).toEqual(lines);
  });

  it('reads an unset level of a member override as the organisation’s setting', () => {
    expect(
      describeDetails({ before: null, after: { calendarAccess: null, emailAccess: 'off' } }),
    ).toEqual([
      { label: 'Calendar access', value: 'Organisation setting' },
      { label: 'Email access', value: 'Off' },
    ]);
    expect(formatValue('tenantId', null)).toBe('—');
  });

  it('finds the Rox user ids inside details to look them up', () => {
    expect(
      personIdsIn({ roxUserIds: ['u_a', 'u_b'], after: { roxUserId: 'u_c' }, via: 'u_d', n: 2 }),
    ).toEqual(['u_a', 'u_b', 'u_c', 'u_d']);
  });
});
