import { CronExpression } from '@nestjs/schedule';

import { type MailFolderName } from './entities/mail-channel.entity';

export const MAIL_JOB = {
  /** One org's cycle: purge what left scope or became restricted, queue each mailbox's sync. */
  cycle: 'mail.cycle',
  /** One member's mailbox: every synced folder. */
  syncMailbox: 'mail.sync-mailbox',
  /** One send as a member. */
  send: 'mail.send',
} as const;

export const MAIL_CHANNEL_KIND = 'mail';

// Always synced; the org setting `extraMailFolders` adds more (none by default).
export const SYNCED_FOLDERS: readonly MailFolderName[] = ['inbox', 'sentitems'];

export const MAIL_CYCLE_CRON = CronExpression.EVERY_10_MINUTES;

// The AAD context of sealed bodies (registered for re-encryption).
export const MAIL_BODY_COLUMN = 'mail_message.body_sealed';

// Graph's $batch limit; bodies are fetched in batches of this many.
export const BODY_BATCH_SIZE = 20;

// Outlook delta links have no fixed lifetime; an old one is not worth trying.
export const MAIL_CURSOR_MAX_AGE_MS = 6 * 24 * 60 * 60 * 1000;

// Bodies fetched per mailbox run for copies stored without one (a raised level).
export const BODY_BACKFILL_PER_RUN = 500;

// The AAD context of a send's sealed content (kept only until it is sent).
export const MAIL_SEND_CONTENT_COLUMN = 'mail_send.content_sealed';

// Unfinished work is checked this often; how old it must be is STALE_JOB_MINUTES. Each
// check is an indexed query over busy rows only.
export const STALE_MAIL_SYNC_CRON = CronExpression.EVERY_MINUTE;

// Attachments are read from Graph per request and held in memory only while answering it.
export const ATTACHMENT_MAX_BYTES = 25 * 1024 * 1024;

// Folders per page of the folder hierarchy delta (`mailFolders/delta`), read when a user folder's
// path must be resolved: most mailboxes fit in one page.
export const MAIL_FOLDER_PAGE_SIZE = 250;

// An extra folder a mailbox lacks (a user folder, or e.g. Archive) is looked for again after this
// long, not every cycle: many members may lack it, and a job plus a lookup per such mailbox every
// cycle would replace the idle $batch for them. A folder created meanwhile waits this long.
export const MISSING_FOLDER_RECHECK_MS = 6 * 60 * 60 * 1000;
