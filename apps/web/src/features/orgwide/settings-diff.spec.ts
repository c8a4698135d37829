import { describe, expect, it } from 'vitest';

import { grantChanges, settingsChanges } from './settings-diff';

const excess = (permission: string) => ({
  permission,
  displayName: permission,
  reason: 'not_needed' as const,
  sufficientGrant: null,
  revokeSteps: [],
  revokeStep: '',
});

describe('settingsChanges', () => {
  it('says what changed, before → after, in words and domains as typed', () => {
    expect(
      settingsChanges(
        {
          calendarAccess: 'read_write',
          calendarMeetingDeletes: 'confirm',
          emailAccess: 'metadata',
          restrictedDomains: ['lawfirm.example'],
          restrictedUsers: [],
          extraMailFolders: ['junkemail'],
        },
        {
          calendarAccess: 'read',
          calendarMeetingDeletes: 'never',
          emailAccess: 'metadata',
          restrictedDomains: ['lawfirm.example', 'xn--bcher-kva.example'],
          restrictedUsers: ['ceo@contoso.com'],
          extraMailFolders: ['archive'],
        },
      ),
    ).toEqual([
      'Calendar access: Read and write → Read only',
      'Deleting meetings with attendees from Rox: Only when the person confirms → Never',
      'Restricted domains: added bücher.example',
      'Users whose email is never synced: added ceo@contoso.com',
      'Mail folders synced besides Inbox and Sent Items: added Archive',
      'Mail folders synced besides Inbox and Sent Items: removed Junk Email',
    ]);
  });
});

describe('grantChanges', () => {
  it('names what became excess after lowering a level', () => {
    expect(
      grantChanges(
        { needed: [], excess: [excess('Mail.Send')], missing: [] },
        { needed: [], excess: [excess('Mail.Send'), excess('Calendars.ReadWrite')], missing: [] },
      ),
    ).toEqual(['No longer needed, so you can revoke them in Microsoft Entra: Calendars.ReadWrite']);
  });

  it('names what is missing after raising a level', () => {
    expect(
      grantChanges(
        { needed: [], excess: [], missing: [] },
        {
          needed: [],
          excess: [],
          missing: [
            {
              permission: 'Mail.Send',
              displayName: 'Send mail as any user',
              grantWith: 'Mail.Send',
              disables: [],
              disabledFeatures: [],
            },
          ],
        },
      ),
    ).toEqual([
      'Needed but not granted: Mail.Send. Grant admin consent again to use the new level.',
    ]);
  });
});
