import { describe, expect, it } from 'vitest';

import { folderLabel } from './mail-folders';

describe('folderLabel', () => {
  it.each([
    ['inbox', 'Inbox'],
    ['sentitems', 'Sent Items'],
    ['junkemail', 'Junk Email'],
    ['Inbox/Customers', 'Inbox/Customers'],
  ])('%s → %s', (folder, label) => {
    expect(folderLabel(folder)).toBe(label);
  });

  // A member's folder may have any name, including those of Object's own members.
  it.each(['constructor', 'toString', '__proto__', 'hasOwnProperty'])(
    'shows a user folder named %s by its path',
    (folder) => {
      expect(folderLabel(folder)).toBe(folder);
    },
  );
});
