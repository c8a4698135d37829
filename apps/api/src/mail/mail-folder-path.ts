import {
  isWellKnownExtraMailFolder,
  parseMailFolderPath,
  wellKnownMailFolderOf,
} from '@rox365/contracts';
import { type GraphMailFolder } from '@rox365/graph-client';

import { type MailChannel } from './entities/mail-channel.entity';
import { MISSING_FOLDER_RECHECK_MS, SYNCED_FOLDERS } from './mail.constants';
import { MailErrorCode } from './mail.errors';

/**
 * True for a synced folder named by a Graph well-known name (Inbox, Sent Items, the well-known
 * extras); false for a user folder given by its display path.
 */
export function isWellKnownFolder(folder: string): boolean {
  return SYNCED_FOLDERS.includes(folder) || isWellKnownExtraMailFolder(folder);
}

/**
 * The id of the folder at a display path (`Inbox/Customers`) in a mailbox's folder list, names
 * compared in any case, or null when the mailbox has no such folder. Top-level folders are those
 * whose parent is not listed (the mailbox root never is). A first name that no top-level folder
 * has but that names a well-known folder in English (`Inbox`, `Sent Items`, …) leads to that
 * folder by its id in `wellKnownIds` (well-known name → id): its display name is in the mailbox's
 * language (`Posteingang`).
 */
export function resolveMailFolderPath(
  folders: readonly GraphMailFolder[],
  path: string,
  wellKnownIds: ReadonlyMap<string, string> = new Map(),
): string | null {
  const names = parseMailFolderPath(path);
  if (!names) return null;
  const ids = new Set(folders.map((f) => f.id));
  const children = new Map<string | null, GraphMailFolder[]>();
  for (const f of folders) {
    const parent =
      f.parentFolderId !== undefined && ids.has(f.parentFolderId) ? f.parentFolderId : null;
    const list = children.get(parent) ?? [];
    list.push(f);
    children.set(parent, list);
  }
  let parent: string | null = null;
  for (const name of names) {
    const wanted = name.toLowerCase();
    const next: GraphMailFolder | undefined = children
      .get(parent)
      ?.find((f) => f.displayName?.trim().toLowerCase() === wanted);
    if (next) {
      parent = next.id;
      continue;
    }
    const wellKnown: string | undefined = parent === null ? wellKnownMailFolderOf(name) : undefined;
    const id: string | undefined =
      wellKnown === undefined ? undefined : wellKnownIds.get(wellKnown);
    if (id === undefined || !ids.has(id)) return null;
    parent = id;
  }
  return parent;
}

// What a user folder's lookup may end with that lets the folder rest until its recheck.
const FOLDER_RESTS_AFTER: ReadonlySet<string> = new Set([
  MailErrorCode.MAIL_FOLDER_NOT_FOUND,
  MailErrorCode.MAIL_PERMISSION_DENIED,
  MailErrorCode.MAIL_BLOCKED_BY_ACCESS_POLICY,
  MailErrorCode.MAIL_NO_MAILBOX,
  MailErrorCode.MAIL_USER_NOT_FOUND,
]);

/**
 * An extra folder channel whose mailbox was found without the folder (a user folder, or a
 * well-known one such as Archive), or whose user-folder lookup Graph refused for good (e.g. a
 * mailbox at its quota), less than MISSING_FOLDER_RECHECK_MS ago (for the same account): nothing
 * to read, and not looked for again yet, so it neither queues a job nor asks Graph. Inbox and
 * Sent Items never rest: every mailbox has them.
 */
export function isFolderMissingLately(
  channel: MailChannel,
  directoryUserId: string | null,
  now: Date,
): boolean {
  // A well-known folder refused is the mailbox's refusal (its Inbox fails too), not a rest.
  const rests = isWellKnownFolder(channel.folder)
    ? channel.lastErrorCode === MailErrorCode.MAIL_FOLDER_NOT_FOUND
    : channel.lastErrorCode !== null && FOLDER_RESTS_AFTER.has(channel.lastErrorCode);
  return (
    !SYNCED_FOLDERS.includes(channel.folder) &&
    channel.stage === 'failed' &&
    rests &&
    channel.folderId === null &&
    channel.directoryUserId === directoryUserId &&
    channel.lastErrorAt !== null &&
    now.getTime() - channel.lastErrorAt.getTime() < MISSING_FOLDER_RECHECK_MS
  );
}
