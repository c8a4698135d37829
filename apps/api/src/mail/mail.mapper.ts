import { type MailChange, type MailMessage as MailMessageContract } from '@rox365/contracts';

import { parseInstantAndId } from '../platform/http/keyset-page';
import { type MailChangeEntry, type MailCursorResetReason } from './entities/mail-change.entity';
import { type MailMessageLink } from './entities/mail-message-link.entity';
import { type MailMessage } from './entities/mail-message.entity';
import { type ListedMessage } from './mail.repository';

/** A stored message and its mailbox copies as the API shows them (never the sealed body). */
export function messageToContract(
  m: Omit<ListedMessage, 'copies'>,
  copies: readonly Pick<MailMessageLink, 'roxUserId' | 'folder' | 'isRead'>[],
): MailMessageContract {
  return {
    id: m.id,
    internetMessageId: m.internetMessageId,
    conversationId: m.conversationId,
    subject: m.subject,
    from: m.fromAddress,
    sender: m.senderAddress,
    replyTo: m.replyTo,
    to: m.toRecipients,
    cc: m.ccRecipients,
    bcc: m.bccRecipients,
    sentAt: m.sentAt?.toISOString() ?? null,
    receivedAt: m.receivedAt?.toISOString() ?? null,
    hasAttachments: m.hasAttachments,
    importance: m.importance,
    bodyAvailable: m.bodyAvailable,
    mailboxes: copies.map((l) => ({ roxUserId: l.roxUserId, folder: l.folder, isRead: l.isRead })),
  };
}

/** Opaque keyset cursor of message pages: the last row's received time and id. */
export function encodeMessageCursor(m: Pick<MailMessage, 'receivedAt' | 'id'>): string {
  return Buffer.from(`${(m.receivedAt ?? new Date(0)).toISOString()}|${m.id}`).toString(
    'base64url',
  );
}

export function decodeMessageCursor(cursor: string): { receivedAt: Date; id: string } | null {
  const key = parseInstantAndId(Buffer.from(cursor, 'base64url').toString('utf8'), '|');
  return key ? { receivedAt: key.at, id: key.id } : null;
}

/** A feed row as the API shows it: a message change, or a folder's cursor reset. */
export function changeToContract(r: MailChangeEntry): MailChange {
  const at = r.at.toISOString();
  if (r.change === 'cursor_reset') {
    return {
      sequence: r.sequence,
      change: 'cursor_reset',
      messageId: null,
      roxUserId: r.roxUserId ?? '',
      folder: r.folder ?? 'inbox',
      reason: (r.reason as MailCursorResetReason | null) ?? 'cursor_unusable',
      at,
    };
  }
  return {
    sequence: r.sequence,
    change: r.change,
    messageId: r.messageId ?? '',
    ...(r.change === 'deleted' && r.reason === 'removed_from_synced_folders'
      ? { reason: r.reason }
      : {}),
    at,
  };
}
