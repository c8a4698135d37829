import { type BatchResult } from '../batch';
import { type DeltaPage, type DeltaRound, type GraphClient, type GraphPage } from '../client';
import { isNotFound } from '../errors';
import { type BoundGraphClient } from '../microsoft-graph';
import { type GraphMessage, type OutgoingMessage } from '../types';

/**
 * Message properties available with Mail.ReadBasic.All: never `body`, `bodyPreview`,
 * `uniqueBody` or attachments, so metadata-only sync never even asks for them.
 */
export const MESSAGE_METADATA_SELECT: readonly string[] = [
  'id',
  'internetMessageId',
  'conversationId',
  'subject',
  'from',
  'sender',
  'replyTo',
  'toRecipients',
  'ccRecipients',
  'bccRecipients',
  'receivedDateTime',
  'sentDateTime',
  'lastModifiedDateTime',
  'hasAttachments',
  'importance',
  'flag',
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

/**
 * Whose mailbox a call reads: a Graph owner path (`/users/{id}` or `/me`, as MailboxAccess hands
 * out), or a bare user id (the org-wide route).
 */
export type MailboxOwner = string;

function ownerPath(owner: MailboxOwner): string {
  return owner.startsWith('/') ? owner.replace(/\/+$/, '') : `/users/${encodeURIComponent(owner)}`;
}

/** Options of a messages delta round. */
export interface MessagesDeltaOptions {
  /** Properties to return; encoded into the tokens. Default {@link MESSAGE_METADATA_SELECT}. */
  readonly select?: readonly string[];
  /** `Prefer: odata.maxpagesize` (Outlook's default is 10). Default 100. */
  readonly maxPageSize?: number;
  /**
   * Backfill bound of the first round (`$filter=receivedDateTime ge …` with
   * `$orderby=receivedDateTime desc`, baked into the tokens). Microsoft then returns at most
   * {@link MESSAGE_DELTA_FILTER_CAP} messages in that round, the newest ones.
   */
  readonly receivedSince?: Date;
}

/**
 * Most messages the first round of a `$filter`ed message delta returns (Microsoft's documented
 * limit): the rest of the window comes from {@link messagesInWindowPages}.
 */
export const MESSAGE_DELTA_FILTER_CAP = 5_000;

/** Where a messages delta round starts: a folder (first round) or the stored deltaLink. */
export type MessagesDeltaStart = { readonly folder: string } | { readonly deltaLink: string };

/** The initial delta URL of one mail folder (`inbox`, `sentitems`, or a folder id). */
export function messagesDeltaStartUrl(
  client: GraphClient,
  owner: MailboxOwner,
  folder: string,
  options: Pick<MessagesDeltaOptions, 'select' | 'receivedSince'> = {},
): string {
  return client.url(
    `${ownerPath(owner)}/mailFolders/${encodeURIComponent(folder)}/messages/delta`,
    {
      $select: (options.select ?? MESSAGE_METADATA_SELECT).join(','),
      // The order is not guaranteed without $orderby; with it the capped round is the newest mail.
      ...(options.receivedSince
        ? {
            $filter: `receivedDateTime ge ${options.receivedSince.toISOString()}`,
            $orderby: 'receivedDateTime desc',
          }
        : {}),
    },
  );
}

function startUrl(
  client: GraphClient,
  owner: MailboxOwner,
  start: MessagesDeltaStart,
  options: MessagesDeltaOptions,
): string {
  return 'deltaLink' in start
    ? start.deltaLink
    : messagesDeltaStartUrl(client, owner, start.folder, options);
}

/**
 * The headers every page of a messages delta round carries: Prefer is not part of the tokens
 * (the client adds `IdType="ImmutableId"`). Also for a stored deltaLink read inside a `$batch`.
 */
export function messagesDeltaHeaders(
  options: Pick<MessagesDeltaOptions, 'maxPageSize'>,
): Record<string, string> {
  return { Prefer: `odata.maxpagesize=${options.maxPageSize ?? 100}` };
}

/** Pages of a folder's messages delta round (never `$top`: it would end the round early). */
export function messagesDeltaPages(
  client: GraphClient,
  owner: MailboxOwner,
  start: MessagesDeltaStart,
  options: MessagesDeltaOptions = {},
): AsyncGenerator<DeltaPage<GraphMessage>, void, undefined> {
  return client.deltaPages<GraphMessage>(startUrl(client, owner, start, options), {
    headers: messagesDeltaHeaders(options),
  });
}

/** A whole messages delta round for one folder. A dead token throws DeltaExpiredError. */
export function messagesDeltaRound(
  client: GraphClient,
  owner: MailboxOwner,
  start: MessagesDeltaStart,
  options: MessagesDeltaOptions = {},
): Promise<DeltaRound<GraphMessage>> {
  return client.deltaRound<GraphMessage>(startUrl(client, owner, start, options), {
    headers: messagesDeltaHeaders(options),
  });
}

/** Options of {@link messagesInWindowPages}. */
export interface MessagesWindowOptions {
  /** Oldest receivedDateTime wanted (inclusive). */
  readonly since: Date;
  /** Newest receivedDateTime wanted (exclusive). */
  readonly before: Date;
  readonly select?: readonly string[];
  /** Messages per page (`$top`, Outlook's page size for lists: 1 to 1000). Default 100. */
  readonly pageSize?: number;
}

/**
 * Pages of a folder's messages received in `[since, before)`, newest first, following
 * `@odata.nextLink` verbatim: the part of a backfill window a capped delta round did not return.
 */
export function messagesInWindowPages(
  client: GraphClient,
  owner: MailboxOwner,
  folder: string,
  options: MessagesWindowOptions,
): AsyncGenerator<GraphPage<GraphMessage>, void, undefined> {
  return client.pages<GraphMessage>(
    `${ownerPath(owner)}/mailFolders/${encodeURIComponent(folder)}/messages`,
    {
      query: {
        $select: (options.select ?? MESSAGE_METADATA_SELECT).join(','),
        // $orderby names the filtered property first, as Outlook requires (else InefficientFilter).
        $filter: `receivedDateTime ge ${options.since.toISOString()} and receivedDateTime lt ${options.before.toISOString()}`,
        $orderby: 'receivedDateTime desc',
        $top: Math.min(Math.max(options.pageSize ?? 100, 1), 1000),
      },
    },
  );
}

/** One message. */
export function getMessage(
  client: GraphClient,
  owner: MailboxOwner,
  messageId: string,
  select: readonly string[] = MESSAGE_CONTENT_SELECT,
): Promise<GraphMessage> {
  return client.get<GraphMessage>(`${ownerPath(owner)}/messages/${encodeURIComponent(messageId)}`, {
    query: { $select: select.join(',') },
  });
}

/** The folder a message is in now, or null when it no longer exists (404). */
export async function messageFolderId(
  client: GraphClient,
  owner: MailboxOwner,
  messageId: string,
): Promise<string | null> {
  try {
    const m = await getMessage(client, owner, messageId, ['parentFolderId']);
    return m.parentFolderId ?? null;
  } catch (error) {
    if (isNotFound(error)) return null;
    throw error;
  }
}

/** The id of a mail folder given by well-known name (`inbox`, `sentitems`, …) or id. */
export async function mailFolderId(
  client: GraphClient,
  owner: MailboxOwner,
  folder: string,
): Promise<string> {
  const body = await client.get<{ id: string }>(
    `${ownerPath(owner)}/mailFolders/${encodeURIComponent(folder)}`,
    { query: { $select: 'id' } },
  );
  return body.id;
}

/** A mail folder as the folder hierarchy delta returns it (`$select` of {@link MAIL_FOLDER_SELECT}). */
export interface GraphMailFolder {
  readonly id: string;
  readonly displayName?: string;
  readonly parentFolderId?: string;
}

/** What resolving a folder path needs: the name and where the folder sits. */
export const MAIL_FOLDER_SELECT: readonly string[] = ['displayName', 'parentFolderId'];

/**
 * Every folder of a mailbox, nested ones included (`GET …/mailFolders/delta`, one request per
 * page of `maxPageSize`), without the mailbox root itself. The round's deltaLink is not kept: a
 * caller that resolves a path now and again only when a folder is gone has no use for it.
 */
export async function listAllMailFolders(
  client: GraphClient,
  owner: MailboxOwner,
  options: { readonly maxPageSize?: number } = {},
): Promise<GraphMailFolder[]> {
  const folders: GraphMailFolder[] = [];
  for await (const page of client.deltaPages<GraphMailFolder>(
    client.url(`${ownerPath(owner)}/mailFolders/delta`, { $select: MAIL_FOLDER_SELECT.join(',') }),
    { headers: { Prefer: `odata.maxpagesize=${options.maxPageSize ?? 250}` } },
  )) {
    folders.push(...page.items);
  }
  return folders;
}

/** A body fetched by {@link getMessageBodies}: the content, or why it could not be read. */
export type MessageBodyResult =
  | { readonly id: string; readonly body: { contentType: string; content: string } }
  | { readonly id: string; readonly body: null; readonly status: number };

/**
 * Bodies of messages through `$batch` (20 per call, each item with ImmutableId and the body
 * content type in Prefer; throttled items are retried by the batch runner). A missing message
 * answers with its status instead of a body.
 */
export async function getMessageBodies(
  client: BoundGraphClient,
  owner: MailboxOwner,
  messageIds: readonly string[],
  contentType: 'text' | 'html' = 'text',
): Promise<MessageBodyResult[]> {
  const results: BatchResult[] = await client.batch(
    messageIds.map((id, i) => ({
      id: String(i + 1),
      method: 'GET' as const,
      url: `${ownerPath(owner)}/messages/${encodeURIComponent(id)}?$select=id,body`,
      headers: { Prefer: `outlook.body-content-type="${contentType}"` },
    })),
  );
  return results.map((r, i) => {
    const id = messageIds[i] ?? '';
    const body = (r.body as GraphMessage | null)?.body;
    if (r.status >= 200 && r.status < 300 && body) {
      return { id, body: { contentType: body.contentType.toLowerCase(), content: body.content } };
    }
    if (r.status !== 404 && r.error) throw r.error;
    return { id, body: null, status: r.status };
  });
}

/** Options of {@link sendMail}. */
export interface SendMailOptions {
  /** Keep a copy in Sent Items (default true); Rox picks the copy up through the sentitems delta. */
  readonly saveToSentItems?: boolean;
  /**
   * Runs just before each attempt goes out, once the token is in hand: a failure before it ran
   * (no token: identity platform down, a member's refresh refused) certainly sent nothing.
   */
  readonly beforeSend?: () => Promise<void>;
}

/**
 * Graph refuses a `sendMail` request over 4 MB with 413 (files travel base64 in it, 4/3 of their
 * size). Counted as 4,000,000 bytes: Microsoft does not say which megabyte it means.
 */
export const SEND_MAIL_MAX_REQUEST_BYTES = 4_000_000;

function sendMailBody(message: DraftInput, options: SendMailOptions) {
  return { message, saveToSentItems: options.saveToSentItems ?? true };
}

/** The size in bytes of the JSON body {@link sendMail} sends for this message. */
export function sendMailRequestBytes(message: DraftInput, options: SendMailOptions = {}): number {
  return Buffer.byteLength(JSON.stringify(sendMailBody(message, options)), 'utf8');
}

/**
 * Sends a message as the user. Graph answers 202 with no id. The request is never repeated here
 * after a failure that might have been processed (timeout, 5xx, 503 included): only after a 429,
 * where Graph refused it. The caller looks the message up before sending it again.
 */
export async function sendMail(
  client: GraphClient,
  owner: MailboxOwner,
  message: DraftInput,
  options: SendMailOptions = {},
): Promise<void> {
  await client.request(`${ownerPath(owner)}/sendMail`, {
    method: 'POST',
    body: sendMailBody(message, options),
    retryUnavailable: false,
    ...(options.beforeSend ? { beforeSend: options.beforeSend } : {}),
  });
}

/** A message found by its internetMessageId: where it is and whether it is still a draft. */
export interface FoundMessage {
  readonly id: string;
  readonly isDraft: boolean;
  readonly parentFolderId: string | null;
}

/**
 * Every copy of a message in the mailbox with this internetMessageId (Drafts, Sent Items, …):
 * how a send whose answer was lost finds out what happened before anything is sent again.
 */
export async function findByInternetMessageId(
  client: GraphClient,
  owner: MailboxOwner,
  internetMessageId: string,
): Promise<FoundMessage[]> {
  const found = await client.listAll<GraphMessage>(`${ownerPath(owner)}/messages`, {
    query: {
      $filter: `internetMessageId eq '${internetMessageId.replace(/'/g, "''")}'`,
      $select: 'id,isDraft,parentFolderId',
    },
  });
  return found.map((m) => ({
    id: m.id,
    isDraft: m.isDraft === true,
    parentFolderId: m.parentFolderId ?? null,
  }));
}

/** A message to create as a draft (the client sets internetMessageId to find it again). */
export interface DraftInput extends OutgoingMessage {
  readonly internetMessageId?: string;
}

/**
 * `POST …/messages`: a draft in Drafts (201). Not retried after a possibly processed failure, 503
 * included: a repeat would leave a stray draft; the caller looks the internetMessageId up.
 */
export async function createDraft(
  client: GraphClient,
  owner: MailboxOwner,
  message: DraftInput,
): Promise<GraphMessage> {
  const res = await client.request<GraphMessage>(`${ownerPath(owner)}/messages`, {
    method: 'POST',
    body: message,
    retryUnavailable: false,
  });
  if (!res.body) throw new TypeError('Draft creation answered without a body');
  return res.body;
}

/**
 * `POST …/messages/{id}/createReply` (or `createReplyAll`): a draft reply in the original's
 * conversation; Exchange sets the threading headers. The writable properties given in `message`
 * (toRecipients, ccRecipients, bccRecipients, …) are applied to the draft. Like
 * {@link createDraft}, never repeated after a possibly processed failure (503 included).
 */
export async function createReplyDraft(
  client: GraphClient,
  owner: MailboxOwner,
  messageId: string,
  input: { replyAll?: boolean; comment: string; message?: Partial<DraftInput> },
): Promise<GraphMessage> {
  const action = input.replyAll === true ? 'createReplyAll' : 'createReply';
  const res = await client.request<GraphMessage>(
    `${ownerPath(owner)}/messages/${encodeURIComponent(messageId)}/${action}`,
    {
      method: 'POST',
      body: { comment: input.comment, ...(input.message ? { message: input.message } : {}) },
      retryUnavailable: false,
    },
  );
  if (!res.body) throw new TypeError('createReply answered without a body');
  return res.body;
}

/** `POST …/messages/{id}/send` with an empty body (202). With ImmutableId the id stays. */
export async function sendDraft(
  client: GraphClient,
  owner: MailboxOwner,
  draftId: string,
): Promise<void> {
  await client.request(`${ownerPath(owner)}/messages/${encodeURIComponent(draftId)}/send`, {
    method: 'POST',
    retryUnavailable: false,
  });
}

/** An attachment of a message as listed (never its content). */
export interface GraphAttachmentInfo {
  readonly '@odata.type'?: string;
  readonly id: string;
  readonly name?: string | null;
  readonly contentType?: string | null;
  readonly size?: number;
  readonly isInline?: boolean;
}

const ATTACHMENT_SELECT = 'id,name,contentType,size,isInline';

function attachmentsPath(owner: MailboxOwner, messageId: string): string {
  return `${ownerPath(owner)}/messages/${encodeURIComponent(messageId)}/attachments`;
}

/** A message's attachments: names, types and sizes only (needs Mail.Read; ReadBasic gets 403). */
export function listAttachments(
  client: GraphClient,
  owner: MailboxOwner,
  messageId: string,
): Promise<GraphAttachmentInfo[]> {
  return client.listAll<GraphAttachmentInfo>(attachmentsPath(owner, messageId), {
    query: { $select: ATTACHMENT_SELECT },
  });
}

/** One attachment's name, type and size (no content). */
export function getAttachmentInfo(
  client: GraphClient,
  owner: MailboxOwner,
  messageId: string,
  attachmentId: string,
): Promise<GraphAttachmentInfo> {
  return client.get<GraphAttachmentInfo>(
    `${attachmentsPath(owner, messageId)}/${encodeURIComponent(attachmentId)}`,
    { query: { $select: ATTACHMENT_SELECT } },
  );
}

/** A file attachment's raw content (`…/attachments/{id}/$value`), read now and held by the caller. */
export async function getAttachmentContent(
  client: GraphClient,
  owner: MailboxOwner,
  messageId: string,
  attachmentId: string,
): Promise<Buffer> {
  const res = await client.getBytes(
    `${attachmentsPath(owner, messageId)}/${encodeURIComponent(attachmentId)}/$value`,
  );
  return res.bytes;
}
