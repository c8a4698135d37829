import { describe, expect, it } from 'vitest';

import { isWellKnownFolder, resolveMailFolderPath } from './mail-folder-path';

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
