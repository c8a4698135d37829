import { describe, expect, it } from 'vitest';

import { buildMailbox } from '../../test/factories/mailbox.factory';
import { notificationTargets } from './notification-channels';

const none = { domains: [], addresses: new Set<string>() };

describe('notificationTargets', () => {
  const mailbox = (overrides: Parameters<typeof buildMailbox>[2] = {}) =>
    buildMailbox('o', 'megan', {
      email: 'megan@contoso.com',
      route: 'orgwide',
      directoryUserId: 'u-1',
      calendarInScope: true,
      calendarEffective: 'read',
      mailInScope: true,
      mailEffective: 'metadata',
      ...overrides,
    });

  it('watches the calendar and every synced folder of an org-wide mailbox', () => {
    const archive = new Map([['archive', { folderId: 'AAMkAF-YXJjaA==', directoryUserId: 'u-1' }]]);
    expect(
      notificationTargets(mailbox(), none, ['inbox', 'sentitems', 'archive'], archive).map((t) => [
        t.kind,
        t.folder,
        t.folderId,
        t.resource,
      ]),
    ).toEqual([
      ['calendar', '', null, 'users/u-1/events'],
      ['mail', 'inbox', null, "users/u-1/mailFolders('inbox')/messages"],
      ['mail', 'sentitems', null, "users/u-1/mailFolders('sentitems')/messages"],
      // Found in this mailbox: watched by its name.
      ['mail', 'archive', null, "users/u-1/mailFolders('archive')/messages"],
    ]);
  });

  it('leaves out an extra well-known folder mail sync has not found in this mailbox', () => {
    const folders = (userFolders?: Map<string, { folderId: string; directoryUserId: string }>) =>
      notificationTargets(mailbox(), none, ['inbox', 'sentitems', 'archive'], userFolders)
        .filter((t) => t.kind === 'mail')
        .map((t) => t.folder);
    // No Archive in this mailbox (or not looked for yet): its subscription would fail each retry.
    expect(folders()).toEqual(['inbox', 'sentitems']);
    // Found for the member's earlier account: not this mailbox's.
    expect(folders(new Map([['archive', { folderId: 'AAMkAF', directoryUserId: 'u-0' }]]))).toEqual(
      ['inbox', 'sentitems'],
    );
  });

  it('leaves out what is not synced', () => {
    expect(
      notificationTargets(mailbox({ mailEffective: 'off' }), none, ['inbox']).map((t) => t.kind),
    ).toEqual(['calendar']);
    expect(
      notificationTargets(mailbox({ calendarInScope: false }), none, ['inbox']).map((t) => t.kind),
    ).toEqual(['mail']);
  });

  it("watches a member's own connection on me/…, whatever the directory says", () => {
    for (const directoryUserId of [null, 'u-1']) {
      expect(
        notificationTargets(mailbox({ route: 'individual', directoryUserId }), none, ['inbox']).map(
          (t) => [t.kind, t.resource, t.route, t.directoryUserId],
        ),
      ).toEqual([
        ['calendar', 'me/events', 'individual', ''],
        ['mail', "me/mailFolders('inbox')/messages", 'individual', ''],
      ]);
    }
  });

  it('gives unreached, unmapped and restricted mailboxes none', () => {
    expect(notificationTargets(mailbox({ route: 'none' }), none, ['inbox'])).toEqual([]);
    expect(notificationTargets(mailbox({ directoryUserId: null }), none, ['inbox'])).toEqual([]);
    const restricted = { domains: [], addresses: new Set(['megan@contoso.com']) };
    expect(notificationTargets(mailbox(), restricted, ['inbox'])).toEqual([]);
  });

  it("watches a member's own folder by the id mail sync found for this mailbox's user", () => {
    const resolved = (folderId: string, directoryUserId: string | null = 'u-1') =>
      new Map([['Inbox/Customers', { folderId, directoryUserId }]]);
    const folders = ['inbox', 'Inbox/Customers'];
    const mail = (userFolders?: ReturnType<typeof resolved>) =>
      notificationTargets(mailbox(), none, folders, userFolders)
        .filter((t) => t.kind === 'mail')
        .map((t) => [t.folder, t.folderId, t.resource]);
    expect(mail(resolved('AAMkAF-dXNlcg=='))).toEqual([
      ['inbox', null, "users/u-1/mailFolders('inbox')/messages"],
      ['Inbox/Customers', 'AAMkAF-dXNlcg==', "users/u-1/mailFolders('AAMkAF-dXNlcg==')/messages"],
    ]);
    const inboxOnly = [['inbox', null, "users/u-1/mailFolders('inbox')/messages"]];
    // Not found yet (or missing), found for the member's earlier account, or an id that would
    // change the resource's shape: no subscription, polling keeps it.
    expect(mail()).toEqual(inboxOnly);
    expect(mail(resolved('AAMkAF-dXNlcg==', 'u-0'))).toEqual(inboxOnly);
    for (const odd of ["x')/events?('", 'a/b', 'a b', ''])
      expect(mail(resolved(odd))).toEqual(inboxOnly);
    // A restricted mailbox: none, whatever was found.
    const restricted = { domains: [], addresses: new Set(['megan@contoso.com']) };
    expect(notificationTargets(mailbox(), restricted, folders, resolved('AAMk'))).toEqual([]);
  });
});
