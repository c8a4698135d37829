import { describe, expect, it } from 'vitest';

import { neededPermissionRows } from './needed-permissions';

describe('neededPermissionRows', () => {
  it('names the directory need as the consent page does (Directory.Read.All)', () => {
    expect(
      neededPermissionRows({
        needed: ['User.Read.All', 'Mail.ReadBasic.All'],
        granted: ['Directory.Read.All', 'Mail.ReadBasic.All', 'Mail.Send'],
        missing: [],
      }),
    ).toEqual([
      { name: 'Directory.Read.All', note: 'provides User.Read.All', isMissing: false },
      { name: 'Mail.ReadBasic.All', note: null, isMissing: false },
    ]);
  });

  it('marks a missing need under the permission to grant', () => {
    expect(
      neededPermissionRows({
        needed: ['User.Read.All', 'Calendars.ReadWrite'],
        granted: ['Calendars.Read'],
        missing: [
          { permission: 'User.Read.All', grantWith: 'Directory.Read.All' },
          { permission: 'Calendars.ReadWrite', grantWith: 'Calendars.ReadWrite' },
        ],
      }),
    ).toEqual([
      { name: 'Directory.Read.All', note: 'provides User.Read.All', isMissing: true },
      { name: 'Calendars.ReadWrite', note: null, isMissing: true },
    ]);
  });
});
