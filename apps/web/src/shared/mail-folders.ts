import { type MailFolderName } from '@rox365/contracts';

const FOLDER_LABELS: Record<MailFolderName, string> = {
  inbox: 'Inbox',
  sentitems: 'Sent Items',
  archive: 'Archive',
  deleteditems: 'Deleted Items',
  junkemail: 'Junk Email',
};

/** A synced folder's Graph well-known name as Outlook shows it. */
export function folderLabel(folder: MailFolderName): string {
  return FOLDER_LABELS[folder];
}
