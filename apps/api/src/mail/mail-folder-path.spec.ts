import { describe, expect, it } from 'vitest';

import { MailChannel } from './entities/mail-channel.entity';
import {
  isFolderMissingLately,
  isWellKnownFolder,
  resolveMailFolderPath,
} from './mail-folder-path';
import { MISSING_FOLDER_RECHECK_MS } from './mail.constants';

const ROOT = 'root';
const folders = [
  { id: 'inbox', displayName: 'Inbox', parentFolderId: ROOT },
  { id: 'customers', displayName: 'Customers', parentFolderId: 'inbox' },
  { id: 'top-customers', displayName: 'Customers', parentFolderId: ROOT },
  { id: 'slash', displayName: 'A/B', parentFolderId: 'customers' },
  { id: 'deep', displayName: 'Deep', parentFolderId: 'slash' },
];

describe('resolveMailFolderPath', () => {
  it.each([
    ['Inbox/Customers', 'customers'],
    ['inbox/CUSTOMERS', 'customers'],
    ['Customers', 'top-customers'],
    ['Inbox/Customers/A\\/B/Deep', 'deep'],
    ['Inbox/Nope', null],
    ['Customers/A\\/B', null],
    ['Inbox//x', null],
  ])('%s → %s', (path, id) => {
    expect(resolveMailFolderPath(folders, path)).toBe(id);
  });

  it('goes through a well-known folder by its id whatever its name in the mailbox language', () => {
    const german = [
      { id: 'inbox-id', displayName: 'Posteingang', parentFolderId: ROOT },
      { id: 'sent-id', displayName: 'Gesendete Elemente', parentFolderId: ROOT },
      { id: 'kunden', displayName: 'Customers', parentFolderId: 'inbox-id' },
      { id: 'projekte', displayName: 'Projects', parentFolderId: 'sent-id' },
    ];
    const wellKnown = new Map([
      ['inbox', 'inbox-id'],
      ['sentitems', 'sent-id'],
    ]);
    expect(resolveMailFolderPath(german, 'Inbox/Customers', wellKnown)).toBe('kunden');
    expect(resolveMailFolderPath(german, 'sent items/projects', wellKnown)).toBe('projekte');
    // Its own name works too, and a well-known id not known here is no way through.
    expect(resolveMailFolderPath(german, 'Posteingang/Customers', wellKnown)).toBe('kunden');
    expect(resolveMailFolderPath(german, 'Inbox/Customers')).toBeNull();
    expect(resolveMailFolderPath(german, 'Junk Email/Customers', wellKnown)).toBeNull();
  });

  it('finds a folder listed before its parent', () => {
    expect(resolveMailFolderPath([...folders].reverse(), 'Inbox/Customers/A\\/B')).toBe('slash');
  });
});

describe('isWellKnownFolder', () => {
  it.each([
    ['inbox', true],
    ['sentitems', true],
    ['archive', true],
    ['junkemail', true],
    ['Customers', false],
    ['Inbox/Customers', false],
  ])('%s → %s', (folder, expected) => {
    expect(isWellKnownFolder(folder)).toBe(expected);
  });
});

describe('isFolderMissingLately', () => {
  const now = new Date('2026-11-29T12:00:00Z');
  const missing = (folder: string, overrides: Partial<MailChannel> = {}): MailChannel =>
    Object.assign(new MailChannel('org', 'member', folder), {
      stage: 'failed',
      lastErrorCode: 'MAIL_FOLDER_NOT_FOUND',
      lastErrorAt: new Date(now.getTime() - 60_000),
      directoryUserId: 'entra-1',
      folderId: null,
      ...overrides,
    });

  it('rests an extra folder found missing, or a user folder whose lookup was refused, lately, for the same account', () => {
    expect(isFolderMissingLately(missing('Inbox/Customers'), 'entra-1', now)).toBe(true);
    expect(isFolderMissingLately(missing('archive'), 'entra-1', now)).toBe(true);
    const refused = missing('Inbox/Customers', { lastErrorCode: 'MAIL_PERMISSION_DENIED' });
    expect(isFolderMissingLately(refused, 'entra-1', now)).toBe(true);
  });

  it.each<[string, string, Partial<MailChannel>, string]>([
    ['Inbox', 'inbox', {}, 'entra-1'],
    ['Sent Items', 'sentitems', {}, 'entra-1'],
    [
      'a refused well-known folder',
      'archive',
      { lastErrorCode: 'MAIL_PERMISSION_DENIED' },
      'entra-1',
    ],
    [
      'a recheck that is due',
      'Inbox/Customers',
      { lastErrorAt: new Date(now.getTime() - MISSING_FOLDER_RECHECK_MS) },
      'entra-1',
    ],
    ['another failure', 'Inbox/Customers', { lastErrorCode: 'MAIL_GRAPH_THROTTLED' }, 'entra-1'],
    ['a folder with an id', 'Inbox/Customers', { folderId: 'AAMkF' }, 'entra-1'],
    ['another account', 'Inbox/Customers', {}, 'entra-2'],
  ])('does not rest %s', (_, folder, overrides, account) => {
    expect(isFolderMissingLately(missing(folder, overrides), account, now)).toBe(false);
  });
});
