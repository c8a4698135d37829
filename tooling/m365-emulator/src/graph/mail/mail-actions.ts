import { randomBytes } from 'node:crypto';

import type { FolderState, Mailbox } from '../../state/mailbox';
import type { AttachmentRecord, EmailAddress, MessageRecord, UserRecord } from '../../state/model';
import type { TenantState } from '../../state/tenant';
import { hashHex } from '../../util/prng';
import { isoSeconds } from '../../util/timezone';

/** Reports an Outlook change so subscriptions can notify (wired by the subscriptions feature). */
export type ChangeEmitter = (
  tenantId: string,
  userId: string,
  kind: 'messages' | 'events',
  changeType: 'created' | 'updated' | 'deleted',
  id: string,
  folder?: string,
) => void;

export function newChangeKey(id: string): string {
  return `CQAAABYAAA${hashHex(id, Date.now(), randomBytes(4).toString('hex')).slice(0, 24)}`;
}

export interface NewMessage {
  subject: string;
  bodyHtml: string;
  from: EmailAddress;
  toRecipients: EmailAddress[];
  ccRecipients?: EmailAddress[];
  bccRecipients?: EmailAddress[];
  replyTo?: EmailAddress[];
  sender?: EmailAddress;
  extraHeaders?: { name: string; value: string }[];
  /** When it arrived (ISO); default now. Lets tests place mail inside or outside a backfill window. */
  receivedDateTime?: string;
  attachments?: AttachmentRecord[];
  conversationId?: string;
  internetMessageId?: string;
  isDraft?: boolean;
  isRead?: boolean;
  importance?: 'low' | 'normal' | 'high';
}

export function addressOf(user: UserRecord): EmailAddress {
  return { name: user.displayName, address: user.mail ?? user.userPrincipalName };
}

/** Creates a message in a folder of a mailbox. */
export function putNewMessage(
  mailbox: Mailbox,
  folder: FolderState,
  input: NewMessage,
  nowMs: number,
): MessageRecord {
  const id = mailbox.newId('message');
  const at = isoSeconds(nowMs);
  const message: MessageRecord = {
    id,
    moveCount: 0,
    folder: folder.name,
    subject: input.subject,
    bodyHtml: input.bodyHtml,
    from: input.from,
    toRecipients: input.toRecipients,
    ccRecipients: input.ccRecipients ?? [],
    bccRecipients: input.bccRecipients ?? [],
    ...(input.replyTo && input.replyTo.length > 0 ? { replyTo: input.replyTo } : {}),
    ...(input.sender ? { sender: input.sender } : {}),
    ...(input.extraHeaders && input.extraHeaders.length > 0
      ? { extraHeaders: input.extraHeaders }
      : {}),
    receivedDateTime: input.receivedDateTime ?? at,
    sentDateTime: input.receivedDateTime ?? at,
    createdDateTime: at,
    lastModifiedDateTime: at,
    changeKey: newChangeKey(id),
    internetMessageId:
      input.internetMessageId ??
      `<${hashHex(id).slice(0, 24)}@${input.from.address.split('@')[1] ?? 'example.com'}>`,
    conversationId:
      input.conversationId ??
      `AAQkA${hashHex(input.subject.replace(/^(re|fw|fwd):\s*/i, '')).slice(0, 32)}`,
    isRead: input.isRead ?? false,
    isDraft: input.isDraft ?? false,
    importance: input.importance ?? 'normal',
    categories: [],
    attachments: (input.attachments ?? []).map((a, i) => ({ ...a, id: `${id}AT${i}` })),
  };
  folder.messages.put(message);
  return message;
}

/** Delivers a sent message to every in-tenant recipient's inbox; external recipients are dropped. */
export function deliverToTenant(
  tenant: TenantState,
  input: NewMessage,
  nowMs: number,
  emit: ChangeEmitter,
): string[] {
  const ids: string[] = [];
  const all = [
    ...input.toRecipients,
    ...(input.ccRecipients ?? []),
    ...(input.bccRecipients ?? []),
  ];
  const seen = new Set<string>();
  const counted = new Set<string>();
  const internetMessageId = input.internetMessageId ?? '';
  for (const r of all) {
    const user = tenant.findUser(r.address);
    const recipient = (user ? addressOf(user).address : r.address).toLowerCase();
    if (!counted.has(recipient)) {
      counted.add(recipient);
      const key = `${recipient}\n${internetMessageId}`;
      const delivery = tenant.deliveries.get(key) ?? {
        recipient,
        internetMessageId,
        count: 0,
        external: !user,
      };
      delivery.count += 1;
      tenant.deliveries.set(key, delivery);
    }
    if (!user || seen.has(user.id)) continue;
    seen.add(user.id);
    const mailbox = tenant.mailbox(user);
    const inbox = mailbox?.folder('inbox');
    if (!mailbox || !inbox) continue;
    const m = putNewMessage(
      mailbox,
      inbox,
      { ...input, isDraft: false, isRead: false, bccRecipients: [] },
      nowMs,
    );
    emit(tenant.id, user.id, 'messages', 'created', m.id, 'inbox');
    ids.push(m.id);
  }
  return ids;
}

/** Sends as the mailbox owner: a copy in Sent Items (unless disabled) and delivery in the tenant. */
export function sendAs(
  tenant: TenantState,
  user: UserRecord,
  mailbox: Mailbox,
  input: NewMessage,
  saveToSentItems: boolean,
  nowMs: number,
  emit: ChangeEmitter,
): MessageRecord | undefined {
  const sent = mailbox.folder('sentitems');
  let copy: MessageRecord | undefined;
  if (saveToSentItems && sent) {
    copy = putNewMessage(
      mailbox,
      sent,
      { ...input, from: addressOf(user), isDraft: false, isRead: true },
      nowMs,
    );
    emit(tenant.id, user.id, 'messages', 'created', copy.id, 'sentitems');
  }
  deliverToTenant(
    tenant,
    {
      ...input,
      from: addressOf(user),
      ...(copy ? { internetMessageId: copy.internetMessageId } : {}),
    },
    nowMs,
    emit,
  );
  return copy;
}

/** Moves a message; it keeps its immutable id and gets a new regular id. */
export function moveMessage(
  tenantId: string,
  userId: string,
  from: FolderState,
  to: FolderState,
  message: MessageRecord,
  nowMs: number,
  emit: ChangeEmitter,
): MessageRecord {
  if (from === to) return message;
  from.messages.remove(message.id, 'deleted');
  const moved: MessageRecord = {
    ...message,
    folder: to.name,
    moveCount: message.moveCount + 1,
    lastModifiedDateTime: isoSeconds(nowMs),
    changeKey: newChangeKey(message.id),
  };
  to.messages.put(moved);
  emit(tenantId, userId, 'messages', 'deleted', message.id, from.name);
  emit(tenantId, userId, 'messages', 'created', moved.id, to.name);
  return moved;
}

export function updateMessage(
  tenantId: string,
  userId: string,
  folder: FolderState,
  message: MessageRecord,
  patch: Partial<MessageRecord>,
  nowMs: number,
  emit: ChangeEmitter,
): MessageRecord {
  const updated: MessageRecord = {
    ...message,
    ...patch,
    id: message.id,
    lastModifiedDateTime: isoSeconds(nowMs),
    changeKey: newChangeKey(message.id),
  };
  folder.messages.put(updated);
  emit(tenantId, userId, 'messages', 'updated', message.id, folder.name);
  return updated;
}

/** DELETE moves to Deleted Items; deleting from Deleted Items removes the message for good. */
export function deleteMessage(
  tenantId: string,
  userId: string,
  mailbox: Mailbox,
  folder: FolderState,
  message: MessageRecord,
  nowMs: number,
  emit: ChangeEmitter,
): void {
  const trash = mailbox.folder('deleteditems');
  if (!trash || folder === trash) {
    folder.messages.remove(message.id, 'deleted');
    emit(tenantId, userId, 'messages', 'deleted', message.id, folder.name);
    return;
  }
  moveMessage(tenantId, userId, folder, trash, message, nowMs, emit);
}
