import { describe, expect, it } from 'vitest';

import { UpdateOrgwideSettingsRequestSchema } from '../orgwide/orgwide.schema';
import {
  EXTRA_MAIL_FOLDERS_MAX,
  ExtraMailFoldersInputSchema,
  formatMailFolderPath,
  parseMailFolderPath,
  wellKnownMailFolderOf,
} from './mail.schema';

describe('parseMailFolderPath', () => {
  it.each([
    ['Customers', ['Customers']],
    ['Inbox/Customers', ['Inbox', 'Customers']],
    [' Inbox / Key accounts ', ['Inbox', 'Key accounts']],
    ['Inbox/A\\/B', ['Inbox', 'A/B']],
    ['Back\\\\slash', ['Back\\slash']],
  ])('reads %j', (path, names) => {
    expect(parseMailFolderPath(path)).toEqual(names);
    expect(parseMailFolderPath(formatMailFolderPath(names))).toEqual(names);
  });

  it.each(['', '/', 'Inbox/', '/Customers', 'Inbox//Customers', 'trailing\\', 'bad\\escape'])(
    'refuses %j',
    (path) => {
      expect(parseMailFolderPath(path)).toBeNull();
    },
  );
});

describe('ExtraMailFoldersInputSchema', () => {
  it('keeps well-known names (lower-cased) and tidies paths', () => {
    expect(
      ExtraMailFoldersInputSchema.parse([
        'Archive',
        'junkemail',
        ' Inbox /Customers',
        'Deleted Items',
      ]),
    ).toEqual(['archive', 'junkemail', 'Inbox/Customers', 'deleteditems']);
  });

  it('names the entry that is not a path, and Inbox itself, as field errors', () => {
    const result = UpdateOrgwideSettingsRequestSchema.safeParse({
      calendarAccess: 'off',
      emailAccess: 'metadata',
      tenant: 'contoso.onmicrosoft.com',
      extraMailFolders: ['Inbox/Customers', 'Inbox//x', 'Sent Items'],
    });
    const issues = result.error?.issues.map((i) => [i.path.join('.'), i.message]);
    expect(issues).toEqual([
      ['extraMailFolders.1', expect.stringContaining('is not a folder path')],
      ['extraMailFolders.2', expect.stringContaining('always synced')],
    ]);
  });

  it('refuses the same folder twice, paths compared in any case', () => {
    const result = ExtraMailFoldersInputSchema.safeParse(['Inbox/Customers', 'inbox/CUSTOMERS']);
    expect(result.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      ['1', '"inbox/CUSTOMERS" is listed twice (also at position 1)'],
    ]);
  });

  it(`accepts at most ${EXTRA_MAIL_FOLDERS_MAX}`, () => {
    const many = Array.from({ length: EXTRA_MAIL_FOLDERS_MAX + 1 }, (_, i) => `Folder ${i}`);
    expect(ExtraMailFoldersInputSchema.safeParse(many).success).toBe(false);
    expect(ExtraMailFoldersInputSchema.safeParse(many.slice(1)).success).toBe(true);
  });
});

describe('wellKnownMailFolderOf', () => {
  it.each([
    ['Inbox', 'inbox'],
    [' sent items ', 'sentitems'],
    ['Archive', 'archive'],
    ['Deleted Items', 'deleteditems'],
    ['JUNK EMAIL', 'junkemail'],
    ['Posteingang', undefined],
    ['Customers', undefined],
  ])('%j → %s', (name, folder) => {
    expect(wellKnownMailFolderOf(name)).toBe(folder);
  });
});
