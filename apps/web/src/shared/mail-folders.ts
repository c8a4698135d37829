import { type MailFolderName } from '@rox365/contracts';

// A Map, not an object: a user folder may be named like one of Object's members (constructor).
const FOLDER_LABELS = new Map<string, string>(
  Object.entries({
    inbox: 'Inbox',
    sentitems: 'Sent Items',
    archive: 'Archive',
    deleteditems: 'Deleted Items',
    junkemail: 'Junk Email',
  }),
);

/**
 * A synced folder as Outlook shows it: a well-known name by its English label, a user folder by
 * its path as the admin configured it (e.g. `Inbox/Customers`).
 */
export function folderLabel(folder: MailFolderName): string {
  return FOLDER_LABELS.get(folder) ?? folder;
}
