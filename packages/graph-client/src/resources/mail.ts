import { type DeltaPage, type DeltaRound, type GraphClient } from '../client';
import { type GraphMessage, type OutgoingMessage } from '../types';

/** Message properties available with Mail.ReadBasic.All (no body, preview or attachments). */
export const MESSAGE_METADATA_SELECT: readonly string[] = [
  'id',
  'internetMessageId',
  'conversationId',
  'subject',
  'from',
  'sender',
  'toRecipients',
  'ccRecipients',
  'bccRecipients',
  'receivedDateTime',
  'sentDateTime',
  'lastModifiedDateTime',
  'hasAttachments',
  'isDraft',
  'isRead',
  'parentFolderId',
];

/** Metadata plus content (needs Mail.Read). */
export const MESSAGE_CONTENT_SELECT: readonly string[] = [
  ...MESSAGE_METADATA_SELECT,
  'bodyPreview',
  'body',
];

/** Options of a messages delta round. */
export interface MessagesDeltaOptions {
  /** Properties to return; encoded into the tokens. Default {@link MESSAGE_METADATA_SELECT}. */
  readonly select?: readonly string[];
  /** `Prefer: odata.maxpagesize` (Outlook's default is 10). Default 100. */
  readonly maxPageSize?: number;
}

/** Where a messages delta round starts: a folder (first round) or the stored deltaLink. */
export type MessagesDeltaStart = { readonly folder: string } | { readonly deltaLink: string };

function messagesPath(userId: string): string {
  return `/users/${encodeURIComponent(userId)}/messages`;
}

/** The initial delta URL of one mail folder (`inbox`, `sentitems`, or a folder id). */
export function messagesDeltaStartUrl(
  client: GraphClient,
  userId: string,
  folder: string,
  select: readonly string[] = MESSAGE_METADATA_SELECT,
): string {
  return client.url(
    `/users/${encodeURIComponent(userId)}/mailFolders/${encodeURIComponent(folder)}/messages/delta`,
    {
      $select: select.join(','),
    },
  );
}

function startUrl(
  client: GraphClient,
  userId: string,
  start: MessagesDeltaStart,
  options: MessagesDeltaOptions,
): string {
  return 'deltaLink' in start
    ? start.deltaLink
    : messagesDeltaStartUrl(client, userId, start.folder, options.select);
}

function headers(options: MessagesDeltaOptions): Record<string, string> {
  return { Prefer: `odata.maxpagesize=${options.maxPageSize ?? 100}` };
}

/** Pages of a folder's messages delta round. */
export function messagesDeltaPages(
  client: GraphClient,
  userId: string,
  start: MessagesDeltaStart,
  options: MessagesDeltaOptions = {},
): AsyncGenerator<DeltaPage<GraphMessage>, void, undefined> {
  return client.deltaPages<GraphMessage>(startUrl(client, userId, start, options), {
    headers: headers(options),
  });
}

/** A whole messages delta round for one folder. A dead token throws DeltaExpiredError. */
export function messagesDeltaRound(
  client: GraphClient,
  userId: string,
  start: MessagesDeltaStart,
  options: MessagesDeltaOptions = {},
): Promise<DeltaRound<GraphMessage>> {
  return client.deltaRound<GraphMessage>(startUrl(client, userId, start, options), {
    headers: headers(options),
  });
}

/** One message. */
export function getMessage(
  client: GraphClient,
  userId: string,
  messageId: string,
  select: readonly string[] = MESSAGE_CONTENT_SELECT,
): Promise<GraphMessage> {
  return client.get<GraphMessage>(`${messagesPath(userId)}/${encodeURIComponent(messageId)}`, {
    query: { $select: select.join(',') },
  });
}

/** Options of {@link sendMail}. */
export interface SendMailOptions {
  /** Keep a copy in Sent Items (default true); Rox picks the copy up through the sentitems delta. */
  readonly saveToSentItems?: boolean;
}

/**
 * Sends a message as the user. Graph answers 202 with no id. The request is never repeated after a
 * failure that might have been processed (timeout, 5xx): only 429/503, where Graph refused it.
 */
export async function sendMail(
  client: GraphClient,
  userId: string,
  message: OutgoingMessage,
  options: SendMailOptions = {},
): Promise<void> {
  await client.request(`/users/${encodeURIComponent(userId)}/sendMail`, {
    method: 'POST',
    body: { message, saveToSentItems: options.saveToSentItems ?? true },
  });
}
