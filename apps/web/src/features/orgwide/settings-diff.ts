import { type OrgwideSettings, type PermissionReport } from '@rox365/contracts';

import { levelLabel, meetingDeletesLabel } from '../../shared/access-levels';
import { folderLabel } from '../../shared/mail-folders';
import { toUnicodeDomain } from '../../shared/punycode';

type SavedSettings = Pick<
  OrgwideSettings,
  | 'calendarAccess'
  | 'calendarMeetingDeletes'
  | 'emailAccess'
  | 'restrictedDomains'
  | 'restrictedUsers'
  | 'extraMailFolders'
>;
type Grant = Pick<PermissionReport, 'needed' | 'excess' | 'missing'>;

function listChange(label: string, before: readonly string[], after: readonly string[]): string[] {
  const added = after.filter((x) => !before.includes(x));
  const removed = before.filter((x) => !after.includes(x));
  return [
    ...(added.length ? [`${label}: added ${added.join(', ')}`] : []),
    ...(removed.length ? [`${label}: removed ${removed.join(', ')}`] : []),
  ];
}

/** What a save changed in the settings, before → after, in the words the screens use. */
export function settingsChanges(before: SavedSettings, after: SavedSettings): string[] {
  const changes: string[] = [];
  if (before.calendarAccess !== after.calendarAccess) {
    changes.push(
      `Calendar access: ${levelLabel('calendar', before.calendarAccess)} → ${levelLabel('calendar', after.calendarAccess)}`,
    );
  }
  if (before.calendarMeetingDeletes !== after.calendarMeetingDeletes) {
    changes.push(
      `Deleting meetings with attendees from Rox: ${meetingDeletesLabel(before.calendarMeetingDeletes)} → ${meetingDeletesLabel(after.calendarMeetingDeletes)}`,
    );
  }
  if (before.emailAccess !== after.emailAccess) {
    changes.push(
      `Email access: ${levelLabel('email', before.emailAccess)} → ${levelLabel('email', after.emailAccess)}`,
    );
  }
  changes.push(
    ...listChange(
      'Restricted domains',
      before.restrictedDomains.map(toUnicodeDomain),
      after.restrictedDomains.map(toUnicodeDomain),
    ),
    ...listChange(
      'Users whose email is never synced',
      before.restrictedUsers,
      after.restrictedUsers,
    ),
    ...listChange(
      'Mail folders synced besides Inbox and Sent Items',
      before.extraMailFolders.map(folderLabel),
      after.extraMailFolders.map(folderLabel),
    ),
  );
  return changes;
}

/** What the re-evaluated grant means after a save: newly excess, newly missing, and resolved. */
export function grantChanges(before: Grant | null, after: Grant): string[] {
  const excessBefore = new Set(before?.excess.map((e) => e.permission) ?? []);
  const missingBefore = new Set(before?.missing.map((m) => m.permission) ?? []);
  const excessAfter = after.excess.map((e) => e.permission);
  const missingAfter = after.missing.map((m) => m.grantWith);
  const changes: string[] = [];
  const newlyExcess = excessAfter.filter((p) => !excessBefore.has(p));
  if (newlyExcess.length) {
    changes.push(
      `No longer needed, so you can revoke them in Microsoft Entra: ${newlyExcess.join(', ')}`,
    );
  }
  const nowNeeded = [...excessBefore].filter((p) => !excessAfter.includes(p));
  if (nowNeeded.length) changes.push(`Now needed, so keep them granted: ${nowNeeded.join(', ')}`);
  const newlyMissing = after.missing
    .filter((m) => !missingBefore.has(m.permission))
    .map((m) => m.grantWith);
  if (newlyMissing.length) {
    changes.push(
      `Needed but not granted: ${newlyMissing.join(', ')}. Grant admin consent again to use the new level.`,
    );
  }
  const resolved = [...missingBefore].filter((p) => !after.missing.some((m) => m.permission === p));
  if (resolved.length) changes.push(`No longer missing: ${resolved.join(', ')}`);
  if (changes.length === 0 && missingAfter.length === 0) {
    changes.push('The permissions Rox needs did not change.');
  }
  return changes;
}
