import { z } from 'zod';

import { uniqueList } from '../orgwide/normalize';

/** One address on a message, lower-cased. */
export const MailAddressSchema = z
  .object({ address: z.string(), name: z.string().nullable() })
  .meta({ id: 'MailAddress' });
export type MailAddress = z.infer<typeof MailAddressSchema>;

/** Graph well-known folders an org may sync besides Inbox and Sent Items. */
export const WELL_KNOWN_EXTRA_MAIL_FOLDERS = ['archive', 'deleteditems', 'junkemail'] as const;
export type WellKnownExtraMailFolder = (typeof WELL_KNOWN_EXTRA_MAIL_FOLDERS)[number];
/** The well-known choices (a user folder path is typed instead). */
export const EXTRA_MAIL_FOLDERS = WELL_KNOWN_EXTRA_MAIL_FOLDERS;

/** Most extra folders an org may sync: each is a delta channel per mailbox. */
export const EXTRA_MAIL_FOLDERS_MAX = 10;
/** Longest user folder path accepted (the stored folder key). */
export const MAIL_FOLDER_PATH_MAX_LENGTH = 240;
/** Deepest user folder path accepted. */
export const MAIL_FOLDER_PATH_MAX_DEPTH = 10;

// Outlook's English names of the well-known folders: typed as a one-name path, they mean the
// well-known folder (which a path would find as a user folder otherwise).
const WELL_KNOWN_DISPLAY_NAMES = new Map<string, string>([
  ['inbox', 'inbox'],
  ['sentitems', 'sentitems'],
  ['sent items', 'sentitems'],
  ['deleted items', 'deleteditems'],
  ['junk email', 'junkemail'],
  ['archive', 'archive'],
  ['deleteditems', 'deleteditems'],
  ['junkemail', 'junkemail'],
]);

/**
 * The Graph well-known name of a folder named by its English display name or its well-known name
 * (`Inbox`, `Sent Items`, `Archive`, `Deleted Items`, `Junk Email`; any case), else undefined: a
 * path's first name that means the same folder in every mailbox language.
 */
export function wellKnownMailFolderOf(name: string): string | undefined {
  return WELL_KNOWN_DISPLAY_NAMES.get(name.trim().toLowerCase());
}

export function isWellKnownExtraMailFolder(value: string): value is WellKnownExtraMailFolder {
  return (WELL_KNOWN_EXTRA_MAIL_FOLDERS as readonly string[]).includes(value);
}

/**
 * Splits a user folder path into display names, from the mailbox root: `/` separates names, a
 * `/` inside a name is written `\/` and a backslash `\\`. Null when it is not a path: an empty
 * name, a lone backslash, or any other escape.
 */
export function parseMailFolderPath(path: string): string[] | null {
  const names: string[] = [];
  let current = '';
  for (let i = 0; i < path.length; i++) {
    const c = path[i];
    if (c === '\\') {
      const next = path[i + 1];
      if (next !== '/' && next !== '\\') return null;
      current += next;
      i++;
    } else if (c === '/') {
      names.push(current.trim());
      current = '';
    } else {
      current += c;
    }
  }
  names.push(current.trim());
  return names.every((n) => n.length > 0) ? names : null;
}

/** The path of display names, escaped as {@link parseMailFolderPath} reads it. */
export function formatMailFolderPath(names: readonly string[]): string {
  return names.map((n) => n.replace(/\\/g, '\\\\').replace(/\//g, '\\/')).join('/');
}

/** Two entries naming the same folder have the same key (display names match in any case). */
export function extraMailFolderKey(folder: string): string {
  return folder.toLowerCase();
}

/**
 * A synced folder besides Inbox and Sent Items: a Graph well-known name (`archive`,
 * `deleteditems`, `junkemail`; the same folder in every mailbox and language) or a user folder's
 * display path from the mailbox root, such as `Customers` or `Inbox/Customers` (matched in any
 * case; `/` separates names, `\/` is a `/` inside a name).
 */
export const ExtraMailFolderSchema = z
  .string()
  .describe(
    'A Graph well-known folder name (archive, deleteditems, junkemail) or a user folder path from the mailbox root, e.g. Inbox/Customers',
  );
export type ExtraMailFolder = z.infer<typeof ExtraMailFolderSchema>;

/** An extra folder as the admin typed it: a well-known name is lower-cased, a path tidied. */
export const ExtraMailFolderInputSchema = z
  .string()
  .trim()
  .min(1, 'enter a folder name or path')
  .transform((value, ctx) => {
    const lower = value.toLowerCase();
    if (isWellKnownExtraMailFolder(lower)) return lower;
    const wellKnown = WELL_KNOWN_DISPLAY_NAMES.get(lower);
    if (wellKnown === 'inbox' || wellKnown === 'sentitems') {
      ctx.addIssue({
        code: 'custom',
        message: `"${value}" is always synced; name a folder inside it instead (e.g. Inbox/Customers)`,
      });
      return z.NEVER;
    }
    if (wellKnown) return wellKnown;
    const names = parseMailFolderPath(value);
    if (!names) {
      ctx.addIssue({
        code: 'custom',
        message: `"${value}" is not a folder path: separate folder names with "/" (e.g. Inbox/Customers), leave no name empty, and write a "/" inside a name as "\\/"`,
      });
      return z.NEVER;
    }
    if (names.length > MAIL_FOLDER_PATH_MAX_DEPTH) {
      ctx.addIssue({
        code: 'custom',
        message: `"${value}" is nested deeper than ${MAIL_FOLDER_PATH_MAX_DEPTH} folders`,
      });
      return z.NEVER;
    }
    const path = formatMailFolderPath(names);
    if (path.length > MAIL_FOLDER_PATH_MAX_LENGTH) {
      ctx.addIssue({
        code: 'custom',
        message: `"${value}" is longer than ${MAIL_FOLDER_PATH_MAX_LENGTH} characters`,
      });
      return z.NEVER;
    }
    return path;
  });

/** The org's extra folders: each once (paths compared in any case), at most the maximum. */
export const ExtraMailFoldersInputSchema = uniqueList(
  ExtraMailFolderInputSchema,
  EXTRA_MAIL_FOLDERS_MAX,
  {
    key: extraMailFolderKey,
    maxMessage: `at most ${EXTRA_MAIL_FOLDERS_MAX} extra folders`,
  },
);

/**
 * A synced folder: `inbox` and `sentitems` always, then the org's extra folders as configured
 * (well-known names or user folder paths).
 */
export const MailFolderNameSchema = z
  .string()
  .describe("inbox, sentitems, or one of the org's extra folders as configured");
export type MailFolderName = z.infer<typeof MailFolderNameSchema>;

/** A mailbox's copy of a message: whose mailbox, which folder. */
export const MailMessageLinkSchema = z
  .object({
    roxUserId: z.string(),
    folder: MailFolderNameSchema,
    isRead: z.boolean(),
  })
  .meta({ id: 'MailMessageLink' });

/**
 * One Rox message (deduplicated per org by internetMessageId). `bodyAvailable` is false at the
 * metadata level (the body was never fetched); `body` is only present when reading one message
 * at the full level.
 */
export const MailMessageSchema = z
  .object({
    id: z.uuid(),
    internetMessageId: z.string(),
    conversationId: z.string().nullable(),
    subject: z.string().nullable(),
    from: MailAddressSchema.nullable(),
    sender: MailAddressSchema.nullable(),
    replyTo: z.array(MailAddressSchema),
    to: z.array(MailAddressSchema),
    cc: z.array(MailAddressSchema),
    bcc: z.array(MailAddressSchema),
    sentAt: z.iso.datetime().nullable(),
    receivedAt: z.iso.datetime().nullable(),
    hasAttachments: z.boolean(),
    importance: z.string().nullable(),
    bodyAvailable: z.boolean(),
    mailboxes: z.array(MailMessageLinkSchema),
  })
  .meta({ id: 'MailMessage' });
export type MailMessage = z.infer<typeof MailMessageSchema>;

export const MailMessageWithBodySchema = MailMessageSchema.extend({
  body: z
    .object({ contentType: z.enum(['text', 'html']), content: z.string() })
    .nullable()
    .describe('null when the body is unavailable (metadata level)'),
}).meta({ id: 'MailMessageWithBody' });
export type MailMessageWithBody = z.infer<typeof MailMessageWithBodySchema>;

/** Exactly one filter: a member's mailbox, a contact address, or a conversation. */
export const ListMailMessagesQuerySchema = z
  .object({
    roxUserId: z.string().min(1).max(128).optional(),
    address: z.string().min(3).max(320).optional(),
    conversationId: z.string().min(1).max(512).optional(),
    cursor: z.string().min(1).max(200).optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
  })
  .refine(
    (q) => [q.roxUserId, q.address, q.conversationId].filter((v) => v !== undefined).length === 1,
    { message: 'Give exactly one of roxUserId, address or conversationId' },
  );
export type ListMailMessagesQuery = z.infer<typeof ListMailMessagesQuerySchema>;

export const MailMessagePageSchema = z
  .object({ items: z.array(MailMessageSchema), nextCursor: z.string().nullable() })
  .meta({ id: 'MailMessagePage' });
export type MailMessagePage = z.infer<typeof MailMessagePageSchema>;

export const MailMessageParamsSchema = z.object({ id: z.uuid() });
export type MailMessageParams = z.infer<typeof MailMessageParamsSchema>;

/**
 * An attachment of a synced message, listed from Microsoft 365 when asked (never stored). Only
 * file attachments can be downloaded.
 */
export const MailAttachmentSchema = z
  .object({
    id: z.string().describe('Graph’s attachment id in the mailbox copy Rox reads'),
    kind: z.enum(['file', 'item', 'reference']),
    name: z.string().nullable(),
    contentType: z.string().nullable(),
    size: z.number().int().nullable(),
    isInline: z.boolean(),
  })
  .meta({ id: 'MailAttachment' });
export type MailAttachment = z.infer<typeof MailAttachmentSchema>;

export const MailAttachmentListSchema = z
  .object({ items: z.array(MailAttachmentSchema) })
  .meta({ id: 'MailAttachmentList' });
export type MailAttachmentList = z.infer<typeof MailAttachmentListSchema>;

export const MailAttachmentParamsSchema = z.object({
  id: z.uuid(),
  attachmentId: z
    .string()
    .min(1)
    .max(1024)
    .regex(/^[A-Za-z0-9+/=_-]+$/, 'Not an attachment id'),
});
export type MailAttachmentParams = z.infer<typeof MailAttachmentParamsSchema>;

const MailChangeSequenceSchema = z.string().describe('Strictly increasing within the org');

/** A Rox message was created, updated (e.g. another mailbox copy, a move, read) or deleted. */
export const MailMessageChangeSchema = z
  .object({
    sequence: MailChangeSequenceSchema,
    change: z.enum(['created', 'updated', 'deleted']),
    messageId: z.uuid(),
    reason: z
      .enum(['removed_from_synced_folders'])
      .optional()
      .describe(
        'On a deleted entry: removed_from_synced_folders when the last copy was moved to a folder Rox does not sync, Deleted Items included (Outlook’s delete moves mail there; it still exists in Outlook, MAIL-5); absent when it was deleted for good, became restricted or its mailbox left sync',
      ),
    at: z.iso.datetime(),
  })
  .meta({ id: 'MailMessageChange' });
export type MailMessageChange = z.infer<typeof MailMessageChangeSchema>;

/**
 * A folder's delta cursor was reset and a full round follows (reconciled by set difference):
 * changes may have happened that no entry describes, so a consumer should reconcile what it
 * holds for this mailbox (re-read `GET /mail/messages?roxUserId=`). Message entries of the full
 * round follow it in the feed.
 */
export const MailCursorResetChangeSchema = z
  .object({
    sequence: MailChangeSequenceSchema,
    change: z.literal('cursor_reset'),
    messageId: z.null(),
    roxUserId: z.string(),
    folder: MailFolderNameSchema,
    reason: z
      .enum(['cursor_expired', 'cursor_unusable', 'account_changed', 'restrictions_lifted'])
      .describe(
        'cursor_expired: Graph answered 410; cursor_unusable: too old or from another host; account_changed: another Entra account behind the member; restrictions_lifted: a restriction was lifted and mail is re-imported',
      ),
    at: z.iso.datetime(),
  })
  .meta({ id: 'MailCursorResetChange' });
export type MailCursorResetChange = z.infer<typeof MailCursorResetChangeSchema>;

/** One entry of the org's mail change feed, in commit order. */
export const MailChangeSchema = z
  .discriminatedUnion('change', [MailMessageChangeSchema, MailCursorResetChangeSchema])
  .meta({ id: 'MailChange' });
export type MailChange = z.infer<typeof MailChangeSchema>;

export const MailChangesQuerySchema = z.object({
  cursor: z
    .string()
    .regex(/^\d{1,18}$/)
    .optional()
    .describe('The `nextCursor` of the previous page; omit to start at the beginning'),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
export type MailChangesQuery = z.infer<typeof MailChangesQuerySchema>;

export const MailChangePageSchema = z
  .object({
    items: z.array(MailChangeSchema),
    nextCursor: z.string().describe('Pass back as `cursor`; unchanged when nothing is new'),
  })
  .meta({ id: 'MailChangePage' });
export type MailChangePage = z.infer<typeof MailChangePageSchema>;

/** One mail channel (a synced folder of a member's mailbox). */
export const MailChannelStatusSchema = z
  .object({
    folder: MailFolderNameSchema,
    stage: z.enum(['never', 'queued', 'running', 'ok', 'failed']),
    reason: z.string().nullable(),
    lastSyncAt: z.iso.datetime().nullable(),
    cursorAgeHours: z.number().nullable(),
    messages: z.number().int(),
  })
  .meta({ id: 'MailChannelStatus' });
export type MailChannelStatus = z.infer<typeof MailChannelStatusSchema>;

/**
 * The org-wide status's mail section: members by where their mail sync stands (a mailbox's
 * state: not in scope, or the most pressing stage of its folders: failed, running, queued, never
 * synced, ok), the reasons behind failed or retrying folders, and what is stored.
 */
export const MailOrgSummarySchema = z
  .object({
    mailboxes: z
      .object({
        notInScope: z.number().int(),
        never: z.number().int(),
        queued: z.number().int(),
        running: z.number().int(),
        ok: z.number().int(),
        failed: z.number().int(),
      })
      .describe('Members per state'),
    reasons: z
      .array(z.object({ code: z.string(), mailboxes: z.number().int() }))
      .describe('Why mailboxes failed or wait for a retry (coded), most frequent first'),
    messages: z.number().int(),
    lastSyncAt: z.iso.datetime().nullable(),
  })
  .meta({ id: 'MailOrgSummary' });
export type MailOrgSummary = z.infer<typeof MailOrgSummarySchema>;

/** A member's mail sync: scope from the mailbox row, then each folder channel. */
export const MemberMailStatusSchema = z
  .object({
    roxUserId: z.string(),
    email: z.string(),
    level: z.string().describe('The effective mail level: off, metadata, read or read_send'),
    inScope: z.boolean(),
    reason: z.string().nullable(),
    nextAction: z.string().nullable(),
    messages: z.number().int(),
    lastSyncAt: z.iso.datetime().nullable(),
    channels: z.array(MailChannelStatusSchema),
  })
  .meta({ id: 'MemberMailStatus' });
export type MemberMailStatus = z.infer<typeof MemberMailStatusSchema>;

export const MemberMailStatusPageSchema = z
  .object({ items: z.array(MemberMailStatusSchema), nextCursor: z.string().nullable() })
  .meta({ id: 'MemberMailStatusPage' });
export type MemberMailStatusPage = z.infer<typeof MemberMailStatusPageSchema>;

/** An admin's request to remove everything synced about one person's mailbox. */
export const MailDataRemovalRequestSchema = z.object({
  roxUserId: z.string().min(1).max(128),
  reason: z.string().max(500).optional(),
});
export type MailDataRemovalRequest = z.infer<typeof MailDataRemovalRequestSchema>;

export const MailDataRemovalReceiptSchema = z
  .object({
    roxUserId: z.string(),
    removed: z.record(z.string(), z.number().int()).describe('Rows removed per table'),
    auditAction: z.literal('mail.data_removed'),
    at: z.iso.datetime(),
    nextAction: z
      .string()
      .describe(
        'What keeps the mailbox from being synced again (restrict the user or turn mail off)',
      ),
  })
  .meta({ id: 'MailDataRemovalReceipt' });
export type MailDataRemovalReceipt = z.infer<typeof MailDataRemovalReceiptSchema>;

const RecipientListSchema = z.array(z.email().max(320)).max(100);

/**
 * A file sent with a message. Under 3 MB it is attached with one Graph call, from 3 MB through
 * an upload session. The API caps the decoded total (`MAIL_SEND_ATTACHMENTS_MAX_BYTES`, 25 MB
 * by default; Exchange's default message limit is 35 MB, an upload session takes up to 150 MB).
 */
export const SendMailAttachmentSchema = z.object({
  name: z.string().min(1).max(255),
  contentType: z
    .string()
    .max(127)
    .regex(/^[\w.+-]+\/[\w.+-]+$/, 'Not a media type')
    .default('application/octet-stream'),
  contentBase64: z.base64().min(1).describe('The file, base64 (standard alphabet, padded)'),
});
export type SendMailAttachment = z.infer<typeof SendMailAttachmentSchema>;

/** Most files one send carries. */
export const SEND_MAIL_MAX_ATTACHMENTS = 20;

/**
 * Send (or reply) as a member. The idempotency key makes a repeated request return the first
 * one's status instead of sending again.
 */
export const SendMailRequestSchema = z
  .object({
    roxUserId: z.string().min(1).max(128),
    idempotencyKey: z.string().min(8).max(128),
    to: RecipientListSchema.default([]),
    cc: RecipientListSchema.default([]),
    bcc: RecipientListSchema.default([]),
    subject: z.string().max(998).default(''),
    body: z.object({ contentType: z.enum(['text', 'html']), content: z.string().max(1_000_000) }),
    replyToMessageId: z
      .uuid()
      .optional()
      .describe('A synced message of this member to reply to (keeps the thread)'),
    replyAll: z.boolean().default(false),
    attachments: z.array(SendMailAttachmentSchema).max(SEND_MAIL_MAX_ATTACHMENTS).default([]),
  })
  .refine((r) => r.replyToMessageId !== undefined || r.to.length + r.cc.length + r.bcc.length > 0, {
    message: 'A new message needs at least one recipient',
  });
export type SendMailRequest = z.infer<typeof SendMailRequestSchema>;

/**
 * Where a send stands. `unknown_delivery`: sent with Mail.Send alone and the answer was lost;
 * Rox cannot look it up and never resends blindly.
 */
export const MailSendStatusSchema = z
  .object({
    id: z.uuid(),
    roxUserId: z.string(),
    idempotencyKey: z.string(),
    mode: z.enum(['draft', 'send_mail']),
    status: z.enum(['queued', 'sending', 'sent', 'unknown_delivery', 'failed']),
    internetMessageId: z.string(),
    messageId: z.string().nullable().describe("Graph's id of the sent copy (draft mode)"),
    roxMessageId: z
      .uuid()
      .nullable()
      .describe('The synced Rox message of the sent copy, once a sync has seen it'),
    conversationId: z.string().nullable(),
    reason: z.string().nullable(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .meta({ id: 'MailSendStatus' });
export type MailSendStatus = z.infer<typeof MailSendStatusSchema>;

export const MailSendParamsSchema = z.object({ id: z.uuid() });
export type MailSendParams = z.infer<typeof MailSendParamsSchema>;

export const MailMemberParamsSchema = z.object({ roxUserId: z.string().min(1).max(128) });
export type MailMemberParams = z.infer<typeof MailMemberParamsSchema>;
